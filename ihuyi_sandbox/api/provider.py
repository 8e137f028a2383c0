"""``/webservice/voice.php``: the provider API, byte for byte (CONTRACT.md §1–§4).

This one path is a plain WSGI application, put in front of the Flask app by :func:`mount`.
Flask's per-request machinery (contexts, URL map, hooks, session) and werkzeug's request and
response objects cost more than the rest of a journaled Submit, and the provider API needs none
of them: without them the sandbox answers about twice as many Submits a second
(bench/RESULTS.md). werkzeug still reads the body (size limit, chunked framing, multipart). The
sandbox API and the inbox, where Flask earns its keep, stay Flask blueprints.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import parse_form_data
from werkzeug.wsgi import get_input_stream

from . import faults
from .faults import Reply
from ..model import Settings
from ..params import FORM_URLENCODED, MULTIPART, decode_text, media_type, merge, parse_urlencoded
from ..wire import JSON_CONTENT_TYPE, METHODS, XML_CONTENT_TYPE, Answer, render_json, render_xml

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from ..backend import VoiceBackend

PATH = "/webservice/voice.php"
#: HEAD is answered as GET without the body, OPTIONS with the list, as PHP behind nginx does
ALLOW = "GET, HEAD, OPTIONS, POST"

log = logging.getLogger("ihuyi_sandbox")


def mount(provider: "WSGIApplication", rest: "WSGIApplication") -> Callable[..., Iterable[bytes]]:
    """One WSGI app: ``provider`` answers :data:`PATH`, ``rest`` (the Flask app) everything else."""

    def app(environ: "WSGIEnvironment", start_response: "StartResponse") -> Iterable[bytes]:
        if environ.get("PATH_INFO") == PATH:
            return provider(environ, start_response)
        return rest(environ, start_response)

    return app


class ProviderAPI:
    """The WSGI application of :data:`PATH`: parse the request, ask the backend, render the answer."""

    def __init__(self, backend: "VoiceBackend", max_body: int) -> None:
        self.backend = backend
        self.max_body = max_body

    def __call__(self, environ: "WSGIEnvironment", start_response: "StartResponse") -> Iterable[bytes]:
        try:
            reply = self.respond(environ)
        except RequestEntityTooLarge:
            reply = _text(413, f"request body larger than the {self.max_body} bytes accepted")
        except Exception:  # a bug of ours: say so plainly, with the traceback in the server's log
            log.exception("Exception on %s [%s]", PATH, environ.get("REQUEST_METHOD"))
            reply = _text(500, "internal error of the sandbox while answering voice.php; "
                               "the server's log has the traceback")
        headers = [("Content-Type", reply.content_type), *reply.headers]
        if not any(name == "Content-Length" for name, _ in reply.headers):
            headers.append(("Content-Length", str(len(reply.body))))
        start_response(_STATUS_LINES[reply.status], headers)
        return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else reply.body]

    def respond(self, environ: "WSGIEnvironment") -> Reply:
        http_method = environ.get("REQUEST_METHOD", "GET")
        if http_method not in ("GET", "POST", "HEAD"):
            if http_method == "OPTIONS":
                return Reply(200, b"", headers=(("Allow", ALLOW),))
            return Reply(405, f"{http_method} is not accepted here: use GET or POST\n".encode(),
                         headers=(("Allow", ALLOW),))
        query = parse_urlencoded(environ.get("QUERY_STRING", "").encode("latin-1"))
        body = self._body_params(environ) if http_method == "POST" else {}
        method = query.get("method") or body.get("method", "")
        if method not in METHODS:
            shown = f"unknown method {method!r}" if method else "missing method"
            return _text(400, f"{shown}: voice.php answers method=Submit or method=GetNum "
                              "(in the query string, case-sensitive)")
        params = merge(query, body)
        backend = self.backend
        outcome = backend.handle(method, params, environ.get("REMOTE_ADDR") or "")
        if outcome.latency_seconds:
            time.sleep(outcome.latency_seconds)
        fault = outcome.fault
        if fault == "reset":
            return faults.reset_connection(environ)
        if fault == "hang":
            return faults.hang(environ, outcome.hang_seconds)
        if fault is not None and fault.startswith("http_"):
            return faults.gateway_error(int(fault.removeprefix("http_")))
        reply = render(outcome.answer, params.get("format", ""), backend.settings)
        return faults.spoil(reply, fault) if fault else reply

    def _body_params(self, environ: "WSGIEnvironment") -> dict[str, str]:
        """The form body as PHP reads it: urlencoded (or no Content-Type at all) and multipart are
        parsed; any other Content-Type leaves the body unread, as PHP leaves ``$_POST`` empty."""
        kind, charset = media_type(environ.get("CONTENT_TYPE"))
        if kind == MULTIPART:
            _, form, _ = parse_form_data(environ, max_content_length=self.max_body)
            return {key: decode_text(value.encode("utf-8", "surrogateescape")) for key, value in form.items()}
        # read (and size-check) it: a chunked body has no length to check first, and werkzeug's
        # stream stops at the limit without a word, so one byte more tells a body too large
        raw = get_input_stream(environ, max_content_length=self.max_body + 1).read()
        if len(raw) > self.max_body:
            raise RequestEntityTooLarge()
        return parse_urlencoded(raw, charset) if kind in (FORM_URLENCODED, "") else {}


def render(answer: Answer, format: str, settings: Settings) -> Reply:
    """The answer in the requested format: JSON for ``format=json``, XML for anything else."""
    if format.strip().lower() == "json":
        return Reply(200, render_json(answer, settings.num_as_string), JSON_CONTENT_TYPE)
    return Reply(200, render_xml(answer, settings.namespace), XML_CONTENT_TYPE)


def _text(status: int, message: str) -> Reply:
    """An error outside the ihuyi codes: one plain sentence, never a page of HTML."""
    return Reply(status, (message + "\n").encode())


_STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}
