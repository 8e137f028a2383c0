"""Malformed, idle and trickling connections: refused or dropped in bounded time, never handled."""

from __future__ import annotations

import json
import signal
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest
from tests.support import DEMO
from ihuyi_sandbox.testing import running_sandbox

#: generous bounds on what the options set to 1-2 s: these are about never, not speed
PATIENCE = 10


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with running_sandbox("--db", str(tmp_path_factory.mktemp("limits") / "s.db"),
                       "--idle-timeout", "1", "--body-timeout", "2") as running:
        yield running


def submit_form(mobile: str) -> bytes:
    return "&".join(f"{k}={v}" for k, v in {**DEMO, "mobile": mobile, "content": "1234"}.items()).encode()


def chunked(path: str, content_type: str, body: bytes) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: {content_type}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode() + body


def journaled(sandbox, mobile: str) -> list:
    return json.loads(sandbox.get(f"/_sandbox/requests?mobile={mobile}"))["requests"]


MALFORMED = {
    "bad chunk size": lambda data: b"zz\r\n" + data + b"\r\n0\r\n\r\n",
    "missing CRLF": lambda data: b"%x\r\n" % len(data) + data + b"XX0\r\n\r\n",
    "garbage trailer": lambda data: b"%x\r\n" % len(data) + data + b"\r\n0\r\n\x01garbage\r\n\r\n",
}


@pytest.mark.parametrize("malformed", MALFORMED)
def test_a_malformed_chunked_provider_call_gets_400_and_is_not_handled(sandbox, malformed):
    mobile = f"1390000{list(MALFORMED).index(malformed):04d}"
    answer = sandbox.raw(chunked("/webservice/voice.php?method=Submit", "application/x-www-form-urlencoded",
                                 MALFORMED[malformed](submit_form(mobile))))
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 "), answer
    assert b"chunked encoding is malformed" in body
    assert journaled(sandbox, mobile) == []


@pytest.mark.parametrize("malformed", MALFORMED)
def test_a_malformed_chunked_sandbox_call_gets_400_in_json_and_changes_nothing(sandbox, malformed):
    apiid = f"broken{list(MALFORMED).index(malformed)}"
    body = json.dumps({"apiid": apiid, "apikey": "k"}).encode()
    answer = sandbox.raw(chunked("/_sandbox/accounts", "application/json", MALFORMED[malformed](body)))
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 "), answer
    assert json.loads(body)["status"] == 400
    assert apiid not in sandbox.get("/_sandbox/accounts").decode()


def closed_by_server(conn: socket.socket) -> bool:
    conn.settimeout(PATIENCE)
    try:
        return conn.recv(65536) == b""
    except TimeoutError:
        return False


def test_a_connection_that_never_sends_a_request_is_closed(sandbox):
    with socket.create_connection(sandbox.address) as conn:
        assert closed_by_server(conn)


def test_a_kept_alive_connection_left_idle_is_closed(sandbox):
    with socket.create_connection(sandbox.address) as conn:
        conn.sendall(b"GET /_sandbox/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert conn.recv(65536).startswith(b"HTTP/1.1 200 ")
        assert closed_by_server(conn)


def trickle(sandbox, head: bytes) -> tuple[bytes, float]:
    """What the server answers to a body sent a byte every half second, and when."""
    start = time.monotonic()
    with socket.create_connection(sandbox.address, timeout=PATIENCE) as conn:
        conn.sendall(head)
        conn.setblocking(False)
        answer = b""
        while time.monotonic() - start < PATIENCE:
            try:
                conn.send(b"a")
            except OSError:
                pass
            time.sleep(0.5)
            try:
                chunk = conn.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                break
            if not chunk:
                break
            answer += chunk
    return answer, time.monotonic() - start


def test_a_trickled_provider_body_gets_408_and_is_not_handled(sandbox):
    mobile = "13900009999"
    form = submit_form(mobile)
    answer, _ = trickle(sandbox, b"POST /webservice/voice.php?method=Submit HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                 b"Content-Type: application/x-www-form-urlencoded\r\n"
                                 b"Content-Length: %d\r\n\r\n" % (len(form) + 100) + form)
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b"did not arrive within 2 s" in answer
    assert journaled(sandbox, mobile) == []


def test_a_trickled_sandbox_body_gets_408_in_json(sandbox):
    answer, _ = trickle(sandbox, b"POST /_sandbox/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                 b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 "), answer
    assert json.loads(body)["status"] == 408


def long_polls(sandbox, count: int) -> tuple[list, list[threading.Thread]]:
    """``count`` long polls (60 s) for codes that never come, each answer appended to the list."""
    answers: list = []

    def poll(i: int) -> None:
        url = f"{sandbox.url}/_sandbox/messages/latest?mobile=1380000{i:04d}&wait=60"
        try:
            with urllib.request.urlopen(url, timeout=70) as response:
                answers.append((response.status, response.read().decode()))
        except urllib.error.HTTPError as error:
            answers.append((error.code, json.loads(error.read())["error"]))
        except OSError as error:
            answers.append((None, str(error)))

    threads = [threading.Thread(target=poll, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    time.sleep(1)  # all of them waiting
    return answers, threads


def test_long_polls_leave_the_rest_of_the_api_answering(tmp_path):
    with running_sandbox("--db", str(tmp_path / "s.db")) as sandbox:
        answers, threads = long_polls(sandbox, 300)  # far more than the 32 threads of --threads' default
        assert json.loads(sandbox.get("/_sandbox/health", timeout=5))["status"] == "ok"
        assert json.loads(sandbox.get("/_sandbox/accounts", timeout=5))["accounts"]
        assert answers == []  # still waiting
        # a delivery to one of the numbers answers its poll, and only it
        status, _, _ = sandbox.call("Submit", {**DEMO, "mobile": "13800000123", "content": "4321"})
        assert status == 200
        threads[123].join(10)
        assert answers == [(200, answers[0][1])] and json.loads(answers[0][1])["code"] == "4321"


def test_sigterm_answers_waiting_long_polls_at_once_and_exits(tmp_path):
    with running_sandbox("--db", str(tmp_path / "s.db")) as sandbox:
        answers, threads = long_polls(sandbox, 40)
        start = time.monotonic()
        sandbox.process.send_signal(signal.SIGTERM)  # to the arbiter only, as a container runtime does
        assert sandbox.process.wait(timeout=PATIENCE) == 0
        assert time.monotonic() - start < 5
        for thread in threads:
            thread.join(PATIENCE)
        assert len(answers) == 40
        assert all(status == 404 and "stopping" in message for status, message in answers), answers


def test_sigterm_does_not_wait_for_requests_still_arriving(tmp_path):
    with running_sandbox("--db", str(tmp_path / "s.db")) as sandbox:
        head = socket.create_connection(sandbox.address)
        head.sendall(b"GET /_sandbox/health HTTP/1.1\r\nHost: loc")  # a head never finished
        body = socket.create_connection(sandbox.address)
        body.sendall(b"POST /webservice/voice.php?method=Submit HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\naccount=")
        try:
            time.sleep(0.5)
            start = time.monotonic()
            sandbox.process.send_signal(signal.SIGTERM)
            assert sandbox.process.wait(timeout=PATIENCE) == 0
            # the idle and body timeouts (60 s, 30 s) are not waited for, nor granian's own 10 s
            assert time.monotonic() - start < 5
        finally:
            head.close()
            body.close()
