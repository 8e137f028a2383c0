"""``ihuyi-sandbox serve`` hands each request on as the client sent it: the provider API and the
Flask app behind it see the same method, path, query, headers, body and client address as the
test client would give them, and a request cut short is never handled."""

from __future__ import annotations

import json
import socket
import time
import urllib.parse

import pytest
from tests.support import DEMO
from ihuyi_sandbox.testing import running_sandbox

from ihuyi_sandbox.products.voice.answers import parse_xml

TOKEN = "s3cret-token"
SUBMIT = {**DEMO, "mobile": "13812345678", "content": "1234"}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with running_sandbox("--db", str(tmp_path_factory.mktemp("served") / "s.db"), "--admin-token", TOKEN) as running:
        yield running


def exchange(sandbox, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of one raw HTTP/1.1 request sent with ``Connection: close``."""
    head, _, body = sandbox.raw(request).partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return int(status_line.split(" ")[1]), headers, body


def request(method: str, target: str, *, headers: dict[str, str] | None = None, body: bytes = b"",
            chunked: bool = False) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: localhost", "Connection: close",
             f"Authorization: Bearer {TOKEN}", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
        body = b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n" if body else b"0\r\n\r\n"
    elif body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def journal(sandbox, **query: str) -> list[dict]:
    status, _, body = exchange(sandbox, request("GET", "/_sandbox/requests?" + urllib.parse.urlencode(query)))
    assert status == 200
    return json.loads(body)["requests"]


SUBMIT_HEAD = (b"POST /webservice/voice.php?method=Submit HTTP/1.1\r\nHost: x\r\n"
               b"Content-Type: application/x-www-form-urlencoded\r\n")


def send_and_leave(sandbox, data: bytes) -> None:
    """Send ``data``, then close the connection without waiting for an answer."""
    with socket.create_connection(sandbox.address) as conn:
        conn.sendall(data)
        time.sleep(0.3)
    time.sleep(0.5)


def test_a_submit_cut_short_is_never_handled(sandbox):
    mobile = "13812340001"
    body = urllib.parse.urlencode({**SUBMIT, "mobile": mobile}).encode()
    send_and_leave(sandbox, SUBMIT_HEAD + b"Content-Length: %d\r\n\r\n" % (len(body) + 10) + body)
    assert journal(sandbox, mobile=mobile) == []
    # the same body whole is handled
    status, _, answer = exchange(sandbox, request("POST", "/webservice/voice.php?method=Submit", body=body,
                                                  headers={"Content-Type": "application/x-www-form-urlencoded"}))
    assert status == 200 and parse_xml(answer).code == 2
    assert [entry["code"] for entry in journal(sandbox, mobile=mobile)] == [2]


def test_a_chunked_submit_cut_short_is_never_handled(sandbox):
    mobile = "13812340004"
    body = urllib.parse.urlencode({**SUBMIT, "mobile": mobile}).encode()
    # no last chunk: the client leaves
    send_and_leave(sandbox, SUBMIT_HEAD + b"Transfer-Encoding: chunked\r\n\r\n"
                   + b"%x\r\n" % len(body) + body + b"\r\n")
    assert journal(sandbox, mobile=mobile) == []


def test_a_declared_length_does_not_lift_the_limit_off_a_chunked_body(sandbox):
    """With both headers the chunks are what is read: the small length declared first must not
    let a large chunked body through."""
    body = b"a=" + b"1" * 100_000
    status, _, answer = exchange(sandbox, SUBMIT_HEAD + b"Connection: close\r\n"
                                 b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")
    assert status == 413, (status, answer[:200])


def test_utf8_sent_raw_in_the_query_string_is_read_as_sent(sandbox):
    mobile = "13812340002"
    target = f"/webservice/voice.php?method=Submit&account={DEMO['account']}&password={DEMO['password']}" \
             f"&mobile={mobile}&content=验证码1234"
    status, _, body = exchange(sandbox, ("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                               .encode("utf-8"))
    assert status == 200
    assert parse_xml(body).code == 4070  # content must be digits: it was read, not mangled into 400 or 500
    assert journal(sandbox, mobile=mobile)[0]["params"]["content"] == "验证码1234"


def test_the_journal_names_the_client_address(sandbox):
    mobile = "13812340003"
    sandbox.call("Submit", {**SUBMIT, "mobile": mobile})
    assert journal(sandbox, mobile=mobile)[0]["client_ip"] == "127.0.0.1"


def test_head_and_options_on_voice_php(sandbox):
    query = urllib.parse.urlencode({"method": "GetNum", **DEMO})
    status, headers, body = exchange(sandbox, request("GET", f"/webservice/voice.php?{query}"))
    head_status, head_headers, head_body = exchange(sandbox, request("HEAD", f"/webservice/voice.php?{query}"))
    assert (head_status, head_body) == (status, b"")
    assert head_headers["content-length"] == headers["content-length"] == str(len(body))
    status, headers, _ = exchange(sandbox, request("OPTIONS", "/webservice/voice.php"))
    assert status == 200 and headers["allow"] == "GET, HEAD, OPTIONS, POST"


def test_the_sandbox_api_reads_the_admin_token_from_its_header(sandbox):
    status, headers, body = exchange(sandbox, request("GET", "/_sandbox/accounts").replace(
        f"Authorization: Bearer {TOKEN}".encode(), b"Authorization: Bearer wrong"))
    assert status == 401 and "admin token" in json.loads(body)["error"]
    status, _, body = exchange(sandbox, request("GET", "/_sandbox/accounts"))
    assert status == 200 and DEMO["account"] in {a["apiid"] for a in json.loads(body)["accounts"]}


@pytest.mark.parametrize("chunked", [False, True])
def test_the_sandbox_api_reads_a_json_body_sent_whole_or_chunked(sandbox, chunked):
    apiid = f"VBODY{int(chunked)}"
    body = json.dumps({"apiid": apiid, "apikey": "k" * 32, "balance": 7}).encode()
    status, _, answer = exchange(sandbox, request("POST", "/_sandbox/accounts", body=body, chunked=chunked,
                                                  headers={"Content-Type": "application/json"}))
    assert status == 201, answer
    status, _, answer = exchange(sandbox, request("GET", f"/_sandbox/accounts/{apiid}"))
    assert status == 200 and json.loads(answer)["balance"] == 7


@pytest.mark.parametrize("chunked", [False, True])
def test_the_sandbox_api_refuses_a_body_over_the_limit_in_its_own_words(sandbox, chunked):
    body = json.dumps({"apiid": "VBIG", "apikey": "k" * 100_000}).encode()
    status, headers, answer = exchange(sandbox, request("POST", "/_sandbox/accounts", body=body, chunked=chunked,
                                                        headers={"Content-Type": "application/json"}))
    assert status == 413 and headers["content-type"].startswith("application/json")
    assert json.loads(answer)["error"] == "request body larger than the 65536 bytes accepted"


def test_a_path_with_escapes_reaches_flask_decoded(sandbox):
    status, _, body = exchange(sandbox, request("GET", "/_sandbox/accounts/%56%30%30%30%30%30%30%30%31"))
    assert status == 200 and json.loads(body)["apiid"] == DEMO["account"]
    status, _, body = exchange(sandbox, request("GET", "/_sandbox/accounts/%E4%B8%AD"))
    assert status == 404 and json.loads(body)["error"] == "no account 中"
