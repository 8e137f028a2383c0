"""The sandbox API through HTTP: every endpoint and filter, the long poll, the admin token."""

from __future__ import annotations

import threading
import time

import pytest
from tests.support import DEMO, VOICE, new_client
from ihuyi_sandbox.testing import running_sandbox

from ihuyi_sandbox.testing.driver import in_process
from ihuyi_sandbox.api.config import Config
from ihuyi_sandbox.testing import SandboxAPI, SandboxError

OK = {**DEMO, "content": "1234"}


def submit(client, mobile="13812345678", content="1234", **extra):
    return client.post(f"{VOICE}?method=Submit", data={**DEMO, "mobile": mobile, "content": content, **extra})


def test_messages_newest_first_with_filters_and_paging(client):
    for i in range(5):
        submit(client, f"1381234567{i % 2}", f"100{i}")
    submit(client, content="12")  # 4070: journaled, not delivered
    messages = client.get("/_sandbox/messages").json["messages"]
    assert [m["code"] for m in messages] == ["1004", "1003", "1002", "1001", "1000"]
    first = messages[0]
    assert set(first) == {"id", "voiceid", "product", "account", "mobile", "code", "text", "units", "time", "timestamp",
                          "status", "outcome", "receipt", "fault"}
    assert (first["outcome"], first["receipt"]) == ("answered", "none")
    assert (first["product"], first["text"], first["units"]) == ("voice", "1004", 1)
    assert first["status"] == "delivered" and first["account"] == "V00000001" and first["time"].endswith("Z")
    assert [m["code"] for m in client.get("/_sandbox/messages?mobile=13812345671").json["messages"]] == ["1003", "1001"]
    assert client.get("/_sandbox/messages?account=V99").json["messages"] == []
    page = client.get("/_sandbox/messages?limit=2").json["messages"]
    older = client.get(f"/_sandbox/messages?limit=2&before={page[-1]['id']}").json["messages"]
    assert [m["code"] for m in page + older] == ["1004", "1003", "1002", "1001"]
    newer = client.get(f"/_sandbox/messages?after={messages[2]['id']}").json["messages"]
    assert [m["code"] for m in newer] == ["1004", "1003"]
    assert client.get(f"/_sandbox/messages?since={messages[0]['timestamp']}").json["messages"][0]["code"] == "1004"
    assert client.get("/_sandbox/messages?since=2999-01-01T00:00:00Z").json["messages"] == []


def test_latest_code_and_its_404(client):
    submit(client, content="4321")
    submit(client, content="8765")
    assert client.get("/_sandbox/messages/latest?mobile=13812345678").json["code"] == "8765"
    missing = client.get("/_sandbox/messages/latest?mobile=13700000000")
    assert missing.status_code == 404 and "no code has been delivered to 13700000000" in missing.json["error"]
    assert client.get("/_sandbox/messages/latest").status_code == 400


def test_requests_journal_with_filters(client):
    submit(client)
    submit(client, content="12")
    client.post(f"{VOICE}?method=GetNum", data=DEMO)
    entries = client.get("/_sandbox/requests").json["requests"]
    assert [(e["method"], e["code"]) for e in entries] == [("GetNum", 2), ("Submit", 4070), ("Submit", 2)]
    assert entries[1]["message"] == "语音验证码内容必须为4-6位数字"
    assert all(e["params"]["password"] == "***" for e in entries)
    assert entries[2]["voiceid"] != "0" and entries[2]["client_ip"] == "127.0.0.1"
    assert [e["code"] for e in client.get("/_sandbox/requests?code=4070").json["requests"]] == [4070]
    assert [e["method"] for e in client.get("/_sandbox/requests?method=GetNum").json["requests"]] == ["GetNum"]
    assert len(client.get("/_sandbox/requests?mobile=13812345678").json["requests"]) == 2
    assert len(client.get("/_sandbox/requests?account=V00000001&limit=1").json["requests"]) == 1


