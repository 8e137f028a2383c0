"""docs/contract.md §15: the newer JSON API's SMS routes, ``/sms/Submit.json`` and
``/sms/GetNum.json``: the method named by the path, JSON whatever ``format`` says, GetNum's
``num`` a number; and ``format=json`` on ``sms.php`` beside them."""

from __future__ import annotations

import re

import pytest

from ihuyi_sandbox.wire.passwords import dynamic_password

from .common import CODE_TEXT, KEY, SMS, client, json_bytes, message, now

C1 = {"account": "C00000001", "password": KEY}
JSON = "application/json; charset=utf-8"


@pytest.mark.parametrize("query", ["", "?format=xml", "?method=GetNum", "?format=json&method=AddTemplate"])
def test_submit_json_is_a_submit_answered_in_json(query):
    response = client().post(f"/sms/Submit.json{query}", data={**C1, "mobile": "13812345678", "content": CODE_TEXT})
    assert response.status_code == 200 and response.headers["Content-Type"] == JSON
    assert re.fullmatch(r'\{"code":2,"msg":"提交成功","smsid":"[0-9]{20}"\}', response.data.decode())


def test_submit_json_takes_a_templateid_and_a_dynamic_password_over_the_variables():
    time = now()
    password = dynamic_password("C00000001", KEY, time, "13812345678", "张三|A123")
    response = client().post("/sms/Submit.json", data={"account": "C00000001", "password": password, "time": time,
                                                      "mobile": "13812345678", "templateid": "10000",
                                                      "content": "张三|A123"})
    assert response.json["code"] == 2


def test_submit_json_failures_carry_smsid_0():
    response = client().post("/sms/Submit.json", data={**C1, "mobile": "1381234", "content": CODE_TEXT})
    assert response.data == json_bytes(406, message(406), "smsid")
    response = client().post("/sms/Submit.json", data={"account": "C00000001", "password": "x"})
    assert response.data == json_bytes(405, message(405), "smsid")


@pytest.mark.parametrize("settings", ["", "num_as_string = true\n", "num_as_string = false\n"])
def test_getnum_json_gives_the_balance_as_a_number(settings):
    test_client = client(settings=settings)
    response = test_client.post("/sms/GetNum.json?format=xml", data=C1)
    assert response.headers["Content-Type"] == JSON
    assert response.data == json_bytes(2, "查询成功", "num", "1000", number=True)
    response = test_client.post("/sms/GetNum.json", data={**C1, "password": "x"})
    assert response.data == json_bytes(405, "用户名或密码不正确", "num", "0", number=True)


@pytest.mark.parametrize(("settings", "number"), [("", False), ("num_as_string = false\n", True)])
def test_getnum_on_sms_php_follows_the_setting(settings, number):
    response = client(settings=settings).post(f"{SMS}?method=GetNum&format=json", data=C1)
    assert response.data == json_bytes(2, "查询成功", "num", "1000", number=number)


def test_the_json_routes_answer_under_the_sms_selector_too():
    response = client().post("/_sms/sms/GetNum.json", data=C1)
    assert response.json == {"code": 2, "msg": "查询成功", "num": 1000}


def test_the_json_routes_know_only_sms_accounts():
    response = client().post("/sms/GetNum.json", data={"account": "M00000001", "password": KEY})
    assert response.json["code"] == 405
