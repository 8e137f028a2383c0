"""The provider API of each product, byte for byte (docs/contract.md §1–§4), as the RSGI
application ``serve`` runs on each worker's event loop; the in-process driver of the tests
(:mod:`ihuyi_sandbox.testing.driver`) runs the same one.

Requests that arrive together are handled together in one transaction, one commit for all
(``Backend.handle_many``), on the event loop: no thread per request, so slow or idle clients,
latency and hang faults cost a coroutine, not a thread, and no threads fight over the GIL
(bench/RESULTS.md has the figures). It does not go through Flask: its per-request machinery costs
more than a journaled Submit, and the provider API needs none of it. The sandbox API and the inbox
stay Flask blueprints.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING

from werkzeug.exceptions import RequestEntityTooLarge

from .._exceptions import BodyRefused, StoreUnavailable
from ..service.backend import Outcome, Request
from ..service.faults import FAULTS
from ..service.records import Settings
from ..wire.answers import Answer, render_json, render_xml
from ..wire.forms import answer_format, request_params
from ..wire.replies import DROP, Reply, text_reply
from .bridge import client_host, query_bytes, read_body

if TYPE_CHECKING:
    from granian.rsgi import HTTPProtocol, Scope

    from ..service.backend import Backend
    from ..service.products import Product, Route

#: HEAD is answered as GET without the body, OPTIONS with the list, as PHP behind nginx does
ALLOW = "GET, HEAD, OPTIONS, POST"

log = logging.getLogger("ihuyi_sandbox")


def read_request(candidates: tuple["Product", ...], route: "Route", http_method: str, query: bytes,
                 content_type: str | None, body: bytes, client_ip: str, host: str = "") -> Request | Reply:
    """The call to handle, or the answer already (a wrong HTTP method, an unknown ``method=``).

    ``candidates`` are the products answering on the path, its default first; a ``Host`` naming
    one of the real service's hosts narrows them (docs/contract.md §9)."""
    if http_method not in ("GET", "POST", "HEAD"):
        if http_method == "OPTIONS":
            return Reply(200, b"", headers=(("Allow", ALLOW),))
        return text_reply(405, f"{http_method} is not accepted here: use GET or POST", (("Allow", ALLOW),))
    query_params, params = request_params(query, content_type, body)
    name = route.method or query_params.get("method") or params.get("method", "")
    having = tuple(p for p in candidates if p.method(name) is not None)
    if not having:
        shown = f"unknown method {name!r}" if name else "missing method"
        names = dict.fromkeys(m for p in candidates for m in p.api().names)
        accepted = " or ".join(f"method={n}" for n in names)
        return text_reply(400, f"{shown}: {route.path.rsplit('/', 1)[-1]} answers {accepted} "
                               "(in the query string, case-sensitive)")
    if len(having) > 1 and host:
        hostname = _hostname(host)
        named = tuple(p for p in having if hostname in p.hosts)
        having = named or having
    return Request(having, name, params, client_ip)


def _hostname(host: str) -> str:
    """The name in a ``Host`` header, its port left out."""
    name = host.rpartition(":")[0] if host.rfind(":") > host.rfind("]") else host
    return name.strip("[]").lower().rstrip(".")


def written(answer: Answer, fault: str | None, params: Mapping[str, str], settings: Settings,
            route: "Route") -> Reply:
    """``answer`` in the format the request and its route ask for, ``fault`` carried out."""
    reply = render(answer, route.format or answer_format(params), settings, route.num_as_number)
    return FAULTS[fault].carry_out(reply) if fault else reply


def render(answer: Answer, format: str, settings: Settings, num_as_number: bool = False) -> Reply:
    """The answer in the requested format: JSON for ``json``, XML for anything else."""
    if format == "json":
        return Reply(200, render_json(answer, settings.num_as_string and not num_as_number),
                     settings.json_content_type)
    return Reply(200, render_xml(answer, settings.namespace), settings.xml_content_type)