def test_faults_are_journaled_with_no_code(make_client):
    from ihuyi_sandbox.service.scenarios import load_file

    client = in_process(Config(db=":memory:", scenario=load_file("default")))
    client.post(f"{VOICE}?method=Submit", data={**OK, "mobile": "13900010503"})
    (entry,) = client.get("/_sandbox/requests").json["requests"]
    assert (entry["code"], entry["message"], entry["fault"]) == (None, None, "http_503")


@pytest.mark.parametrize(("path", "reason"), [
    ("/_sandbox/messages?limt=5", "unknown parameter(s) limt"),
    ("/_sandbox/messages?limit=0", "limit must be between 1 and 1000"),
    ("/_sandbox/messages?limit=x", "limit must be an integer"),
    ("/_sandbox/messages?since=yesterday", "since must be Unix seconds or an ISO 8601 time"),
    ("/_sandbox/requests?method=Send", "method must be Submit or GetNum"),
    ("/_sandbox/requests?code=99999999999999999999999", "code is out of range"),
    ("/_sandbox/messages/latest?mobile=1&wait=100", "wait must be between 0 and 60 seconds"),
])
def test_bad_queries_get_400_with_the_reason(client, path, reason):
    response = client.get(path)
    assert response.status_code == 400 and reason in response.json["error"]


def test_accounts_create_read_update_delete(client):
    assert [a["apiid"] for a in client.get("/_sandbox/accounts").json["accounts"]] == ["V00000001"]
    created = client.post("/_sandbox/accounts", json={"apiid": "V2", "apikey": "k", "balance": 2,
                                                      "registered_ips": ["127.0.0.1"]})
    assert created.status_code == 201 and created.json == {"apiid": "V2", "apikey": "k", "balance": 2, "frozen": False,
                                                           "auto_frozen": False, "registered_ips": ["127.0.0.1"],
                                                           "receipt_url": "", "products": [], "reply_url": "",
                                                           "limits": {}}
    assert client.post("/_sandbox/accounts", json={"apiid": "V2", "apikey": "k"}).status_code == 409
    assert b"<code>2</code>" in client.post(f"{VOICE}?method=Submit", data={
        "account": "V2", "password": "k", "mobile": "13812345678", "content": "1234"}).data
    assert client.get("/_sandbox/accounts/V2").json["balance"] == 1
    assert client.patch("/_sandbox/accounts/V2", json={"frozen": True, "balance": 10}).json["balance"] == 10
    assert b"<code>4050</code>" in client.post(f"{VOICE}?method=GetNum", data={"account": "V2", "password": "k"}).data
    assert client.delete("/_sandbox/accounts/V2").json == {"status": "deleted", "apiid": "V2"}
    assert client.get("/_sandbox/accounts/V2").status_code == 404
    assert client.delete("/_sandbox/accounts/V2").status_code == 404
    assert client.patch("/_sandbox/accounts/V2", json={"balance": 1}).status_code == 404


@pytest.mark.parametrize(("body", "reason"), [
    ({"apiid": "V3"}, "missing field(s) apikey"),
    ({"apiid": "V3", "apikey": "k", "colour": "red"}, "unknown field(s) colour"),
    ({"apiid": "V3", "apikey": "k", "balance": "5"}, "balance must be an integer"),
    ({"apiid": "V3", "apikey": "k", "balance": True}, "balance must be an integer"),
    ({"apiid": "V3", "apikey": "k", "balance": 8.5}, "balance must be an integer"),
    ({"apiid": "V3", "apikey": "k", "balance": -1}, "balance must be between 0 and"),
    ({"apiid": "V3", "apikey": "k", "frozen": "yes"}, "frozen must be true or false"),
    ({"apiid": "V3", "apikey": "k", "registered_ips": "1.2.3.4"}, "registered_ips must be a list of strings"),
    ({"apiid": "", "apikey": "k"}, "apiid must not be empty"),
])
def test_bad_account_bodies_get_400_with_the_reason(client, body, reason):
    response = client.post("/_sandbox/accounts", json=body)
    assert response.status_code == 400 and reason in response.json["error"]


