"""granian's RSGI interface, and the Flask app under it: reading a request's body within its
limits, and :class:`WSGIBridge`, which runs the Flask app of the sandbox API and the inbox in a
pool of threads beside the event loop.

Why RSGI rather than ASGI: granian hands the request over as one object and takes the answer in
one call, with no message dicts to build and no header bytes to encode on the way, a sizeable
share of a journaled Submit's cost (bench/RESULTS.md). The provider API is written to it directly
(``provider.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from granian.rsgi import ProtocolClosed, ProtocolError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.test import run_wsgi_app

from .._exceptions import BodyRefused

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment
    from granian.rsgi import HTTPProtocol, Scope


async def read_body(scope: "Scope", proto: "HTTPProtocol", limit: int, timeout: float) -> bytes:
    """The request's body, or :class:`RequestEntityTooLarge` beyond ``limit`` bytes, or
    :class:`BodyRefused` when it is not all there ``timeout`` seconds after its head (granian
    bounds the head's time, not the body's: a body trickled a byte at a time would hold the
    request open for ever).

    A declared length is checked before a byte is read, then the body is read whole, which granian
    refuses when the client leaves before it is all there. A chunked body (even one that also
    declares a length: the chunks are what is read) is counted chunk by chunk to stop at the limit.
    A body cut short or with malformed chunks (a bad size, a missing CRLF, a garbage trailer)
    gets 400: granian tells neither from a client that left.
    """
    try:
        async with asyncio.timeout(timeout):
            return await _read_body(scope, proto, limit)
    except TimeoutError:
        raise BodyRefused(408, f"the request body did not arrive within {timeout:g} s") from None


async def _read_body(scope: "Scope", proto: "HTTPProtocol", limit: int) -> bytes:
    declared = scope.headers.get("content-length")
    if declared is not None and "transfer-encoding" not in scope.headers:
        if int(declared) > limit:  # granian has already refused a Content-Length that is not a number
            raise RequestEntityTooLarge()
        try:
            return await proto()
        except (ProtocolClosed, ProtocolError):
            raise BodyRefused(400, INCOMPLETE) from None
    chunks, size, ended = [], 0, False
    async for chunk in proto:
        if ended:  # granian ends a whole body with one empty chunk, a broken one with two
            raise BodyRefused(400, INCOMPLETE)
        if not chunk:
            ended = True
            continue
        size += len(chunk)
        if size > limit:
            raise RequestEntityTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


INCOMPLETE = "the request body is cut short or its chunked encoding is malformed"


def query_bytes(scope: "Scope") -> bytes:
    """The query string as the client sent it (granian gives it as text, UTF-8 decoded)."""
    return _wire_bytes(scope.query_string)


def client_host(scope: "Scope") -> str:
    """The client's IP address (granian gives ``host:port``, IPv6 hosts in brackets or not)."""
    host = scope.client.rpartition(":")[0]
    return host[1:-1] if host.startswith("[") else host


#: the environ key of a :class:`BodyRefused`, which the app answers in its own words
BODY_REFUSED = "ihuyi_sandbox.body_refused"
POLL_SECONDS = 0.05


@dataclass
class Poll:
    """In the environ (under :data:`POLL`) when the server can wait on its event loop. An app that
    would wait for something sets ``ready`` (a cheap check, true once there is something to
    answer) and ``deadline`` (``time.monotonic()``'s), answers anything, and is called again with
    the same request once ``ready()`` holds, the deadline passes or the server stops
    (``stopping``): a long poll holds no thread while it waits, and costs one check each
    :data:`POLL_SECONDS`, not a whole request. ``source`` is what it waits on, handed to the
    bridge's ``changes`` (a workspace's store; ``None``: the sandbox's own), so a poll wakes only
    for changes there."""

    stopping: bool = False
    ready: Callable[[], bool] | None = None
    deadline: float = 0.0
    source: object = None


POLL = "ihuyi_sandbox.poll"


@dataclass
class Stream:
    """In the environ (under :data:`STREAM`) when the server can stream server-sent events. An app
    view that answers a stream sets ``event`` (a cheap call that gives the event to send, the
    bytes of ``event: …\ndata: …\n\n``) and answers its status and headers: the server sends
    ``event()`` at once and again each time the state moves (the watch the long polls share), a
    comment each ``heartbeat`` seconds so that a proxy keeps the connection, and ends the stream
    after ``lasts`` seconds (the browser's EventSource reconnects), when the client leaves or
    when the server stops. While it waits it holds no thread."""

    event: Callable[[], bytes] | None = None
    heartbeat: float = 15.0
    lasts: float = 300.0
    #: what the events are of, as :attr:`Poll.source`
    source: object = None


