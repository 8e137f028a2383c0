"""The application ``serve`` runs, whole: :func:`create_app` builds the backend and the Flask app
of the sandbox's own pages, :class:`SandboxRSGI` puts each product's provider API in front of it."""

from __future__ import annotations

import asyncio
import functools
import signal
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, abort, request
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from .._exceptions import StoreUnavailable
from ..service.backend import Backend
from ..service.products import by_path, routes
from ..service.workspaces import Workspaces
from ..storage import open_storage, remove_storage
from . import inbox, provider, sandbox, workspaces
from .bridge import BODY_REFUSED, WSGIBridge
from .config import Config

if TYPE_CHECKING:
    from granian.rsgi import HTTPProtocol, Scope

EXTENSION = sandbox.BACKEND


def create_app(config: Config | None = None) -> Flask:
    config = config or Config()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body
    app.json.sort_keys = False  # type: ignore[attr-defined]
    # raw UTF-8, as the provider API answers: one way of writing Chinese in every JSON answer
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    storage = open_storage(config.db, pool_size=config.db_pool)
    if config.attach:
        backend = Backend.attach(storage, policy=config.receipt_policy)
    else:
        if config.scenario is None:
            raise ValueError("a Config needs a scenario unless it attaches to a running server's")
        backend = Backend(storage, config.scenario, policy=config.receipt_policy)
        backend.start(keep_state=config.keep_state)
    app.extensions[EXTENSION] = backend
    app.extensions[sandbox.WORKSPACES] = Workspaces(
        backend, lambda workspace: open_storage(config.db, workspace=workspace, pool_size=config.db_pool),
        lambda workspace: remove_storage(config.db, workspace), config.workspaces)
    app.config[sandbox.ADMIN_TOKEN] = config.admin_token
    app.config[sandbox.SCENARIOS_DIR] = config.scenarios_dir
    app.config[sandbox.ALLOWED_HOSTS] = frozenset(name.lower().rstrip(".") for name in config.allowed_hosts)
    app.register_blueprint(sandbox.bp)
    app.register_blueprint(workspaces.bp)
    # every call of the sandbox API again, for one workspace (api/workspaces.py)
    app.register_blueprint(sandbox.bp, name="workspace", url_prefix="/_sandbox/workspaces/<workspace>")
    app.register_blueprint(inbox.bp)
    app.register_error_handler(HTTPException, _http_error)
    # the store has logged it, once for the whole spell: no traceback per request
    app.register_error_handler(StoreUnavailable, lambda exc: _http_error(ServiceUnavailable(str(exc))))
    app.before_request(_refuse_unread_body)
    return app


class SandboxRSGI:
    """The RSGI application ``serve`` runs: each product's provider API on the event loop, in
    batches (:class:`~ihuyi_sandbox.api.provider.ProviderRSGI`), and the rest of the Flask app (the
    sandbox API, the inbox) in a pool of threads (:class:`~ihuyi_sandbox.api.bridge.WSGIBridge`)."""

    def __init__(self, app: Flask, *, threads: int, body_timeout: float) -> None:
        max_body = app.config["MAX_CONTENT_LENGTH"]
        self.backend = backend = backend_of(app)
        self.stopping = asyncio.Event()
        def surface(entries: tuple) -> provider.ProviderRSGI:
            return provider.ProviderRSGI(backend, entries, max_body, body_timeout, stopping=self.stopping)

        table = routes()
        self.providers = {path: surface(entries) for path, entries in table.items()}
        # a base URL ending in /_<selector> picks one product on a path it shares (docs/contract.md §9)
        self.providers |= {f"/_{product.selector}{path}": surface(((product, route),))
                           for path, entries in table.items() for product, route in entries}
        storage = backend.storage
        self.workspaces = workspaces_of(app)
        self.rest = WSGIBridge(app, threads=threads, max_body=max_body, body_timeout=body_timeout,
                               stopping=self.stopping,
                               changes=lambda source, seen, timeout: (source or storage).wait_for_change(seen, timeout))

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Hand the worker's event loop on before the first request, so that no request asks for
        it (``asyncio.get_running_loop()`` makes a system call each time)."""
        for surface in self.providers.values():
            surface.loop = loop

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        """The worker's event loop (:meth:`bind`), and the stopping signals.

        granian tells an RSGI app nothing when it is asked to stop: it stops accepting, waits for
        the requests in flight, and only then calls ``__rsgi_del__``; its arbiter kills a worker
        that takes longer than ``workers_kill_timeout``. So the stopping signals are heard here
        too, beside granian's handler (the loop's, which stays), and what waits answers at once.
        """
        self.bind(loop)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, functools.partial(self._stopping, loop, signal.getsignal(sig)))

    def _stopping(self, loop: asyncio.AbstractEventLoop, previous: Any, signum: int, frame: Any) -> None:
        loop.call_soon_threadsafe(self.stopping.set)
        if callable(previous):
            previous(signum, frame)

    def __rsgi__(self, scope: "Scope", proto: "HTTPProtocol") -> Awaitable[None]:
        # granian awaits what this returns: routing needs no coroutine of its own
        surface = self.providers.get(scope.path)
        return surface(scope, proto) if surface is not None else self.rest(scope, proto)


def backend_of(app: Flask) -> Backend:
    return app.extensions[EXTENSION]


def workspaces_of(app: Flask) -> Workspaces:
    return app.extensions[sandbox.WORKSPACES]


def _refuse_unread_body() -> None:
    refused = request.environ.get(BODY_REFUSED)
    if refused:
        abort(refused.status, refused.reason)


def _allowed(error: HTTPException) -> list[str]:
    methods = getattr(error, "valid_methods", None) or ["GET", "POST"]
    return sorted(set(methods) - {"HEAD", "OPTIONS"})


def _http_error(error: HTTPException) -> Response:
    """Errors outside the ihuyi codes: a plain sentence, JSON under ``/_sandbox/``, never a page
    of HTML or a traceback."""
    message = {
        404: f"no such path {request.path!r}: the provider API is {', '.join(by_path())}, the sandbox's is /_sandbox/",
        405: f"{request.method} is not accepted here: use {' or '.join(_allowed(error))}",
        413: f"request body larger than the {request.max_content_length} bytes accepted",
    }.get(error.code or 500, error.description or error.name)
    if request.path.startswith("/_sandbox/"):
        from flask import jsonify

        response = jsonify(error=message, status=error.code)
    else:
        response = Response(message + "\n", content_type="text/plain; charset=utf-8")
    response.status_code = error.code or 500
    for name, value in error.get_headers():
        if name.lower() in ("allow", "retry-after", "www-authenticate"):
            response.headers[name] = value
    return response
