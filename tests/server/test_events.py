"""``GET /_sandbox/events`` served: a change pushed as it happens, streams that hold no thread (the
rest of the server answers however many are open), and every stream ended when the server stops."""

from __future__ import annotations

import signal
import socket
from collections.abc import Iterator

import pytest
from tests.support import DEMO

from ihuyi_sandbox.testing import SandboxProcess, running_sandbox

PATIENCE = 20  # seconds: far more than any answer here takes; a stalled server fails by it


class EventStream:
    """A raw ``GET /_sandbox/events``, read as the bytes arrive."""

    def __init__(self, sandbox: SandboxProcess, headers: str = "") -> None:
        self.conn = socket.create_connection(sandbox.address, timeout=PATIENCE)
        self.conn.sendall(f"GET /_sandbox/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                          f"{headers}\r\n".encode())
        self.seen = b""

    def until(self, marker: bytes) -> bytes:
        """What arrived up to ``marker``'s next appearance (the server closing first fails)."""
        start = len(self.seen)
        while marker not in self.seen[start:]:
            chunk = self.conn.recv(65536)
            assert chunk, f"the stream ended before {marker!r}: {self.seen!r}"
            self.seen += chunk
        return self.seen

    def rest(self) -> bytes:
        """Everything until the server closes the stream."""
        while chunk := self.conn.recv(65536):
            self.seen += chunk
        return self.seen

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def sandbox(tmp_path) -> Iterator[SandboxProcess]:
    with running_sandbox("--db", str(tmp_path / "s.db"), "--threads", "4") as sandbox:
        yield sandbox


def test_a_change_is_pushed_as_it_happens(sandbox):
    stream = EventStream(sandbox)
    try:
        head = stream.until(b"event: change")
        assert b"200 OK" in head and b"content-type: text/event-stream" in head.lower()
        assert b"retry: 1000" in head
        first = stream.seen.count(b"event: change")
        status, _, _ = sandbox.call("Submit", {**DEMO, "mobile": "13812345678", "content": "1234"})
        assert status == 200
        while stream.seen.count(b"event: change") == first:
            stream.until(b"\n\n")
        assert b'"newest_request": 1' in stream.seen.split(b"event: change")[-1]
    finally:
        stream.close()


def test_open_streams_hold_no_thread_and_stall_nothing(sandbox):
    streams = [EventStream(sandbox) for _ in range(12)]  # three times the 4 threads
    try:
        for stream in streams:
            stream.until(b"event: change")
        status, _, _ = sandbox.call("Submit", {**DEMO, "mobile": "13812345678", "content": "1234"}, timeout=PATIENCE)
        assert status == 200
        assert b'"messages"' in sandbox.get("/_sandbox/messages", timeout=PATIENCE)
        for stream in streams:  # and every one hears of the delivery
            while b'"newest_request": 1' not in stream.seen:
                stream.until(b"\n\n")
    finally:
        for stream in streams:
            stream.close()


def test_the_server_stopping_ends_every_stream(sandbox):
    streams = [EventStream(sandbox) for _ in range(5)]
    try:
        for stream in streams:
            stream.until(b"event: change")
        sandbox.process.send_signal(signal.SIGTERM)  # to the arbiter only, as a container runtime does
        assert sandbox.process.wait(timeout=PATIENCE) == 0
        for stream in streams:
            assert stream.rest().endswith(b"0\r\n\r\n")  # the chunked stream ended, not cut
    finally:
        for stream in streams:
            stream.close()


def test_the_events_need_the_admin_token(tmp_path):
    with running_sandbox("--db", str(tmp_path / "s.db"), "--admin-token", "s3cret") as sandbox:
        refused = EventStream(sandbox, "Connection: close\r\n")
        try:
            assert refused.rest().startswith(b"HTTP/1.1 401")
        finally:
            refused.close()
        allowed = EventStream(sandbox, "Authorization: Bearer s3cret\r\n")
        try:
            assert b"200 OK" in allowed.until(b"event: change")
        finally:
            allowed.close()
