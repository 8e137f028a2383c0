"""docs/contract.md §11.5, §12, §13: what a message costs. One unit up to 70 characters, signature
included; 67 a part beyond. A marketing batch pays its numbers times its parts; a failure nothing."""

from __future__ import annotations

import pytest

from .common import ISMS, KEY, SMS, YX, client

C1 = {"account": "C00000001", "password": KEY}
POOR = f'[[accounts]]\napiid = "C00000099"\napikey = "{KEY}"\nbalance = 1\n'


def balance(test_client, account: dict[str, str], path: str = SMS) -> int:
    return int(test_client.post(f"{path}?method=GetNum&format=json", data=account).json["num"])


def submit(test_client, path: str, account: dict[str, str], mobile: str, content: str, **extra: str) -> int:
    data = {**account, "mobile": mobile, "content": content, **extra}
    return test_client.post(f"{path}?method=Submit&format=json", data=data).json["code"]


def long_template(test_client, length: int) -> None:
    """A template whose text, with "1" for its variable and 【互亿无线】 after, is ``length`` long."""
    content = "a" * (length - len("【互亿无线】") - 1) + "【变量】"
    response = test_client.post(f"{SMS}?method=AddTemplate&format=json", data={**C1, "content": content})
    assert response.json["code"] == 2


@pytest.mark.parametrize(("length", "units"), [(8, 1), (70, 1), (71, 2), (134, 2), (135, 3), (506, 8)])
def test_an_sms_is_billed_by_its_parts_signature_included(length, units):
    test_client = client()
    long_template(test_client, length)
    assert submit(test_client, SMS, C1, "13812345678", "a" * (length - 7) + "1") == 2
    assert balance(test_client, C1) == 1000 - units


def test_the_signature_counts_towards_the_length():
    test_client = client()
    long_template(test_client, 70)
    content = "a" * 63 + "1"
    assert submit(test_client, SMS, C1, "13812345678", content) == 2  # 64 + 【互亿无线】 = 70
    assert submit(test_client, SMS, C1, "13812345678", content, sign="互亿无线短信") == 2  # 72: two parts
    assert balance(test_client, C1) == 1000 - 1 - 2


def test_an_sms_longer_than_the_balance_gets_4051_and_takes_nothing():
    test_client = client(more=POOR)
    poor = {"account": "C00000099", "password": KEY}
    template = "b" * 80 + "【变量】"
    assert test_client.post(f"{SMS}?method=AddTemplate&format=json",
                            data={**poor, "content": template}).json["code"] == 2
    assert submit(test_client, SMS, poor, "13812345678", "b" * 80 + "1") == 4051
    assert balance(test_client, poor) == 1
    assert submit(test_client, SMS, poor, "13812345678", "您的验证码是：1234。请不要把验证码泄露给其他人。") == 2
    assert balance(test_client, poor) == 0


def test_failures_take_nothing():
    test_client = client()
    for content in ("hello", "", "好" * 501):
        submit(test_client, SMS, C1, "13812345678", content)
    submit(test_client, SMS, C1, "1381234", "您的验证码是：1234。请不要把验证码泄露给其他人。")
    assert balance(test_client, C1) == 1000


@pytest.mark.parametrize(("numbers", "content", "units"), [
    (1, "八折【某某商城】", 1), (3, "八折【某某商城】", 3), (3, "折" * 100 + "【某某商城】", 6), (2, "折" * 130, 6),
])
def test_a_marketing_batch_pays_numbers_times_parts(numbers, content, units):
    test_client = client()
    account = {"account": "M00000001", "password": KEY}
    mobiles = ",".join(f"1381234{n:04d}" for n in range(numbers))
    assert submit(test_client, YX, account, mobiles, content) == 2
    assert balance(test_client, account, YX) == 1000 - units


def test_a_marketing_batch_gets_one_id_and_one_delivery():
    test_client = client()
    account = {"account": "M00000001", "password": KEY}
    response = test_client.post(f"{YX}?method=Submit&format=json",
                                data={**account, "mobile": "13812345678,13912345678", "content": "八折【某某商城】"})
    smsid = response.json["smsid"]
    assert smsid.isdigit() and len(smsid) == 20
    messages = test_client.get("/_sandbox/messages?account=M00000001").json["messages"]
    assert [(m["voiceid"], m["mobile"]) for m in messages] == [(smsid, "13812345678,13912345678")]


def test_a_marketing_batch_beyond_the_balance_gets_4051():
    test_client = client()
    account = {"account": "M00000005", "password": KEY}  # 10 units, bound to 10.1.1.1
    mobiles = ",".join(f"1381234{n:04d}" for n in range(11))
    response = test_client.post(f"{YX}?method=Submit&format=json", environ_base={"REMOTE_ADDR": "10.1.1.1"},
                                data={**account, "mobile": mobiles, "content": "八折【某某商城】"})
    assert response.json["code"] == 4051


@pytest.mark.parametrize(("content", "units"), [("x" * 70, 1), ("x" * 71, 2), ("码" * 500, 8)])
def test_an_international_sms_is_billed_by_its_parts(content, units):
    test_client = client()
    account = {"account": "I00000001", "password": KEY}
    assert submit(test_client, ISMS, account, "44 7700900456", content) == 2
    assert balance(test_client, account, ISMS) == 1000 - units
