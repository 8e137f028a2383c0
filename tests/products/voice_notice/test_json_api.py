"""docs/contract.md §14, §15: the newer JSON API's ``/vm/Submit.json``, the ``voice_id_element``
setting (``voiceid`` or ``smsid``, as for voice codes), and the receipt a notice call gets."""

from __future__ import annotations

import re
import time

import pytest
from tests.support import new_client

from ihuyi_sandbox.products.voice_notice.answers import build, parse_json
from ihuyi_sandbox.products.voice_notice.receipts import FIELDS, parse_receipt
from ihuyi_sandbox.wire.passwords import dynamic_password

from .common import JSON_API, KEY, LIVE, NOTICE, OK, VOICE, json_bytes, scenario, xml

V = {"account": "V00000001", "password": KEY, "mobile": "13812345678", "content": "1234"}


def voiceid(body: bytes, name: str = "voiceid") -> str:
    found = re.search(rb'"' + name.encode() + rb'":"([1-9][0-9]{19})"}$', body)
    assert found is not None, body
    return found.group(1).decode()


def test_submit_json_answers_json_whatever_format_says():
    client = new_client(text=scenario())
    for url in (JSON_API, f"{JSON_API}?format=xml", f"{JSON_API}?method=GetNum"):
        response = client.post(url, data=OK)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        assert response.data == json_bytes(2, "提交成功", voiceid(response.data))
    refused = client.post(JSON_API, data={**OK, "content": "hello", "format": "xml"})
    assert refused.data == json_bytes(4072, LIVE[4072])
    assert refused.data == ('{"code":4072,"msg":"' + LIVE[4072] + '","voiceid":"0"}').encode()


def test_submit_json_takes_a_query_a_body_or_both():
    client = new_client(text=scenario())
    assert parse_json(client.get(JSON_API, query_string=OK).data, "Submit").code == 2
    query = {key: OK[key] for key in ("account", "password")}
    body = {key: OK[key] for key in ("mobile", "content")}
    assert parse_json(client.post(JSON_API, query_string=query, data=body).data, "Submit").code == 2
    assert client.post(JSON_API, data={}).data == json_bytes(401, LIVE[401])


def test_submit_json_with_a_template_and_a_dynamic_password():
    client = new_client(text=scenario())
    now = str(int(time.time()))
    params = {"account": "VM00000001", "mobile": "13812345678", "content": "9633|顺风快递", "templateid": "1361",
              "time": now, "password": dynamic_password("VM00000001", KEY, now, "13812345678", "9633|顺风快递")}
    response = client.post(JSON_API, data=params)
    assert response.data == json_bytes(2, "提交成功", voiceid(response.data))
    assert client.get("/_sandbox/messages?limit=1").json["messages"][0]["code"] == NOTICE
    wrong = dynamic_password("VM00000001", KEY, now, "13812345678", NOTICE)  # signed over the filled text
    assert client.post(JSON_API, data={**params, "password": wrong}).data == json_bytes(40502, LIVE[40502])
    # the APIKEY itself beside a time, as a client whose accepted answer was captured sends it
    assert parse_json(client.post(JSON_API, data={**params, "password": KEY}).data, "Submit").code == 2


def test_submit_json_has_no_balance_method():
    client = new_client(text=scenario())
    assert client.post("/vm/GetNum.json", data=OK).status_code == 404


@pytest.mark.parametrize("element", ["voiceid", "smsid"])
def test_the_id_element_follows_the_setting_on_both_paths(element):
    client = new_client(text=scenario(settings=f'voice_id_element = "{element}"\n'))
    answer = client.post(f"{VOICE}?method=Submit", data=OK).data
    found = re.search(rb"<" + element.encode() + rb">([0-9]{20})</", answer)
    assert found is not None and answer == xml(2, "提交成功", found.group(1).decode(), id_name=element)
    assert client.post(f"{VOICE}?method=Submit", data={**OK, "content": ""}).data == \
        xml(404, LIVE[404], id_name=element)
    for url in (f"{VOICE}?method=Submit&format=json", JSON_API):
        body = client.post(url, data=OK).data
        assert body == json_bytes(2, "提交成功", voiceid(body, element), element)
    assert client.post(JSON_API, data={**OK, "mobile": "1"}).data == json_bytes(406, LIVE[406], id_name=element)
    # voice codes follow the same setting; GetNum's element stays num
    assert re.search(rb"<" + element.encode() + rb">[0-9]{20}</", client.post(f"{VOICE}?method=Submit", data=V).data)
    assert b"<num>" in client.post(f"{VOICE}?method=GetNum", data=OK).data
    assert build(id_element=element).method("Submit").id_name == element


def test_a_notice_call_gets_the_receipt_of_a_voice_call():
    text = scenario().replace('balance = 1000\n', 'balance = 1000\nreceipt_url = "http://127.0.0.1:9/r"\n', 1)
    client = new_client(text=text)
    delivery = voiceid(client.post(JSON_API, data={**OK, "mobile": "02151234529"}).data)
    (receipt,) = client.get("/_sandbox/receipts").json["receipts"]
    assert receipt["voiceid"] == delivery and list(receipt["form"]) == list(FIELDS)
    form = receipt["form"]
    assert (form["code"], form["msg"], form["mobilephone"], form["voiceid"]) == ("1", "用户已接听", "02151234529", delivery)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", form["report_time"])
    parsed = parse_receipt(form)
    assert parsed.answered and parsed.mobile == "02151234529" and parsed.voiceid == delivery


def test_a_rule_chooses_a_notice_calls_outcome():
    more = '\n[[rules]]\nname = "busy"\nproduct = "voice_notice"\nmobile = "13812340000"\noutcome = "busy"\n'
    text = scenario(more=more).replace('balance = 1000\n', 'balance = 1000\nreceipt_url = "http://127.0.0.1:9/r"\n', 1)
    client = new_client(text=text)
    client.post(JSON_API, data={**OK, "mobile": "13812340000"})
    (receipt,) = client.get("/_sandbox/receipts").json["receipts"]
    assert (receipt["form"]["code"], receipt["form"]["msg"]) == ("3", "用户忙")
    assert parse_receipt(receipt["form"]).outcome == "busy"
