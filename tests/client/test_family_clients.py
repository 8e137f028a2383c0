"""The family's clients, blocking and asyncio (tests/client/conftest.py), against a served sandbox:
each product's Submit and GetNum, templates, the typed errors of its codes, and the one shared
core (format, dynamic password, transport)."""

from __future__ import annotations


import pytest

from ihuyi_sandbox.client import Submitted
from ihuyi_sandbox.errors import CredentialsError, IhuyiError, MobileError

KEY = "0123456789abcdef0123456789abcdef"
SMS_TEXT = "您的验证码是：4821。请不要把验证码泄露给其他人。"



def is_id(submitted: Submitted) -> bool:
    return submitted.code == 2 and submitted.id.isdigit() and submitted.id != "0"


@pytest.mark.parametrize("format", ["xml", "json"])
@pytest.mark.parametrize("dynamic", [False, True])
def test_sms_sends_a_code_by_template_and_by_text(clients, sandbox, api, format, dynamic):
    client = clients.SmsClient("C00000001", KEY, sandbox.url, format=format, dynamic_password=dynamic)
    assert is_id(client.send_template("13812345678", 1, "4821"))
    assert is_id(client.send("13812345679", SMS_TEXT))
    assert client.balance() == 998
    (latest, older) = api.messages(account="C00000001")
    assert latest["text"].startswith(SMS_TEXT) and latest["code"] == "4821" and latest["product"] == "sms"
    assert older["text"].startswith(SMS_TEXT)


def test_sms_text_that_follows_no_template_is_refused_with_its_code(clients, sandbox, api):
    with pytest.raises(IhuyiError) as refused:
        clients.SmsClient("C00000001", KEY, sandbox.url).send("13812345678", "随便写的一条短信")
    assert refused.value.code == 4072


def test_sms_added_template_has_an_id(clients, sandbox, api):
    template_id = clients.SmsClient("C00000001", KEY, sandbox.url).add_template("您的订单【变量】已发货。")
    assert template_id >= 10000
    assert any(t["id"] == template_id for t in api.call("GET", "/_sandbox/templates")["templates"])


def test_another_products_account_gets_this_products_405(clients, sandbox, api):
    with pytest.raises(CredentialsError) as refused:
        clients.SmsClient("V00000001", KEY, sandbox.url).send_template("13812345678", 1, "1234")
    assert refused.value.code == 405


def test_international_sends_to_a_country_code_and_number(clients, sandbox, api):
    client = clients.InternationalSmsClient("I00000001", KEY, sandbox.url)
    assert is_id(client.send(1, "6502530000", "Your verification code is 1125"))
    with pytest.raises(MobileError):
        client.send(1, "12", "Your verification code is 1125")
    assert client.balance() == 999


def test_marketing_sends_one_batch_billed_per_number(clients, sandbox, api):
    client = clients.MarketingClient("M00000001", KEY, sandbox.url)
    assert is_id(client.send(["13800000001", "13800000002", "13800000003"], "新品上市，欢迎选购。退订回T【互亿无线】"))
    assert client.balance() == 997
    with pytest.raises(TypeError):
        client.send("13800000001", "x")  # type: ignore[arg-type]


@pytest.mark.parametrize("format", ["xml", "json"])
def test_voice_notice_reads_out_a_template(clients, sandbox, api, format):
    client = clients.VoiceNoticeClient("VM00000001", KEY, sandbox.url, format=format)
    assert is_id(client.send_template("13812345678", 1361, "9633", "顺风快递"))
    (message,) = api.messages(account="VM00000001")
    assert message["text"] == "您的订单号是：9633。已由顺风快递发出，请注意查收。" and message["product"] == "voice_notice"
    assert client.balance() == 999


def test_voice_codes_still_answer_on_the_shared_path(clients, sandbox, api):
    assert clients.VoiceClient("V00000001", KEY, sandbox.url).send_code("13812345678", "1234").code == 2
