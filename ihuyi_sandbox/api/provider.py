"""``/webservice/voice.php``: the provider API, byte for byte (CONTRACT.md §1–§4).

One request is read (:func:`read_request`), handled by the backend and rendered (:func:`answer`)
by the same functions under two interfaces:

* :class:`ProviderRSGI`, what ``ihuyi-sandbox serve`` runs (granian, RSGI). Requests that arrive
  together are handled together in one transaction, one commit for all (``handle_many``), on
  the event loop: no thread per request, so slow or idle clients, latency and hang faults cost
  a coroutine, not a thread, and no threads fight over the GIL. This is what lets one worker
  answer more journaled Submits a second than WireMock answers static stubs (bench/RESULTS.md).
* :class:`ProviderWSGI`, put in front of the Flask app by :func:`mount`, for WSGI servers and
  Flask's test client: one request, one transaction.

Neither goes through Flask: its per-request machinery costs more than a journaled Submit, and the
provider API needs none of it. The sandbox API and the inbox stay Flask blueprints.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import socket
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import parse_form_data
from werkzeug.wsgi import get_input_stream

from . import faults
from .faults import Reply
from ..rsgi import BodyRefused, client_host, query_bytes, read_body
from ..backend import Outcome
from ..model import Settings
from ..storage import WriteFailed
from ..params import FORM_URLENCODED, MULTIPART, decode_text, media_type, merge, parse_urlencoded
from ..wire import JSON_CONTENT_TYPE, METHODS, XML_CONTENT_TYPE, Answer, Method, render_json, render_xml

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from ..backend import VoiceBackend
    from ..rsgi import HTTPProtocol, Scope

PATH = "/webservice/voice.php"
#: HEAD is answered as GET without the body, OPTIONS with the list, as PHP behind nginx does
ALLOW = "GET, HEAD, OPTIONS, POST"

log = logging.getLogger("ihuyi_sandbox")

Call = tuple[Method, dict[str, str], str]  # (method, params, client IP): what the backend handles


# -- the request and the answer, whatever the interface ----------------------------------------------

def read_request(http_method: str, query: bytes, content_type: str | None, body: bytes,
                 client_ip: str) -> Call | Reply:
    """The call to handle, or the answer already (a wrong HTTP method, an unknown ``method=``).

    The form body is read as PHP reads it: urlencoded (or no Content-Type at all) and multipart
    are parsed; any other Content-Type leaves it unread, as PHP leaves ``$_POST`` empty."""
    if http_method not in ("GET", "POST", "HEAD"):
        if http_method == "OPTIONS":
            return Reply(200, b"", headers=(("Allow", ALLOW),))
        return Reply(405, f"{http_method} is not accepted here: use GET or POST\n".encode(),
                     headers=(("Allow", ALLOW),))
    form: dict[str, str] = {}
    if http_method == "POST":
        kind, charset = media_type(content_type)
        if kind in (FORM_URLENCODED, ""):
            form = parse_urlencoded(body, charset)
        elif kind == MULTIPART:
            form = _multipart(body, content_type or "")
    query_params = parse_urlencoded(query)
    params = merge(query_params, form)
    method = query_params.get("method") or form.get("method", "")
    if method not in METHODS:
        shown = f"unknown method {method!r}" if method else "missing method"
        return text_reply(400, f"{shown}: voice.php answers method=Submit or method=GetNum "
                               "(in the query string, case-sensitive)")
    return method, params, client_ip


def answer(outcome: Outcome, params: dict[str, str], settings: Settings, sock: socket.socket | None = None) -> Reply:
    """The backend's outcome on the wire, its scenario fault carried out (the waits of latency
    and hang are the caller's, who knows how to wait)."""
    fault = outcome.fault
    if fault in ("reset", "hang"):
        return faults.reset_connection(sock)
    if fault is not None and fault.startswith("http_"):
        return faults.gateway_error(int(fault.removeprefix("http_")))
    reply = render(outcome.answer, params.get("format", ""), settings)
    return faults.spoil(reply, fault) if fault else reply


def render(answer: Answer, format: str, settings: Settings) -> Reply:
    """The answer in the requested format: JSON for ``format=json``, XML for anything else."""
    if format.strip().lower() == "json":
        return Reply(200, render_json(answer, settings.num_as_string), JSON_CONTENT_TYPE)
    return Reply(200, render_xml(answer, settings.namespace), XML_CONTENT_TYPE)


def text_reply(status: int, message: str) -> Reply:
    """An answer outside the ihuyi codes: one plain sentence, never a page of HTML."""
    return Reply(status, (message + "\n").encode())


def failure(exc: Exception, max_body: int, http_method: str) -> Reply:
    """The answer to a request that could not be handled: too large, a store that cannot write,
    or a bug of ours (said plainly, with the traceback in the server's log)."""
    if isinstance(exc, RequestEntityTooLarge):
        return text_reply(413, f"request body larger than the {max_body} bytes accepted")
    if isinstance(exc, WriteFailed):  # the store has logged it, once for the whole spell
        return text_reply(503, str(exc))
    log.error("Exception on %s [%s]", PATH, http_method, exc_info=exc)
    return text_reply(500, "internal error of the sandbox while answering voice.php; the server's log has the traceback")