def failure(exc: Exception, max_body: int, path: str, http_method: str) -> Reply:
    """The answer to a request that could not be handled: too large, a store that cannot write,
    or a bug of ours (said plainly, with the traceback in the server's log)."""
    if isinstance(exc, RequestEntityTooLarge):
        return text_reply(413, f"request body larger than the {max_body} bytes accepted")
    if isinstance(exc, StoreUnavailable):  # the store has logged it, once for the whole spell
        return text_reply(503, str(exc))
    log.error("Exception on %s [%s]", path, http_method, exc_info=exc)
    return text_reply(500, f"internal error of the sandbox while answering {path.rsplit('/', 1)[-1]}; "
                           "the server's log has the traceback")


class ProviderRSGI:
    """One path of the provider API (the products answering on it, its default first) as an RSGI
    application whose requests are handled in batches on the loop."""

    def __init__(self, backend: "Backend", entries: tuple[tuple["Product", "Route"], ...], max_body: int,
                 body_timeout: float, *, stopping: asyncio.Event | None = None) -> None:
        self.backend = backend
        self.candidates = tuple(product for product, _ in entries)
        self.route = entries[0][1]
        self.shared = len(entries) > 1
        self.max_body = max_body
        self.body_timeout = body_timeout
        #: the worker's event loop, given before the first request (``SandboxRSGI.__rsgi_init__``)
        self.loop: asyncio.AbstractEventLoop | None = None
        #: set when the server is stopping: a latency or hang fault then answers at once
        self.stopping = stopping or asyncio.Event()
        self._calls: list[Request] = []
        self._waiting: list[asyncio.Future[Outcome]] = []

    async def __call__(self, scope: "Scope", proto: "HTTPProtocol") -> None:
        http_method = scope.method
        try:
            body = await read_body(scope, proto, self.max_body, self.body_timeout) if http_method == "POST" else b""
            request = read_request(self.candidates, self.route, http_method, query_bytes(scope),
                                   scope.headers.get("content-type"), body, client_host(scope),
                                   scope.headers.get("host", "") if self.shared else "")
            if isinstance(request, Reply):
                reply = request
            else:
                kept: list[Reply] = []
                outcome = await self._handle(request._replace(render=partial(self._body, request.params, kept)))
                if outcome.latency_seconds or outcome.hang_seconds:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.stopping.wait(), outcome.latency_seconds + outcome.hang_seconds)
                reply = kept[-1]  # the backend renders every outcome it journals
        except BodyRefused as refused:
            reply = text_reply(refused.status, refused.reason, refused.headers)
        except Exception as exc:  # noqa: BLE001 - answered, as a WSGI server would
            reply = failure(exc, self.max_body, self.route.path, http_method)
        proto.response_bytes(reply.status, reply.header_list, b"" if http_method == "HEAD" else reply.body)

    def _body(self, params: Mapping[str, str], kept: list[Reply], answer: Answer, fault: str | None,
              settings: Settings) -> bytes:
        """The body the client gets for ``answer`` (nothing, for a dropped connection): what the
        journal keeps. The reply is kept for the client too, rendered once; the backend renders
        the outcome's answer last (a batch handled again renders it again)."""
        reply = written(answer, fault, params, settings, self.route)
        kept.append(reply)
        return b"" if reply is DROP else reply.body

    def _handle(self, request: Request) -> "asyncio.Future[Outcome]":
        """The outcome of ``request``, handled with every other call queued before the loop comes
        round (one transaction, one commit): the batch runs as soon as the loop has taken in
        what had arrived."""
        loop = self.loop or asyncio.get_running_loop()
        future = loop.create_future()
        if not self._calls:
            loop.call_soon(self._run_batch)
        self._calls.append(request)
        self._waiting.append(future)
        return future

    def _run_batch(self) -> None:
        calls, waiting = self._calls, self._waiting
        self._calls, self._waiting = [], []
        try:  # handle_many answers every call with its outcome or its exception, and never raises...
            outcomes = self.backend.handle_many(calls)
        except Exception as exc:  # noqa: BLE001 - ...but a bug that made it raise must not leave them waiting
            outcomes = [exc] * len(calls)
        for future, outcome in zip(waiting, outcomes):
            if future.cancelled():
                continue  # its client left; what it did is journaled all the same
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