STREAM = "ihuyi_sandbox.stream"


class WSGIBridge:
    """A WSGI application under RSGI: the body read on the event loop (up to ``max_body``, within
    ``body_timeout`` seconds), the application run in a pool of ``threads`` threads, its answer
    sent whole.

    The Flask app answers nothing that streams but server-sent events (:class:`Stream`), which the
    bridge sends itself, so a buffered answer loses nothing. A body over
    ``max_body`` is not read further: the app sees a length over its limit and an empty input, and
    says 413 itself (Flask's ``MAX_CONTENT_LENGTH``), in its own words; a body refused is in the
    environ (:data:`BODY_REFUSED`) for the app to answer likewise. An app that waits asks to be
    called again (:class:`Poll`), and is, at once when ``stopping`` is set.
    """

    def __init__(self, app: "WSGIApplication", *, threads: int, max_body: int, body_timeout: float,
                 stopping: asyncio.Event | None = None,
                 changes: Callable[[object, object, float], object] =
                 lambda source, seen, timeout: time.sleep(timeout)) -> None:
        self.app = app
        self.max_body = max_body
        self.body_timeout = body_timeout
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sandbox-wsgi")
        self.stopping = stopping or asyncio.Event()
        #: ``changes(source, seen, timeout)``: a token of a poll's source (its newest delivery, say),
        #: at once for ``seen=None``, else once it differs from ``seen`` or ``timeout`` seconds have
        #: passed (the store's :meth:`~ihuyi_sandbox.service.stores.State.wait_for_change`): the
        #: polls check themselves only when it moved, so a thousand waiting polls cost one wait
        self.changes = changes
        #: the current watch of :attr:`changes` of each source: (armed, changed), see :meth:`_watching`
        self._watches: dict[object, tuple[asyncio.Future[None], asyncio.Future[None]]] = {}
        self._waiters: dict[object, int] = {}

    async def __call__(self, scope: "Scope", proto: "HTTPProtocol") -> None:
        refused = None
        try:
            body = await read_body(scope, proto, self.max_body, self.body_timeout)
            length = len(body)
        except RequestEntityTooLarge:
            body, length = b"", max(int(scope.headers.get("content-length") or 0), self.max_body + 1)
        except BodyRefused as exc:
            body, length, refused = b"", 0, exc
        environ = self.environ(scope, body, length)
        if refused:
            environ[BODY_REFUSED] = refused
        loop, poll, stream = asyncio.get_running_loop(), Poll(), Stream()
        environ[POLL], environ[STREAM] = poll, stream
        while True:
            poll.ready, poll.stopping = None, self.stopping.is_set()
            status, headers, content = await loop.run_in_executor(self.pool, self._run, environ)
            if poll.ready is None:
                break
            await self._wait(poll, loop)
            environ["wsgi.input"] = io.BytesIO(body)
        if refused:
            headers += refused.headers
        if stream.event is not None and status == 200:
            await self._stream(proto, headers, stream, loop)
            return
        proto.response_bytes(status, headers, content)  # to a client that left, granian sends nothing

    async def _stream(self, proto: "HTTPProtocol", headers: list[tuple[str, str]], stream: Stream,
                      loop: asyncio.AbstractEventLoop) -> None:
        """Server-sent events (:class:`Stream`): sent from the event loop, each looked up in the
        pool, waiting in between on the watch of :attr:`changes` that every waiter shares."""
        event = stream.event
        assert event is not None
        headers = [(name, value) for name, value in headers if name.lower() != "content-length"]
        transport = proto.response_stream(200, headers)
        ends = time.monotonic() + stream.lasts
        left = asyncio.ensure_future(proto.client_disconnect())
        stopping = asyncio.ensure_future(self.stopping.wait())
        self._join(stream.source)
        try:
            prefix, due = b"retry: 1000\n\n", True
            while not self.stopping.is_set() and not left.done() and (remaining := ends - time.monotonic()) > 0:
                armed, changed = self._watch(stream.source, loop)
                await armed
                if due:  # looked up once the watch has its starting point, so no change is missed
                    await transport.send_bytes(prefix + await loop.run_in_executor(self.pool, event))
                    prefix, due = b"", False
                moved = asyncio.shield(changed)
                await asyncio.wait((moved, left, stopping), timeout=min(stream.heartbeat, remaining),
                                   return_when=asyncio.FIRST_COMPLETED)
                if left.done() or self.stopping.is_set():
                    break
                due = moved.done()
                if not due:
                    moved.cancel()
                    await transport.send_bytes(b": still here\n\n")
        except (ProtocolClosed, ProtocolError, OSError):
            pass  # the client left while an event was on its way
        finally:
            self._leave(stream.source)
            for task in (left, stopping):
                task.cancel()

    async def _wait(self, poll: Poll, loop: asyncio.AbstractEventLoop) -> None:
        """Until ``poll.ready()``, its deadline or the server's stop (seen within an interval).

        ``ready()`` is looked at once the watch has its starting point, so a change between the
        two is never missed."""
        ready, source = poll.ready, poll.source
        assert ready is not None
        self._join(source)
        try:
            while not self.stopping.is_set() and poll.deadline - time.monotonic() > 0:
                armed, changed = self._watch(source, loop)
                await armed
                try:
                    if await loop.run_in_executor(self.pool, ready):
                        return
                except Exception:  # noqa: BLE001 - the store cannot answer: the app, called again, says so
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(changed), poll.deadline - time.monotonic())
        finally:
            self._leave(source)

    def _join(self, source: object) -> None:
        self._waiters[source] = self._waiters.get(source, 0) + 1

    def _leave(self, source: object) -> None:
        self._waiters[source] -= 1
        if not self._waiters[source]:
            del self._waiters[source]

    def _watch(self, source: object, loop: asyncio.AbstractEventLoop) -> tuple["asyncio.Future[None]",
                                                                               "asyncio.Future[None]"]:
        """The current watch of ``source``'s changes that every waiter on it shares: (armed, changed)."""
        if source not in self._watches:
            watch = self._watches[source] = loop.create_future(), loop.create_future()
            loop.create_task(self._watching(loop, source, *watch))
        return self._watches[source]

    async def _watching(self, loop: asyncio.AbstractEventLoop, source: object, armed: "asyncio.Future[None]",
                        changed: "asyncio.Future[None]") -> None:
        """Settle ``changed`` once :attr:`changes` of ``source`` moves from where it was when
        ``armed`` was settled, or the server stops, waiting :data:`POLL_SECONDS` at a time while
        anyone waits on it."""
        try:
            seen = await loop.run_in_executor(self.pool, self.changes, source, None, 0.0)
            armed.set_result(None)
            while self._waiters.get(source) and not self.stopping.is_set():
                if await loop.run_in_executor(self.pool, self.changes, source, seen, POLL_SECONDS) != seen:
                    break
        except Exception:  # noqa: BLE001 - the store cannot answer: the waiters look, and answer that
            pass
        finally:
            del self._watches[source]
            for future in (armed, changed):
                if not future.done():
                    future.set_result(None)

    def _run(self, environ: "WSGIEnvironment") -> tuple[int, list[tuple[str, str]], bytes]:
        app_iter, status, headers = run_wsgi_app(self.app, environ, buffered=True)
        return int(status.split(" ", 1)[0]), headers.to_wsgi_list(), b"".join(app_iter)

    @staticmethod
    def environ(scope: "Scope", body: bytes, content_length: int) -> "WSGIEnvironment":
        """PEP 3333's environ for ``scope``: the path and query, which granian decodes as UTF-8,
        are given back as the latin-1 text of their bytes, as WSGI wants. (Header values come as
        granian gives them: it leaves out any that is not plain ASCII.)"""
        server, _, port = scope.server.rpartition(":")
        environ: WSGIEnvironment = {
            "REQUEST_METHOD": scope.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": _wsgi_text(scope.path),
            "QUERY_STRING": _wsgi_text(scope.query_string),
            "SERVER_NAME": server.strip("[]"),
            "SERVER_PORT": port,
            "SERVER_PROTOCOL": _PROTOCOLS.get(scope.http_version, f"HTTP/{scope.http_version}"),
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
            if "_" in name:
                continue  # as nginx does: it would pass for another header once "-" becomes "_"
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
                continue  # the body was read whole: chunked or not, the app gets it with its length
            if key != "CONTENT_TYPE":
                key = "HTTP_" + key
            environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ


_PROTOCOLS = {"1": "HTTP/1.0", "1.1": "HTTP/1.1"}  # the server speaks HTTP/1 only (server/serve.py)


def _wire_bytes(text: str) -> bytes:
    """The bytes behind text granian decoded as UTF-8."""
    return text.encode("utf-8", "surrogateescape")


def _wsgi_text(text: str) -> str:
    return _wire_bytes(text).decode("latin-1")
