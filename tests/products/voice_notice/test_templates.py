"""docs/contract.md §14: templates (the built-in 1361 and an account's own), free text and
templateid mode, fixed-line numbers, the 180-character limit and the daily limits."""

from __future__ import annotations

import time

import pytest
from tests.support import new_client

from ihuyi_sandbox.products.voice_notice.answers import parse_xml
from ihuyi_sandbox.service.records import Account, Limits, Seed, Template

from .common import CAR, KEY, LIVE, NOTICE, OK, VOICE, scenario, xml

FILL = {**OK, "templateid": "1361", "content": "9633|顺风快递"}


def submit(client, params, **kwargs) -> int:
    return parse_xml(client.post(f"{VOICE}?method=Submit", data=params, **kwargs).data).code


def delivered(client) -> str:
    return client.get("/_sandbox/messages?limit=1").json["messages"][0]["code"]


def seeded(*templates: Template, limits: Limits = Limits()) -> object:
    account = Account("VM00000001", KEY, 1000, limits=limits)
    return new_client(seed=Seed(accounts=(account, Account("VM00000002", KEY, 1000)), templates=templates))


def test_the_built_in_template_fills_its_variables_and_delivers_the_text():
    client = new_client(text=scenario())
    response = client.post(f"{VOICE}?method=Submit", data=FILL)
    assert response.data.startswith(xml(2, "提交成功", "X").split(b"X")[0])
    assert delivered(client) == "您的订单号是：9633。已由顺风快递发出，请注意查收。"
    journal = client.get("/_sandbox/requests?limit=1").json["requests"][0]
    assert journal["params"]["content"] == "9633|顺风快递" and journal["params"]["templateid"] == "1361"


def test_every_account_has_the_built_in_template():
    client = seeded()  # no templates of its own
    assert submit(client, OK) == 2 and delivered(client) == NOTICE
    assert submit(client, FILL) == 2
    assert submit(client, {**OK, "account": "VM00000002"}) == 2


def test_free_text_must_follow_a_usable_template_exactly():
    client = new_client(text=scenario())
    assert submit(client, {**OK, "content": "尊敬的湘A0001车主您好，您的爱车位于：长沙，请您及时处理，谢谢！"}) == 2
    assert delivered(client) == "尊敬的湘A0001车主您好，您的爱车位于：长沙，请您及时处理，谢谢！"
    for mismatch in ("尊敬的湘A0001车主您好，您的爱车位于：长沙，请您及时处理，谢谢", NOTICE + " ", " " + NOTICE,
                     "您的订单号是：。已由顺风快递发出，请注意查收。", "【互亿无线】" + NOTICE, NOTICE + "【互亿无线】"):
        assert client.post(f"{VOICE}?method=Submit", data={**OK, "content": mismatch}).data == xml(4072, LIVE[4072])


def test_a_variable_may_hold_eight_characters_and_no_more():
    client = new_client(text=scenario())
    assert submit(client, {**OK, "content": NOTICE.replace("9633", "12345678")}) == 2
    assert client.post(f"{VOICE}?method=Submit", data={**OK, "content": NOTICE.replace("9633", "123456789")}).data == \
        xml(40722, LIVE[40722])
    assert submit(client, {**FILL, "content": "12345678|顺风快递"}) == 2
    assert submit(client, {**FILL, "content": "9633|顺风快递顺风快递顺"}) == 40722


def test_a_match_within_the_limit_wins_over_one_too_long():
    # the account's template takes the whole tail as one variable; 1361 takes it in two short ones
    own = Template(10000, "VM00000001", "voice_notice", "您的订单号是：【变量】", "approved")
    client = seeded(own)
    assert submit(client, OK) == 2
    assert submit(client, {**OK, "content": "您的订单号是：123456789"}) == 40722


def test_numbered_placeholders_fill_in_order():
    own = Template(10000, "VM00000001", "voice_notice", "订单号：【变量1】，联系人：【变量2】。", "approved")
    client = seeded(own)
    assert submit(client, {**OK, "templateid": "10000", "content": "2018|张三"}) == 2
    assert delivered(client) == "订单号：2018，联系人：张三。"
    assert submit(client, {**OK, "content": "订单号：2018，联系人：张三。"}) == 2


