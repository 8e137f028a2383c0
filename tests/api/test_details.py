"""One message or request in detail: its parameters (the key masked), the exact bytes answered,
fault, outcome and receipts; deleting a message; the scenario's rules as a person reads them."""

from __future__ import annotations

import base64

import pytest
from tests.support import DEMO, VOICE, new_client

from ihuyi_sandbox.service.scenarios import resolve

SMS_JSON = "/sms/Submit.json"


@pytest.fixture
def client():
    return new_client(text=resolve("default").read_text(encoding="utf-8"))


def submit(client, mobile="13812345678", content="1234", path=VOICE, **extra):
    return client.post(f"{path}?method=Submit", data={**DEMO, "mobile": mobile, "content": content, **extra})


def newest_request(client):
    return client.get("/_sandbox/requests?limit=1").json["requests"][0]


@pytest.mark.parametrize(("mobile", "fault"), [
    ("13812345678", None), ("13900011003", "truncated"), ("13900011004", "malformed"), ("13900011005", "empty"),
    ("13900011006", "wrong_content_type"), ("13900004051", None), ("13900010502", "http_502"),
])
def test_a_request_keeps_the_exact_bytes_the_client_got(client, mobile, fault):
    sent = submit(client, mobile, format="json" if mobile.endswith("4") else "xml")
    detail = client.get(f"/_sandbox/requests/{newest_request(client)['id']}").json
    assert base64.b64decode(detail["answer"]["base64"]) == sent.data
    assert detail["answer"]["length"] == len(sent.data)
    assert detail["fault"] == fault
    assert detail["params"]["password"] == "***"


def test_a_dropped_connection_keeps_no_bytes(client):
    with pytest.raises(ConnectionError):
        submit(client, "13900011002")  # reset: nothing answered
    detail = client.get(f"/_sandbox/requests/{newest_request(client)['id']}").json
    assert (detail["code"], detail["fault"], detail["answer"]["length"]) == (None, "reset", 0)


def test_the_json_api_s_answer_is_kept_too(client):
    sms = {"account": "C00000001", "password": DEMO["password"], "mobile": "13812345678", "content": "4821",
           "templateid": "1"}
    sent = client.post(SMS_JSON, data=sms)
    detail = client.get(f"/_sandbox/requests/{newest_request(client)['id']}").json
    assert base64.b64decode(detail["answer"]["base64"]) == sent.data and sent.data.startswith(b'{"code":2')
    assert detail["text"].startswith("您的验证码是：4821。")


def test_a_message_in_detail_has_its_request_and_receipts(client):
    client.patch("/_sandbox/accounts/V00000001", json={"receipt_url": "http://127.0.0.1:9/receipts"})
    sent = submit(client, "13900020003")  # busy
    message = client.get("/_sandbox/messages").json["messages"][0]
    detail = client.get(f"/_sandbox/messages/{message['id']}").json
    assert detail["voiceid"] == message["voiceid"] and detail["outcome"] == "busy"
    assert base64.b64decode(detail["request"]["answer"]["base64"]) == sent.data
    assert detail["request"]["params"]["mobile"] == "13900020003"
    (receipt,) = detail["receipts"]
    assert (receipt["status"], receipt["outcome"], receipt["attempts"]) == ("pending", "busy", [])


def test_a_spoiled_delivery_says_so_in_the_list(client):
    submit(client, "13900011003")
    submit(client, "13812345678")
    assert [m["fault"] for m in client.get("/_sandbox/messages").json["messages"]] == [None, "truncated"]


def test_deleting_a_message(client):
    submit(client, "13812345678", "1111")
    submit(client, "13812345678", "2222")
    first, second = sorted(m["id"] for m in client.get("/_sandbox/messages").json["messages"])
    assert client.delete(f"/_sandbox/messages/{first}").json == {"status": "deleted", "id": first}
    assert [m["id"] for m in client.get("/_sandbox/messages").json["messages"]] == [second]
    assert client.get(f"/_sandbox/messages/{first}").status_code == 404
    assert client.delete(f"/_sandbox/messages/{first}").status_code == 404
    assert client.get(f"/_sandbox/requests/{first}").status_code == 404  # the delivery was its request
    assert client.get("/_sandbox/accounts/V00000001").json["balance"] == 998  # what was taken stays taken


def test_a_refused_request_is_no_message_to_delete(client):
    submit(client, content="12")  # 4070
    refused = newest_request(client)["id"]
    assert client.get(f"/_sandbox/messages/{refused}").status_code == 404
    assert client.delete(f"/_sandbox/messages/{refused}").status_code == 404
    assert client.get(f"/_sandbox/requests/{refused}").json["code"] == 4070


def test_each_rule_says_the_mobiles_that_trigger_it(client):
    rules = {r["name"]: r for r in client.get("/_sandbox/scenarios").json["active"]["rule_details"]}
    assert rules["magic codes"] == {"name": "magic codes", "mobiles": "1390000…", "when": ["method Submit"],
                                    "does": ["the code the mobile's last digits spell"]}
    assert rules["truncated body"]["mobiles"] == "13900011003, 86 13900011003"
    assert rules["truncated body"]["does"] == ["fault truncated"]
    assert rules["receipt outcomes"]["does"] == ["the outcome the mobile's last four digits number"]


def test_the_events_begin_with_a_change(client):
    # the in-process client reads the first event and leaves; a served stream: tests/server/test_events.py
    submit(client)
    answer = client.get("/_sandbox/events")
    assert answer.status_code == 200 and answer.mimetype == "text/event-stream"
    assert answer.headers["Cache-Control"] == "no-cache"
    head, event = answer.get_data(as_text=True).split("\n\n", 1)
    assert head == "retry: 1000"
    name, data = event.splitlines()[:2]
    assert name == "event: change" and data.startswith('data: {"newest_request": 1, "scenario_version": ')
