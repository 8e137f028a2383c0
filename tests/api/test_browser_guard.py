"""Another web page cannot change the sandbox, nor read it by DNS rebinding; the provider API
answers whatever the Host."""

from __future__ import annotations

import json

import pytest
from tests.support import DEMO
from ihuyi_sandbox.testing import running_sandbox

from ihuyi_sandbox.api.config import Config


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with running_sandbox("--db", str(tmp_path_factory.mktemp("guard") / "s.db"),
                       "--allowed-host", "sandbox.internal") as running:
        yield running


def send(sandbox, method: str, path: str, headers: dict[str, str] | None = None,
         body: bytes = b"") -> tuple[int, bytes]:
    headers = {"Host": "%s:%d" % sandbox.address, **(headers or {}), "Connection": "close"}
    if body:
        headers["Content-Length"] = str(len(body))
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    answer = sandbox.raw(head.encode() + body)
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


def account_ids(sandbox) -> list[str]:
    return [a["apiid"] for a in json.loads(sandbox.get("/_sandbox/accounts"))["accounts"]]


NEW_ACCOUNT = json.dumps({"apiid": "C9", "apikey": "k"}).encode()


@pytest.mark.parametrize(("headers", "body", "status"), [
    ({"Content-Type": "text/plain", "Origin": "http://evil.example"}, b"", 403),
    ({"Origin": "http://evil.example"}, b"", 403),
    ({"Origin": "null"}, b"", 403),
    ({"Origin": "http://[::1"}, b"", 403),  # not a URL at all
    ({"Content-Type": "text/plain"}, b"", 415),
    ({"Content-Type": "application/x-www-form-urlencoded"}, b"a=1", 415),
    ({"Content-Type": "multipart/form-data; boundary=x"}, b"--x--\r\n", 415),
    ({}, b"{}", 415),  # a body without a Content-Type
])
def test_a_reset_a_web_page_elsewhere_could_send_is_refused(sandbox, headers, body, status):
    assert send(sandbox, "POST", "/_sandbox/accounts", {"Content-Type": "application/json"}, NEW_ACCOUNT)[0] in (201, 409)
    before = account_ids(sandbox)
    code, answer = send(sandbox, "POST", "/_sandbox/reset", headers, body)
    assert code == status, answer
    assert json.loads(answer)["status"] == status
    assert "C9" in before and account_ids(sandbox) == before  # the account made above is still there: no reset


def test_the_415_says_what_is_accepted(sandbox):
    code, answer = send(sandbox, "PUT", "/_sandbox/scenario", {"Content-Type": "text/plain"}, b'name = "x"\n')
    assert code == 415
    assert json.loads(answer)["accepted"] == ["application/json", "application/toml", "text/x-toml"]
    code, answer = send(sandbox, "POST", "/_sandbox/accounts", {"Content-Type": "text/plain"}, NEW_ACCOUNT)
    assert code == 415 and "send the body as application/json, not with Content-Type text/plain" in answer.decode()


def test_calls_from_the_sandbox_itself_or_no_page_are_accepted(sandbox):
    assert send(sandbox, "POST", "/_sandbox/reset")[0] == 200  # no body, no Content-Type: SandboxAPI.reset()
    own = "http://%s:%d" % sandbox.address
    assert send(sandbox, "POST", "/_sandbox/reset", {"Origin": own, "Content-Type": "application/json"})[0] == 200
    toml = f'name = "t"\ndescription = "d"\n[[accounts]]\napiid = "{DEMO["account"]}"\napikey = "k"\n'.encode()
    assert send(sandbox, "PUT", "/_sandbox/scenario", {"Content-Type": "application/toml"}, toml)[0] == 200
    assert send(sandbox, "POST", "/_sandbox/reset", {"Content-Type": "application/json"})[0] == 200


def test_a_host_the_server_was_not_started_for_is_refused(sandbox):
    code, answer = send(sandbox, "GET", "/_sandbox/accounts", {"Host": "attacker.example:%d" % sandbox.address[1]})
    assert code == 403
    message = json.loads(answer)["error"]
    assert "attacker.example" in message and "--allowed-host attacker.example" in message
    assert b"apikey" not in answer
    assert send(sandbox, "GET", "/_sandbox/", {"Host": "attacker.example"})[0] == 403  # the inbox page too


@pytest.mark.parametrize("host", ["localhost:{port}", "127.0.0.1:{port}", "[::1]:{port}", "inbox.localhost:{port}",
                                  "sandbox.internal:{port}", "SANDBOX.internal.", "10.1.2.3:{port}"])
def test_loopback_names_ip_addresses_and_allowed_names_are_answered(sandbox, host):
    code, answer = send(sandbox, "GET", "/_sandbox/accounts", {"Host": host.format(port=sandbox.address[1])})
    assert code == 200 and json.loads(answer)["accounts"]


def test_health_and_the_provider_api_answer_any_host(sandbox):
    assert send(sandbox, "GET", "/_sandbox/health", {"Host": "attacker.example"})[0] == 200
    code, answer = send(sandbox, "GET", "/webservice/voice.php?method=GetNum&" +
                        "&".join(f"{k}={v}" for k, v in DEMO.items()), {"Host": "attacker.example"})
    assert code == 200 and b"<GetNumResult" in answer


def test_allowed_hosts_reach_the_workers():
    config = Config(db=":memory:", allowed_hosts=("a.example", "b.example"))
    assert Config.from_json(config.to_json()).allowed_hosts == ("a.example", "b.example")