def test_a_template_is_usable_once_approved_or_its_review_is_due():
    now = time.time()
    due = Template(10000, "VM00000001", "voice_notice", "您的快递【变量】已到达。", "pending", now - 1, now - 1)
    later = Template(10001, "VM00000001", "voice_notice", "您的包裹【变量】已签收。", "pending", now, now + 3600)
    rejected = Template(10002, "VM00000001", "voice_notice", "您的外卖【变量】已送达。", "rejected", now)
    other = Template(10003, "VM00000002", "voice_notice", "您的信件【变量】已寄出。", "approved", now)
    client = seeded(due, later, rejected, other)
    assert submit(client, {**OK, "content": "您的快递SF123已到达。"}) == 2
    assert submit(client, {**OK, "templateid": "10000", "content": "SF123"}) == 2
    assert submit(client, {**OK, "content": "您的包裹SF123已签收。"}) == 4072
    assert submit(client, {**OK, "templateid": "10001", "content": "SF123"}) == 4071
    assert submit(client, {**OK, "content": "您的外卖SF123已送达。"}) == 4072
    assert submit(client, {**OK, "templateid": "10002", "content": "SF123"}) == 4071
    assert submit(client, {**OK, "content": "您的信件SF123已寄出。"}) == 4072
    assert submit(client, {**OK, "templateid": "10003", "content": "SF123"}) == 4071
    assert submit(client, {**OK, "account": "VM00000002", "templateid": "10003", "content": "SF123"}) == 2


def test_templateid_mode_needs_one_value_per_variable():
    client = new_client(text=scenario())
    assert submit(client, {**OK, "templateid": "10001", "content": "湘B1|长沙"}) == 2
    assert delivered(client) == CAR.replace("【变量】", "湘B1", 1).replace("【变量】", "长沙", 1)
    for values in ("湘B1", "湘B1|长沙|x", "|长沙", "湘B1|", "|"):
        assert submit(client, {**OK, "templateid": "10001", "content": values}) == 4072
    assert submit(client, {**OK, "templateid": "", "content": NOTICE}) == 2  # empty: free text
    assert submit(client, {**OK, "templateid": "01361", "content": "9633|顺风快递"}) == 2
    assert submit(client, {**OK, "templateid": "1" * 19, "content": "9633|顺风快递"}) == 4071


@pytest.mark.parametrize("mobile", ["02151234529", "01012345678", "075512345678", "05711234567", "0101234567",
                                    "13812345678", "19912345678"])
def test_mainland_mobiles_and_fixed_lines_with_their_area_code(mobile):
    client = new_client(text=scenario())
    assert submit(client, {**OK, "mobile": mobile}) == 2
    assert client.get("/_sandbox/messages?limit=1").json["messages"][0]["mobile"] == mobile


@pytest.mark.parametrize("mobile", ["2151234529", "021512345", "0755123456789", "0012345678", "00861381234567",
                                    "12812345678", "1381234567", "138123456789", "86 13812345678", " 02151234529",
                                    "02151234529 ", "(021)51234529", "021 51234529", "٠٢١٥١٢٣٤٥٢٩"])
def test_other_numbers_get_406(mobile):
    assert submit(new_client(text=scenario()), {**OK, "mobile": mobile}) == 406


def test_content_is_at_most_180_characters():
    own = Template(10000, "VM00000001", "voice_notice", "好" * 172 + "【变量】", "approved")
    client = seeded(own)
    assert submit(client, {**OK, "content": "好" * 172 + "12345678"}) == 2  # 180 characters, 540 bytes
    assert submit(client, {**OK, "content": "好" * 172 + "123456789"}) == 4073  # before the template's 40722
    assert submit(client, {**OK, "content": "好" * 181}) == 4073
    assert submit(client, {**OK, "content": "x" * 10_000}) == 4073


def test_a_filled_text_is_at_most_180_characters_too():
    own = Template(10000, "VM00000001", "voice_notice", "好" * 175 + "【变量】", "approved")
    client = seeded(own)
    assert submit(client, {**OK, "templateid": "10000", "content": "12345"}) == 2
    assert submit(client, {**OK, "templateid": "10000", "content": "123456"}) == 4073


def test_the_daily_limit_per_number():
    client = seeded(limits=Limits(per_day=2))
    assert [submit(client, OK) for _ in range(3)] == [2, 2, 4082]
    assert client.post(f"{VOICE}?method=Submit", data=OK).data == xml(4082, LIVE[4082])
    assert submit(client, {**OK, "mobile": "13812345679"}) == 2  # another number (three calls taken in all)
    assert submit(client, {**OK, "account": "VM00000002"}) == 2  # another account, no limits
    assert b"<num>997</num>" in client.post(f"{VOICE}?method=GetNum", data={"account": "VM00000001",
                                                                            "password": KEY}).data


def test_past_blacklist_after_the_number_gets_408():
    client = seeded(limits=Limits(per_day=5, blacklist_after=3))
    assert [submit(client, OK) for _ in range(4)] == [2, 2, 2, 408]
    assert client.post(f"{VOICE}?method=Submit", data=OK).data == xml(408, LIVE[408])
    assert submit(client, {**OK, "mobile": "02151234529"}) == 2
    smaller = seeded(limits=Limits(per_day=1, blacklist_after=1))
    assert [submit(smaller, OK) for _ in range(2)] == [2, 4082]  # 4082 comes first


def test_limits_are_off_unless_set():
    client = seeded()
    assert {submit(client, OK) for _ in range(12)} == {2}
