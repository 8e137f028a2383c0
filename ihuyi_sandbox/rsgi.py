"""What ``serve`` runs in each worker: granian's RSGI interface, and the Flask app under it.

Why RSGI rather than ASGI: granian hands the request over as one object and takes the answer in
one call, with no message dicts to build and no header bytes to encode on the way; for a journaled
Submit that is about 15% of a worker's time (bench/RESULTS.md). The provider API is written to it
directly (``api/provider.py``); everything else, the Flask app of the sandbox API and the inbox,
runs through :class:`WSGIBridge`, in a pool of threads beside the event loop.
"""

from __future__ import annotations

import asyncio
import io
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from granian.rsgi import ProtocolClosed, ProtocolError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.test import run_wsgi_app

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment
    from granian.rsgi import HTTPProtocol, Scope


class ClientGone(Exception):
    """The client left before its request was whole: there is nobody to answer."""


async def read_body(scope: "Scope", proto: "HTTPProtocol", limit: int) -> bytes:
    """The request's body, or :class:`RequestEntityTooLarge` beyond ``limit`` bytes.

    A declared length is checked before a byte is read, then the body is read whole, which granian
    refuses (:class:`ClientGone`) when the client leaves before it is all there: a half-sent
    request is never handled. A chunked body, which declares nothing, is read chunk by chunk to
    stop at the limit; granian's chunks end quietly if the client leaves, so a chunked body cut
    short by a vanished client is handled as far as it came (nobody reads that answer).
    """
    declared = scope.headers.get("content-length")
    if declared is not None:
        if int(declared) > limit:  # granian has already refused a Content-Length that is not a number
            raise RequestEntityTooLarge()
        try:
            return await proto()
        except (ProtocolClosed, ProtocolError):
            raise ClientGone() from None
    chunks, size = [], 0
    async for chunk in proto:
        size += len(chunk)
        if size > limit:
            raise RequestEntityTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def query_bytes(scope: "Scope") -> bytes:
    """The query string as the client sent it (granian gives it as text, UTF-8 decoded)."""
    return scope.query_string.encode("utf-8", "surrogateescape")


def client_host(scope: "Scope") -> str:
    """The client's IP address (granian gives ``host:port``, IPv6 hosts in brackets or not)."""
    host = scope.client.rpartition(":")[0]
    return host[1:-1] if host.startswith("[") else host


class WSGIBridge:
    """A WSGI application under RSGI: the body read on the event loop (up to ``max_body``), the
    application run in a pool of ``threads`` threads, its answer sent whole.

    The Flask app answers nothing that streams, so a buffered answer loses nothing. A body over
    ``max_body`` is not read: the app sees its declared length and an empty input, and says 413
    itself (Flask's ``MAX_CONTENT_LENGTH``), in its own words.
    """

    def __init__(self, app: "WSGIApplication", *, threads: int, max_body: int) -> None:
        self.app = app
        self.max_body = max_body
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sandbox-wsgi")

    async def __call__(self, scope: "Scope", proto: "HTTPProtocol") -> None:
        try:
            body = await read_body(scope, proto, self.max_body)
            length = len(body)
        except RequestEntityTooLarge:
            body, length = b"", max(int(scope.headers.get("content-length") or 0), self.max_body + 1)
        except ClientGone:
            return
        environ = self.environ(scope, body, length)
        status, headers, content = await asyncio.get_running_loop().run_in_executor(self.pool, self._run, environ)
        try:
            proto.response_bytes(status, headers, content)
        except (ProtocolClosed, ProtocolError):
            pass  # the client left while the app worked (a long poll, say)

    def _run(self, environ: "WSGIEnvironment") -> tuple[int, list[tuple[str, str]], bytes]:
        app_iter, status, headers = run_wsgi_app(self.app, environ, buffered=True)
        return int(status.split(" ", 1)[0]), headers.to_wsgi_list(), b"".join(app_iter)

    @staticmethod
    def environ(scope: "Scope", body: bytes, content_length: int) -> "WSGIEnvironment":
        """PEP 3333's environ for ``scope``: text that was UTF-8 on the wire is given back as the
        latin-1 text of its bytes, as WSGI wants."""
        server, _, port = scope.server.rpartition(":")
        environ: WSGIEnvironment = {
            "REQUEST_METHOD": scope.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": _wsgi_text(scope.path),
            "QUERY_STRING": query_bytes(scope).decode("latin-1"),
            "SERVER_NAME": server.strip("[]"),
            "SERVER_PORT": port,
            "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
            "REMOTE_ADDR": client_host(scope),
            "CONTENT_LENGTH": str(content_length),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scope.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        for name, value in scope.headers.items():
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
                continue  # the body was read whole: chunked or not, the app gets it with its length
            if key != "CONTENT_TYPE":
                key = "HTTP_" + key
            value = _wsgi_text(value)
            environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ


def _wsgi_text(text: str) -> str:
    return text.encode("utf-8", "surrogateescape").decode("latin-1")
