"""The request path ``serve`` runs, driven in this process without a port: :class:`InProcess`
hands :class:`~ihuyi_sandbox.api.app.SandboxRSGI` each request as granian hands it over (an RSGI
scope and protocol) on an event loop of its own, and gives back what the application sent.

The tests' driver (``testing/driver.py``) and ``ihuyi-sandbox conform``'s throw-away sandbox
both run requests through it, so neither mirrors any of the request path.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import SandboxRSGI

#: how long one request may take in process before the caller is told so
TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Scope:
    """What granian's ``Scope`` gives the application (the attributes it reads)."""

    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    client: str
    server: str
    scheme: str
    http_version: str = "1.1"


class Protocol:
    """granian's ``HTTPProtocol`` for one request whose body is all there."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.response: tuple[int, list[tuple[str, str]], bytes] | None = None

    async def __call__(self) -> bytes:
        return self.body

    def __aiter__(self) -> Iterator[bytes]:
        return self._chunks()  # type: ignore[return-value]

    async def _chunks(self):  # type: ignore[no-untyped-def]
        if self.body:
            yield self.body
        yield b""  # as granian ends a whole body

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.response = (status, headers, body)


class Dropped(ConnectionResetError):
    """The application answered what granian refuses to send: granian drops the connection
    without a byte, and so does :class:`InProcess` (a ``reset`` or ``hang`` fault)."""


class InProcess:
    """``app`` (a :class:`SandboxRSGI`) run as granian would, in this process, on a loop thread."""

    def __init__(self, app: "SandboxRSGI") -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="sandbox-in-process", daemon=True).start()
        app.bind(self.loop)

    def send(self, scope: Scope, body: bytes, timeout: float = TIMEOUT_SECONDS) -> tuple[int, list[tuple[str, str]], bytes]:
        """(status, headers, body) the application answered; :class:`Dropped` when it sent nothing."""
        proto = Protocol(body)
        run = asyncio.run_coroutine_threadsafe(self._serve(scope, proto), self.loop)
        run.result(timeout)
        assert proto.response is not None, "the application sent no answer"
        status, headers, content = proto.response
        names = {name.lower() for name, _ in headers}
        if {"content-length", "transfer-encoding"} <= names:
            raise Dropped("the sandbox dropped the connection without an answer")
        return status, headers, content

    def request(self, method: str, path: str, query: str = "", body: bytes = b"",
                headers: dict[str, str] | None = None, client_ip: str = "127.0.0.1") -> tuple[int, list[tuple[str, str]], bytes]:
        """One request from ``client_ip``, its header names in lower case as granian gives them."""
        headers = {name.lower(): value for name, value in (headers or {}).items()}
        if body or method in ("POST", "PUT", "PATCH"):
            headers["content-length"] = str(len(body))
        headers.setdefault("host", "localhost")
        client = f"[{client_ip}]:50000" if ":" in client_ip else f"{client_ip}:50000"
        return self.send(Scope(method, path, query, headers, client, "localhost:80", "http"), body)

    async def _serve(self, scope: Scope, proto: Protocol) -> None:
        await self.app.__rsgi__(scope, proto)  # type: ignore[arg-type]

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
