"""``/_sandbox/requests`` and ``/_sandbox/messages`` filtered on every field the journal keeps."""

from __future__ import annotations

import pytest
from tests.support import DEMO, VOICE, new_client

SMS = {"account": "C00000001", "password": DEMO["password"]}
RULES = '''
[[rules]]
mobile = "13900011003"
fault = "truncated"
'''


def journaled_client():
    from ihuyi_sandbox.service.scenarios import resolve
    client = new_client(text=resolve("default").read_text(encoding="utf-8"))
    client.post(f"{VOICE}?method=Submit", data={**DEMO, "mobile": "13812345678", "content": "1234"})
    client.post(f"{VOICE}?method=Submit", data={**DEMO, "mobile": "13900011003", "content": "5678"})  # truncated
    client.post(f"{VOICE}?method=Submit", data={**DEMO, "mobile": "13900020003", "content": "9012"})  # busy
    client.post(f"{VOICE}?method=Submit", data={**DEMO, "mobile": "13812345678", "content": "12"},
                environ_base={"REMOTE_ADDR": "10.0.0.7"})  # 4070
    client.post("/webservice/sms.php?method=Submit", data={**SMS, "mobile": "13712345678", "content": "4821",
                                                           "templateid": "1"})
    return client


@pytest.fixture(scope="module")
def client():
    return journaled_client()


def mobiles(client, query):
    answer = client.get(f"/_sandbox/requests?{query}")
    assert answer.status_code == 200, answer.json
    return [(r["params"]["mobile"], r["code"]) for r in answer.json["requests"]]


def test_every_request_carries_its_outcome_units_and_text(client):
    sms = client.get("/_sandbox/requests?product=sms").json["requests"][0]
    assert sms["text"].startswith("您的验证码是：4821。") and sms["units"] == 1 and sms["outcome"] == "delivered"
    refused = client.get("/_sandbox/requests?code=4070").json["requests"][0]
    assert (refused["text"], refused["outcome"]) == ("12", None)


@pytest.mark.parametrize(("query", "expected"), [
    ("fault=truncated", [("13900011003", 2)]),
    ("outcome=busy", [("13900020003", 2)]),
    ("client_ip=10.0.0.7", [("13812345678", 4070)]),
    ("content=1234", [("13812345678", 2)]),
    ("mobile_prefix=139000", [("13900020003", 2), ("13900011003", 2)]),
    ("mobile_prefix=1371", [("13712345678", 2)]),
    ("text=请不要把验证码泄露", [("13712345678", 2)]),
    ("units=1&product=voice&code=2", [("13900020003", 2), ("13900011003", 2), ("13812345678", 2)]),
])
def test_requests_filter_on_each_journaled_field(client, query, expected):
    assert mobiles(client, query) == expected


def test_requests_filter_on_the_voiceid_answered(client):
    delivered = client.get("/_sandbox/messages?mobile=13900020003").json["messages"][0]
    assert mobiles(client, f"voiceid={delivered['voiceid']}") == [("13900020003", 2)]


@pytest.mark.parametrize(("query", "reason"), [
    ("fault=sticky", "fault must be one of reset, hang, http_500"),
    ("outcome=maybe", "outcome must be one of"),
    ("units=many", "units must be an integer"),
    ("colour=red", "unknown parameter(s) colour"),
])
def test_a_filter_with_a_wrong_value_is_refused_with_the_reason(client, query, reason):
    answer = client.get(f"/_sandbox/requests?{query}")
    assert answer.status_code == 400 and reason in answer.json["error"]


def test_messages_filter_by_mobile_prefix_and_text(client):
    def codes(query):
        return [m["mobile"] for m in client.get(f"/_sandbox/messages?{query}").json["messages"]]

    assert codes("mobile_prefix=1390002") == ["13900020003"]
    assert codes("mobile_prefix=138") == ["13812345678"]
    assert codes("text=4821") == ["13712345678"]
    assert codes("text=5678") == ["13900011003"]
    assert codes("text=%25") == []  # a wildcard of SQL is a character like any other
