"""The request path ``serve`` runs, driven in this process: :class:`SandboxRSGI` with every
product's provider API and the Flask app under it, handed each request as granian hands it over.

werkzeug's test client builds the requests (``data=``, ``json=``, ``query_string=``, headers,
``environ_base={"REMOTE_ADDR": ...}``) and reads the answers; :class:`Driver`, a WSGI callable
for it, turns each request into an RSGI scope and protocol, runs the application on an event loop
of its own, and gives back what the application sent. Nothing of the request path is mirrored:
a test through the driver runs the same code as a request to ``serve``, the network aside.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING

from werkzeug.test import Client, TestResponse

from ..api.app import SandboxRSGI, create_app
from ..api.config import Config

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

#: how long one request may take in the driver before the test is told so
TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class _Scope:
    """What granian's ``Scope`` gives the application (the attributes it reads)."""

    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    client: str
    server: str
    scheme: str
    http_version: str = "1.1"


class _Protocol:
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

    def response_stream(self, status: int, headers: list[tuple[str, str]]) -> "_Protocol":
        """A stream answered whole: the client takes what is sent first, then leaves (a test
        client cannot read a stream that goes on)."""
        self.response = (status, headers, b"")
        self._left = asyncio.get_running_loop().create_future()
        return self

    async def send_bytes(self, data: bytes) -> None:
        assert self.response is not None
        status, headers, sent = self.response
        self.response = (status, headers, sent + data)
        if not self._left.done():
            self._left.set_result(None)

    async def client_disconnect(self) -> None:
        await self._left


class Dropped(ConnectionResetError):
    """The application answered what granian refuses to send: granian drops the connection
    without a byte, and so does the driver (a ``reset`` or ``hang`` fault)."""


class Driver:
    """A WSGI callable that runs ``app`` (a :class:`SandboxRSGI`) as granian would, in this process."""

    def __init__(self, app: SandboxRSGI) -> None:
        self.app = app
        #: the application's backend, for a test that looks behind the HTTP surface
        self.backend = app.backend
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="sandbox-driver", daemon=True).start()
        app.bind(self.loop)

    def __call__(self, environ: "WSGIEnvironment", start_response: "StartResponse") -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else environ["wsgi.input"].read()
        proto = _Protocol(body)
        run = asyncio.run_coroutine_threadsafe(self._serve(_scope(environ, len(body)), proto), self.loop)
        run.result(TIMEOUT_SECONDS)
        assert proto.response is not None, "the application sent no answer"
        status, headers, content = proto.response
        names = {name.lower() for name, _ in headers}
        if {"content-length", "transfer-encoding"} <= names:
            raise Dropped("the sandbox dropped the connection without an answer")
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [content]

    async def _serve(self, scope: _Scope, proto: _Protocol) -> None:
        await self.app.__rsgi__(scope, proto)  # type: ignore[arg-type]

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)


def _scope(environ: "WSGIEnvironment", length: int) -> _Scope:
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].lower().replace("_", "-")] = value
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    if length or environ.get("REQUEST_METHOD") in ("POST", "PUT", "PATCH"):
        headers["content-length"] = str(length)
    address = environ.get("REMOTE_ADDR") or "127.0.0.1"
    client = f"[{address}]:50000" if ":" in address else f"{address}:50000"
    # granian gives the path and query as text decoded from UTF-8; WSGI gives their bytes as latin-1
    return _Scope(method=environ["REQUEST_METHOD"], path=_text(environ.get("PATH_INFO", "/")),
                  query_string=_text(environ.get("QUERY_STRING", "")), headers=headers, client=client,
                  server=f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}",
                  scheme=environ.get("wsgi.url_scheme", "http"))


def _text(wsgi: str) -> str:
    return wsgi.encode("latin-1").decode("utf-8", "surrogateescape")


def in_process(config: Config, *, threads: int = 4) -> Client:
    """A test client of the sandbox ``config`` describes, on the request path ``serve`` runs."""
    app = create_app(config)
    rsgi = SandboxRSGI(app, threads=threads, body_timeout=config.body_timeout)
    return Client(Driver(rsgi), TestResponse)
