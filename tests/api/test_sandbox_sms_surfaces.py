"""The shared surfaces with the SMS family: the code in a text, magic numbers and outcomes per
product, replies to an SMS, AddTemplate's review, the shipped frequency limits."""

from __future__ import annotations

import json
import time

import pytest
from tests.support import new_client

from ihuyi_sandbox.service.records import DEMO_APIKEY
from ihuyi_sandbox.service.scenarios import resolve

SMS = "/webservice/sms.php"
ISMS = "/webservice/isms.php"
MOBILE = "13812345678"
CODE_TEXT = "您的验证码是：{}。请不要把验证码泄露给其他人。"


def client_for(name: str = "default"):
    return new_client(text=resolve(name).read_text(encoding="utf-8"))


def send(client, path=SMS, account="C00000001", method="Submit", **params) -> dict:
    answer = client.post(f"{path}?method={method}&format=json", data={"account": account, "password": DEMO_APIKEY,
                                                                       **params})
    return json.loads(answer.data)


def test_the_code_in_an_sms_is_its_built_in_templates_variable_else_its_digits():
    client = client_for()
    assert send(client, mobile=MOBILE, content="ab12cd", templateid="1")["code"] == 2
    assert send(client, mobile="13912345678", content=CODE_TEXT.format("5678"))["code"] == 2
    by_mobile = {m["mobile"]: m for m in client.get("/_sandbox/messages?product=sms").json["messages"]}
    filled = by_mobile[MOBILE]
    assert filled["text"].startswith(CODE_TEXT.format("ab12cd")) and filled["code"] == "ab12cd"
    assert by_mobile["13912345678"]["code"] == "5678"
    latest = client.get(f"/_sandbox/messages/latest?mobile={MOBILE}&product=sms").json
    assert (latest["content"], latest["code"], latest["product"]) == (filled["text"], "ab12cd", "sms")
    assert client.get("/_sandbox/messages?product=voice").json["messages"] == []


@pytest.mark.parametrize(("product", "path", "account", "mobile", "code"), [
    ("sms", SMS, "C00000001", "13900004072", 4072), ("sms", SMS, "C00000001", "13900040722", 40722),
    ("sms", SMS, "C00000001", "13900004085", 4085), ("sms", SMS, "C00000001", "13900004030", 4030),
    ("isms", ISMS, "I00000001", "86 13900004051", 4051), ("isms", ISMS, "I00000001", "86 13900040501", 40501),
    ("marketing", SMS, "M00000001", "13900004051", 4051)])
def test_the_magic_codes_on_every_sms_product(product, path, account, mobile, code):
    client = client_for()
    assert send(client, path, account, mobile=mobile, content=CODE_TEXT.format("1234"))["code"] == code
    (entry,) = client.get("/_sandbox/requests").json["requests"]
    assert (entry["product"], entry["code"]) == (product, code)


@pytest.mark.parametrize(("mobile", "outcome", "receipt"), [
    ("13900020001", "delivered", ("2", "DELIVRD")), ("13900020002", "undelivered", ("0", "UNDELIV")),
    ("13900020004", "rejected", ("0", "REJECTD")), ("13900020005", "delivered", ("2", "DELIVRD"))])
def test_the_outcome_numbers_count_in_the_sms_table(mobile, outcome, receipt):
    client = client_for()
    client.patch("/_sandbox/accounts/C00000001", json={"receipt_url": "http://127.0.0.1:9/receipts"})
    assert send(client, mobile=mobile, content=CODE_TEXT.format("1234"))["code"] == 2
    assert client.get("/_sandbox/messages").json["messages"][0]["outcome"] == outcome
    (pushed,) = client.get("/_sandbox/receipts?kind=receipt").json["receipts"]
    assert (pushed["product"], pushed["form"]["code"], pushed["form"]["msg"]) == ("sms", *receipt)


def test_a_reply_to_an_sms_names_its_smsid_and_is_filed_under_sms():
    client = client_for()
    client.patch("/_sandbox/accounts/C00000001", json={"reply_url": "http://127.0.0.1:9/replies"})
    smsid = send(client, mobile=MOBILE, content=CODE_TEXT.format("1234"))["smsid"]
    reply = client.post("/_sandbox/replies", json={"account": "C00000001", "mobile": MOBILE, "content": "TD"}).json
    assert reply["smsid"] == smsid
    (push,) = client.get("/_sandbox/receipts?kind=reply").json["receipts"]
    assert (push["product"], push["form"]["smsid"], push["id"]) == ("sms", smsid, reply["push"])


def test_add_template_is_pending_until_its_review_and_the_sandbox_api_can_reject_it():
    text = resolve("default").read_text(encoding="utf-8").replace(
        "[[accounts]]", "[settings]\ntemplate_review_seconds = 3600\n\n[[accounts]]", 1)
    client = new_client(text=text)
    added = send(client, method="AddTemplate", content="您的订单【变量】已发货。")
    assert added["code"] == 2
    (template,) = client.get("/_sandbox/templates?product=sms").json["templates"]
    assert (template["id"], template["status"], template["account"]) == (added["templateid"], "pending", "C00000001")
    assert send(client, mobile=MOBILE, content="您的订单123已发货。")["code"] == 4072  # not usable yet
    rejected = client.patch(f"/_sandbox/templates/{template['id']}", json={"status": "rejected", "reason": "x"}).json
    assert rejected["status"] == "rejected"
    assert send(client, mobile=MOBILE, content="您的订单123已发货。")["code"] == 4072


def test_the_frequency_limits_scenario_refuses_at_the_documented_thresholds():
    client = client_for("frequency-limits")
    client.post("/_sandbox/templates", json={"account": "C00000001", "product": "sms", "content": "您的订单【变量】已发货。"})
    codes = [send(client, mobile=MOBILE, content=CODE_TEXT.format("1000"))["code"],
             send(client, mobile=MOBILE, content=CODE_TEXT.format("1001"))["code"]]  # within the same second
    for n in range(2, 7):
        time.sleep(1.05)
        codes.append(send(client, mobile=MOBILE, content=CODE_TEXT.format(f"10{n:02d}"))["code"])
    codes.append(send(client, mobile="13912345678", content="您的订单1已发货。")["code"])
    time.sleep(1.05)
    codes.append(send(client, mobile=MOBILE, content="您的订单1已发货。")["code"])
    assert codes == [2, 4080, 2, 2, 2, 2, 4085, 2, 4082]
    # the other demo accounts have no limits
    assert [send(client, account="C00000002", mobile=MOBILE, content=CODE_TEXT.format("1111"))["code"]
            for _ in range(2)] == [2, 2]
