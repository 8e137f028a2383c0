"""The request path ``serve`` runs, driven in this process: :class:`SandboxRSGI` with every
product's provider API and the Flask app under it, handed each request as granian hands it over.

werkzeug's test client builds the requests (``data=``, ``json=``, ``query_string=``, headers,
``environ_base={"REMOTE_ADDR": ...}``) and reads the answers; :class:`Driver`, a WSGI callable
for it, turns each request into an RSGI scope and runs it with
:class:`~ihuyi_sandbox.api.inprocess.InProcess`, which gives back what the application sent.
Nothing of the request path is mirrored: a test through the driver runs the same code as a
request to ``serve``, the network aside.
"""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING

from werkzeug.test import Client, TestResponse

from ..api.app import SandboxRSGI, create_app
from ..api.config import Config
from ..api.inprocess import TIMEOUT_SECONDS, Dropped, InProcess, Scope

__all__ = ["Driver", "Dropped", "in_process"]

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


class Driver:
    """A WSGI callable that runs ``app`` (a :class:`SandboxRSGI`) as granian would, in this process."""

    def __init__(self, app: SandboxRSGI) -> None:
        self.app = app
        #: the application's backend, for a test that looks behind the HTTP surface
        self.backend = app.backend
        self.runner = InProcess(app)
        self.loop = self.runner.loop

    def __call__(self, environ: "WSGIEnvironment", start_response: "StartResponse") -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else environ["wsgi.input"].read()
        status, headers, content = self.runner.send(_scope(environ, len(body)), body, TIMEOUT_SECONDS)
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [content]

    def close(self) -> None:
        self.runner.close()


def _scope(environ: "WSGIEnvironment", length: int) -> Scope:
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
    return Scope(method=environ["REQUEST_METHOD"], path=_text(environ.get("PATH_INFO", "/")),
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
