"""docs/contract.md §10: templates and signatures as SMS applies them: content matched against the
usable templates, ``templateid`` mode filled in, AddTemplate's templates pending until due."""

from __future__ import annotations

import time

import pytest

from .common import CODE_TEXT, KEY, SMS, client

C1 = {"account": "C00000001", "password": KEY}
MOBILE = "13812345678"


def submit(test_client, content: str, account: dict[str, str] = C1, **extra: str) -> int:
    data = {**account, "mobile": MOBILE, "content": content, **extra}
    return test_client.post(f"{SMS}?method=Submit&format=json", data=data).json["code"]


def delivered(test_client) -> str:
    """The text the last accepted Submit delivered, as the sandbox's inbox shows it."""
    return test_client.get(f"/_sandbox/messages?mobile={MOBILE}&limit=1").json["messages"][0]["text"]


def add_template(test_client, content: str, account: dict[str, str] = C1) -> str:
    response = test_client.post(f"{SMS}?method=AddTemplate&format=json", data={**account, "content": content})
    assert response.json["code"] == 2, response.data
    return str(response.json["templateid"])


def test_the_built_in_template_matches_and_the_signature_is_appended():
    test_client = client()
    assert submit(test_client, CODE_TEXT) == 2
    assert delivered(test_client) == CODE_TEXT + "【互亿无线】"


@pytest.mark.parametrize("content", ["您的验证码是：abcd。请不要把验证码泄露给其他人。",
                                     "您的验证码是：一二三四五六七八。请不要把验证码泄露给其他人。",
                                     "尊敬的张三，您的订单A123已发货。"])
def test_a_variable_may_hold_digits_letters_or_chinese(content):
    assert submit(client(), content) == 2


@pytest.mark.parametrize("content", ["您的验证码是：1234。请不要把验证码泄露给其他人", "您的验证码是：1234。 请不要把验证码泄露给其他人。",
                                     "您的验证码是:1234。请不要把验证码泄露给其他人。", "您的验证码是：。请不要把验证码泄露给其他人。",
                                     "hello", "尊敬的张三，您的订单A123已发货"])
def test_content_that_departs_from_every_template_gets_4072(content):
    assert submit(client(), content) == 4072


def test_a_variable_over_eight_characters_gets_40722_unless_another_template_takes_it():
    test_client = client()
    assert submit(test_client, CODE_TEXT.replace("1234", "12345678")) == 2
    assert submit(test_client, CODE_TEXT.replace("1234", "123456789")) == 40722
    assert submit(test_client, "尊敬的张三，您的订单A1234567890已发货。") == 40722
    add_template(test_client, "您的验证码是：【变量】")  # a wider template of the account's own
    assert submit(test_client, "您的验证码是：123456789") == 40722
    add_template(test_client, "您的验证码是：【变量】【变量】")
    assert submit(test_client, "您的验证码是：123456789") == 2


def test_an_accounts_templates_are_its_own():
    test_client = client()
    other = {"account": "C00000013", "password": KEY}
    assert submit(test_client, "尊敬的张三，您的订单A123已发货。") == 2
    assert submit(test_client, "尊敬的张三，您的订单A123已发货。", other) == 4072
    assert submit(test_client, CODE_TEXT, other) == 2  # the built-in one is everyone's
    assert submit(test_client, "张三|A123", other, templateid="10000") == 4071


def test_templateid_mode_fills_the_template_with_the_variables():
    test_client = client()
    assert submit(test_client, "张三|A123", templateid="10000") == 2
    assert delivered(test_client) == "尊敬的张三，您的订单A123已发货。【互亿无线】"
    assert submit(test_client, "5678", templateid="1") == 2
    assert delivered(test_client) == CODE_TEXT.replace("1234", "5678") + "【互亿无线】"


@pytest.mark.parametrize(("variables", "expected"), [("张三", 4072), ("张三|A123|x", 4072), ("张三|", 4072),
                                                     ("|A123", 4072), ("张三|A123456789", 40722)])
def test_templateid_mode_needs_one_variable_per_placeholder_within_the_limit(variables, expected):
    assert submit(client(), variables, templateid="10000") == expected


