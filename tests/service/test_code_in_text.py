"""The verification code the sandbox API and the inbox read out of a delivered text: a built-in
template's variable, else the first run of 4 to 8 digits, else none."""

from __future__ import annotations

import pytest

from ihuyi_sandbox.service.products import REGISTRY, Product, product
from ihuyi_sandbox.service.templates import find_code

SMS_DEFAULT = "您的验证码是：【变量】。请不要把验证码泄露给其他人。"
NOTICE_DEFAULT = "您的订单号是：【变量】。已由【变量】发出，请注意查收。"


class TextProduct(Product):
    """A product with built-in templates, left unnamed so that it is never registered."""

    builtin_templates = {1: SMS_DEFAULT, 1361: NOTICE_DEFAULT}


@pytest.mark.parametrize(("text", "code"), [
    ("【互亿无线】您的验证码是：ab12cd。请不要把验证码泄露给其他人。", "ab12cd"),   # the template's variable, letters too
    ("您的验证码是：123。请不要把验证码泄露给其他人。【互亿无线】", "123"),          # whatever its length
    ("您的订单号是：9633。已由顺风快递发出，请注意查收。", "9633"),                 # the first of two variables
    ("Your verification code is 1125", "1125"),                                 # no template: 4 to 8 digits
    ("致电13812345678，验证码 20180515", "20180515"),                             # a mobile is no code
    ("code 123 then 123456789 then 4321", "4321"),
    ("验证码：１２３４", None),                                                  # full-width digits are not read
    ("退订回T", None),
    ("", None),
])
def test_the_code_in_a_text(text, code):
    assert TextProduct().code_in(text) == code


def test_without_templates_only_digits_count():
    assert find_code("【互亿无线】您的验证码是：ab12cd。请不要把验证码泄露给其他人。") is None
    assert find_code("您的验证码是：5678。") == "5678"


def test_an_unnamed_product_is_not_registered():
    product("voice")  # the registry loaded
    assert TextProduct not in {type(p) for p in REGISTRY.values()}


def test_voice_reads_its_content_whatever_it_is():
    assert product("voice").code_in("12") == "12"