def test_an_integer_written_with_a_fraction_of_zero_is_that_integer(client):
    """JSON has one kind of number, and JSON Schema (OpenAPI 3.1) calls 8.0 an integer."""
    created = client.post("/_sandbox/accounts", json={"apiid": "V3", "apikey": "k", "balance": 8.0,
                                                      "limits": {"per_day": 2.0}})
    assert created.status_code == 201 and created.json["balance"] == 8 and created.json["limits"] == {"per_day": 2}


def test_bad_json_is_refused(client):
    response = client.post("/_sandbox/accounts", data="{nope", content_type="application/json")
    assert response.status_code == 400 and "not a JSON object" in response.json["error"]
    response = client.patch("/_sandbox/accounts/V00000001", data="balance=5")
    assert response.status_code == 415 and "send the body as application/json" in response.json["error"]


def test_blacklist_and_refused_ips(client):
    assert client.put("/_sandbox/blacklist/13812345678").json == {"blacklist": ["13812345678"]}
    assert b"<code>4030</code>" in submit(client).data
    assert client.delete("/_sandbox/blacklist/13812345678").json == {"blacklist": []}
    assert client.delete("/_sandbox/blacklist/13812345678").status_code == 404
    assert client.put("/_sandbox/refused-ips/127.0.0.1").json == {"refused_ips": ["127.0.0.1"]}
    assert b"<code>400</code>" in submit(client).data
    assert client.get("/_sandbox/refused-ips").json == {"refused_ips": ["127.0.0.1"]}


def test_reset_clears_messages_and_journal(client):
    submit(client)
    client.post("/_sandbox/reset")
    assert client.get("/_sandbox/messages").json["messages"] == []
    assert client.get("/_sandbox/requests").json["requests"] == []


def test_unknown_sandbox_paths_and_methods_answer_json(client):
    assert client.get("/_sandbox/nope").status_code == 404 and "error" in client.get("/_sandbox/nope").json
    response = client.delete("/_sandbox/messages")
    assert response.status_code == 405 and "GET" in response.headers["Allow"] and "error" in response.json


def test_admin_token_guards_everything_but_health():
    client = new_client(admin_token="s3cret")
    assert client.get("/_sandbox/health").status_code == 200
    refused = client.get("/_sandbox/messages")
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert "admin token" in refused.json["error"]
    assert client.get("/_sandbox/messages", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/_sandbox/messages", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert client.post("/_sandbox/reset").status_code == 401
    assert client.get(f"{VOICE}?method=GetNum").status_code == 200  # the provider API needs no token


def test_long_poll_returns_when_the_call_arrives_and_gives_up_at_its_bound(tmp_path):
    with running_sandbox("--db", str(tmp_path / "s.db"), "--workers", "2", "--admin-token", "t0k") as sandbox:
        assert "admin token required" in sandbox.banner
        api = SandboxAPI(sandbox.url, admin_token="t0k")
        result: dict = {}

        def poll() -> None:
            started = time.monotonic()
            result["code"] = api.latest_code("13812345678", wait=30)
            result["seconds"] = time.monotonic() - started

        waiter = threading.Thread(target=poll)
        waiter.start()
        time.sleep(0.5)
        sandbox.call("Submit", {**OK, "mobile": "13812345678", "content": "556677"})
        waiter.join(timeout=30)
        assert result["code"] == "556677"
        assert result["seconds"] < 10  # as soon as it arrived, not after the full 30 s
        started = time.monotonic()
        with pytest.raises(SandboxError, match="HTTP 404: no code has been delivered to 13700000000 .waited 1 s."):
            api.latest_code("13700000000", wait=1)
        assert time.monotonic() - started >= 1
        with pytest.raises(SandboxError, match="HTTP 401"):
            SandboxAPI(sandbox.url).messages()


def test_security_warning_for_non_loopback_binds_without_a_token():
    from ihuyi_sandbox.server.cli import security_warning

    assert security_warning("0.0.0.0", None) and "WITHOUT an admin token" in security_warning("0.0.0.0", None)
    assert security_warning("192.168.1.5", None)
    assert security_warning("0.0.0.0", "tok") is None
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        assert security_warning(host, None) is None