@pytest.mark.parametrize("templateid", ["10001", "10002", "99999", "0", "-1", "1.0", "１"])
def test_a_templateid_naming_no_usable_template_gets_4071(templateid):
    assert submit(client(), "1234", templateid=templateid) == 4071


def test_an_empty_templateid_is_content_mode():
    assert submit(client(), CODE_TEXT, templateid="") == 2


def test_a_scenarios_pending_or_rejected_template_never_matches():
    more = (f'[[templates]]\nid = 10005\naccount = "C00000001"\nproduct = "sms"\ncontent = "拒绝【变量】"\n'
            'status = "rejected"\nreason = "no"\n')
    test_client = client(more=more)
    assert submit(test_client, "您的快递A1已到站。") == 4072  # 10001, pending with no review due
    assert submit(test_client, "拒绝123") == 4072
    assert submit(test_client, "123", templateid="10005") == 4071


def test_an_added_template_is_usable_at_once_by_default():
    test_client = client()
    template_id = add_template(test_client, "您的积分【变量】已到账。")
    assert submit(test_client, "您的积分100已到账。") == 2
    assert submit(test_client, "200", templateid=template_id) == 2
    assert delivered(test_client) == "您的积分200已到账。【互亿无线】"


def test_an_added_template_is_pending_until_its_review_is_due():
    test_client = client(settings="template_review_seconds = 1.5\n")
    template_id = add_template(test_client, "您的积分【变量】已到账。")
    assert submit(test_client, "您的积分100已到账。") == 4072
    assert submit(test_client, "100", templateid=template_id) == 4071
    time.sleep(1.6)
    assert submit(test_client, "您的积分100已到账。") == 2
    assert submit(test_client, "100", templateid=template_id) == 2


def test_addtemplate_takes_the_apikey_or_its_md5_and_any_text():
    import hashlib

    test_client = client()
    hashed = {"account": "C00000001", "password": hashlib.md5(KEY.encode()).hexdigest()}
    first = add_template(test_client, "【变量】", hashed)
    second = add_template(test_client, "没有变量的模板")
    assert int(second) == int(first) + 1
    assert submit(test_client, "没有变量的模板") == 2
    assert submit(test_client, "x", templateid=second) == 4072  # no placeholder to fill


def test_a_huge_template_costs_a_content_it_cannot_match_nothing():
    test_client = client()
    for template in ("【变量】" * 5000, "好" * 20000):  # raw UTF-8, as large as a request body may be
        body = f"account=C00000001&password={KEY}&content={template}".encode()
        response = test_client.post(f"{SMS}?method=AddTemplate", data=body,
                                    content_type="application/x-www-form-urlencoded")
        assert b"<code>2</code>" in response.data
    started = time.monotonic()
    assert submit(test_client, "好" * 100) == 4072
    assert submit(test_client, "好" * 500) == 4072
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(("content", "sign", "text"), [
    ("【某某商城】" + CODE_TEXT, None, CODE_TEXT + "【某某商城】"),
    (CODE_TEXT + "【某某商城】", None, CODE_TEXT + "【某某商城】"),
    (CODE_TEXT, "某某商城", CODE_TEXT + "【某某商城】"),
    (CODE_TEXT, "【某某商城】", CODE_TEXT + "【某某商城】"),
    ("【别的】" + CODE_TEXT, "某某商城", CODE_TEXT + "【某某商城】"),
    (CODE_TEXT, "", CODE_TEXT + "【互亿无线】"),
    (CODE_TEXT, "AB", CODE_TEXT + "【AB】"),
    (CODE_TEXT, "好" * 30, CODE_TEXT + "【" + "好" * 30 + "】"),
])
def test_the_delivered_text_ends_with_the_signature(content, sign, text):
    test_client = client()
    extra = {} if sign is None else {"sign": sign}
    assert submit(test_client, content, **extra) == 2
    assert delivered(test_client) == text


def test_a_signature_in_the_middle_is_content_and_must_match():
    assert submit(client(), "您的验证码是：1234。【某某商城】请不要把验证码泄露给其他人。") == 4072