def header_list(reply: Reply) -> list[tuple[str, str]]:
    if not reply.headers:  # nearly every answer
        return [("Content-Type", reply.content_type), ("Content-Length", str(len(reply.body)))]
    headers = [("Content-Type", reply.content_type), *reply.headers]
    if not any(name == "Content-Length" for name, _ in reply.headers):
        headers.append(("Content-Length", str(len(reply.body))))
    return headers


def _multipart(body: bytes, content_type: str) -> dict[str, str]:
    environ = {"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": content_type,
               "REQUEST_METHOD": "POST"}
    _, form, _ = parse_form_data(environ)
    return {key: decode_text(value.encode("utf-8", "surrogateescape")) for key, value in form.items()}


# -- RSGI: what the server runs ------------------------------------------------------------------------

class ProviderRSGI:
    """:data:`PATH` as an RSGI application whose requests are handled in batches on the loop."""

    def __init__(self, backend: "VoiceBackend", max_body: int, body_timeout: float, *,
                 stopping: asyncio.Event | None = None) -> None:
        self.backend = backend
        self.max_body = max_body
        self.body_timeout = body_timeout
        #: the worker's event loop, given before the first request (``SandboxRSGI.__rsgi_init__``)
        self.loop: asyncio.AbstractEventLoop | None = None
        #: set when the server is stopping: a latency or hang fault then answers at once
        self.stopping = stopping or asyncio.Event()
        self._calls: list[Call] = []
        self._waiting: list[asyncio.Future[Outcome]] = []

    async def __call__(self, scope: "Scope", proto: "HTTPProtocol") -> None:
        http_method = scope.method
        try:
            body = await read_body(scope, proto, self.max_body, self.body_timeout) if http_method == "POST" else b""
            call = read_request(http_method, query_bytes(scope), scope.headers.get("content-type"), body,
                                client_host(scope))
            if isinstance(call, Reply):
                reply = call
            else:
                outcome = await self._handle(call)
                if outcome.latency_seconds or outcome.hang_seconds:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.stopping.wait(), outcome.latency_seconds + outcome.hang_seconds)
                reply = answer(outcome, call[1], self.backend.settings)
        except BodyRefused as refused:
            reply = Reply(refused.status, f"{refused.reason}\n".encode(), headers=refused.headers)
        except Exception as exc:  # noqa: BLE001 - answered, as a WSGI server would
            reply = failure(exc, self.max_body, http_method)
        proto.response_bytes(reply.status, header_list(reply), b"" if http_method == "HEAD" else reply.body)

    def _handle(self, call: Call) -> "asyncio.Future[Outcome]":
        """The outcome of ``call``, handled with every other call queued before the loop comes
        round (one transaction, one commit): the batch runs as soon as the loop has taken in
        what had arrived."""
        loop = self.loop or asyncio.get_running_loop()
        future = loop.create_future()
        if not self._calls:
            loop.call_soon(self._run_batch)
        self._calls.append(call)
        self._waiting.append(future)
        return future

    def _run_batch(self) -> None:
        calls, waiting = self._calls, self._waiting
        self._calls, self._waiting = [], []
        # handle_many answers every call, with its outcome or its exception: it never raises
        for future, outcome in zip(waiting, self.backend.handle_many(calls)):
            if future.cancelled():
                continue  # its client left; what it did is journaled all the same
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)


# -- WSGI: in front of the Flask app -----------------------------------------------------------------

def mount(provider: "WSGIApplication", rest: "WSGIApplication") -> Callable[..., Iterable[bytes]]:
    """One WSGI app: ``provider`` answers :data:`PATH`, ``rest`` (the Flask app) everything else."""

    def app(environ: "WSGIEnvironment", start_response: "StartResponse") -> Iterable[bytes]:
        if environ.get("PATH_INFO") == PATH:
            return provider(environ, start_response)
        return rest(environ, start_response)

    return app


class ProviderWSGI:
    """:data:`PATH` as a WSGI application, one request at a time."""

    def __init__(self, backend: "VoiceBackend", max_body: int) -> None:
        self.backend = backend
        self.max_body = max_body

    def __call__(self, environ: "WSGIEnvironment", start_response: "StartResponse") -> Iterable[bytes]:
        http_method = environ.get("REQUEST_METHOD", "GET")
        try:
            body = self._body(environ) if http_method == "POST" else b""
            call = read_request(http_method, environ.get("QUERY_STRING", "").encode("latin-1"),
                                environ.get("CONTENT_TYPE"), body, environ.get("REMOTE_ADDR") or "")
            if isinstance(call, Reply):
                reply = call
            else:
                outcome = self.backend.handle(*call)
                if outcome.latency_seconds or outcome.hang_seconds:
                    time.sleep(outcome.latency_seconds + outcome.hang_seconds)
                reply = answer(outcome, call[1], self.backend.settings, environ.get("werkzeug.socket"))
        except Exception as exc:  # noqa: BLE001
            reply = failure(exc, self.max_body, http_method)
        start_response(_STATUS_LINES[reply.status], header_list(reply))
        return [b"" if http_method == "HEAD" else reply.body]

    def _body(self, environ: "WSGIEnvironment") -> bytes:
        # a chunked body has no length to check first, and werkzeug's stream stops at the limit
        # without a word, so one byte more tells a body too large
        raw = get_input_stream(environ, max_content_length=self.max_body + 1).read()
        if len(raw) > self.max_body:
            raise RequestEntityTooLarge()
        return raw


_STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}
