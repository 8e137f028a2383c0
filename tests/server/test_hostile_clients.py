"""Slow and hostile clients never stop the others from being served; oversized requests are
refused cleanly."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from tests.support import DEMO
from ihuyi_sandbox.testing import running_sandbox

from ihuyi_sandbox.products.voice.answers import parse_xml

OK = {**DEMO, "mobile": "13812345678", "content": "1234"}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with running_sandbox("--db", str(tmp_path_factory.mktemp("hostile") / "s.db")) as running:
        yield running


def served(sandbox) -> bool:
    """An ordinary client gets its answer (a generous bound: this is about starving, not speed)."""
    status, _, body = sandbox.call("Submit", OK, timeout=10)
    return status == 200 and parse_xml(body).code == 2


def test_connections_that_send_nothing_do_not_starve_others(sandbox):
    idle = [socket.create_connection(sandbox.address) for _ in range(64)]
    try:
        assert all(served(sandbox) for _ in range(5))
    finally:
        for conn in idle:
            conn.close()


def test_a_body_trickling_a_byte_a_second_does_not_starve_others(sandbox):
    stop = threading.Event()

    def trickle() -> None:
        with socket.create_connection(sandbox.address) as conn:
            conn.sendall(b"POST /webservice/voice.php?method=Submit HTTP/1.1\r\nHost: x\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\n")
            while not stop.wait(1.0):
                try:
                    conn.sendall(b"a")
                except OSError:
                    return

    def header_trickle() -> None:
        with socket.create_connection(sandbox.address) as conn:
            for byte in b"GET /webservice/voice.php?method=GetNum HTTP/1.1\r\nHost: x\r\n":
                if stop.wait(1.0):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    slow = [threading.Thread(target=trickle) for _ in range(24)] + [threading.Thread(target=header_trickle)
                                                                     for _ in range(24)]
    for thread in slow:
        thread.start()
    try:
        time.sleep(1.5)
        assert all(served(sandbox) for _ in range(5))
    finally:
        stop.set()
        for thread in slow:
            thread.join(5)


def test_oversized_headers_are_refused_cleanly(sandbox):
    answer = sandbox.raw(b"GET /webservice/voice.php?method=GetNum HTTP/1.1\r\nHost: x\r\nX-Big: "
                 + b"a" * 20000 + b"\r\nConnection: close\r\n\r\n")
    status = int(answer.split(b" ", 2)[1])
    assert 400 <= status < 500 and b"Traceback" not in answer
    assert served(sandbox)


def test_an_oversized_url_is_refused_cleanly(sandbox):
    answer = sandbox.raw(b"GET /webservice/voice.php?method=GetNum&x=" + b"a" * 20000
                 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert 400 <= int(answer.split(b" ", 2)[1]) < 500
    assert served(sandbox)


def test_an_oversized_body_gets_413(sandbox):
    body = b"a=" + b"1" * 100_000
    answer = sandbox.raw(b"POST /webservice/voice.php?method=Submit HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "
                 + str(len(body)).encode() + b"\r\n\r\n" + body)
    assert answer.startswith(b"HTTP/1.1 413") and b"65536 bytes" in answer
    assert served(sandbox)


def test_an_oversized_chunked_body_gets_413(sandbox):
    body = b"a=" + b"1" * 100_000
    answer = sandbox.raw(b"POST /webservice/voice.php?method=Submit HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
                 + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 413") and b"65536 bytes" in answer
    assert served(sandbox)


def test_a_chunked_body_within_the_limit_is_read(sandbox):
    body = b"account=V00000001&password=0123456789abcdef0123456789abcdef"
    answer = sandbox.raw(b"POST /webservice/voice.php?method=GetNum HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
                 + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200") and b"<code>2</code>" in answer


def test_a_hundred_hanging_calls_do_not_starve_others(sandbox):
    """The ``hang`` fault (13900011001: silent for 20 s) waits on the event loop, not in a thread:
    a hundred of them at once leave ordinary calls answered."""
    body = "&".join(f"{k}={v}" for k, v in {**OK, "mobile": "13900011001"}.items()).encode()
    request = (b"POST /webservice/voice.php?method=Submit HTTP/1.1\r\nHost: x\r\n"
               b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "
               + str(len(body)).encode() + b"\r\n\r\n" + body)
    hanging = []
    try:
        for _ in range(100):
            conn = socket.create_connection(sandbox.address, timeout=10)
            conn.sendall(request)
            hanging.append(conn)
        time.sleep(0.5)
        assert served(sandbox)
    finally:
        for conn in hanging:
            conn.close()
