"""Where probes go: a service at a URL (the real one, or a sandbox running elsewhere), or a
throw-away sandbox built in this process on an in-memory database."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from .._exceptions import TransportError
from ..api.app import SandboxRSGI, create_app
from ..api.config import Config
from ..api.inprocess import Dropped, InProcess
from ..client._transport import send
from ..service.scenarios import Scenario


@dataclass(frozen=True)
class Answered:
    """What came back: the HTTP status, the Content-Type (``""`` when none) and the body."""

    status: int
    content_type: str
    body: bytes


class HttpTarget:
    """A service at ``base_url``; each request ends within ``timeout`` seconds, whole."""

    def __init__(self, base_url: str, timeout: float) -> None:
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"{base_url!r} is not a base URL: give http(s)://host[:port][/path]")
        try:
            parts.port  # noqa: B018 - raises on a port that is not a number
        except ValueError:
            raise ValueError(f"{base_url!r}: its port is not a number from 0 to 65535") from None
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        #: what the run says about it: the URL without any user or password in it
        self.label = urllib.parse.urlunsplit(parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port
                                                                                      else ""))).rstrip("/")

    def send(self, http: str, path: str, body: bytes | None) -> Answered:
        """Raises :class:`TransportError` when no HTTP answer came back in time."""
        status, content_type, data = send(http, self.base_url + path, body, self.timeout)
        return Answered(status, content_type, data)

    def close(self) -> None:
        pass


class LocalTarget:
    """A sandbox with ``scenario`` in this process, on a database that is gone when it is."""

    def __init__(self, scenario: Scenario) -> None:
        app = create_app(Config(db=":memory:", scenario=scenario, keep_state=False))
        self.runner = InProcess(SandboxRSGI(app, threads=2, body_timeout=Config.body_timeout))

    def send(self, http: str, path: str, body: bytes | None) -> Answered:
        target, _, query = path.partition("?")
        headers = {"content-type": "application/x-www-form-urlencoded; charset=utf-8"} if body is not None else {}
        try:
            status, header_list, data = self.runner.request(http, target, query, body or b"", headers)
        except Dropped as dropped:
            raise TransportError(f"{dropped} (a scenario's fault)", path, request_sent=True) from None
        content_type = next((value for name, value in header_list if name.lower() == "content-type"), "")
        return Answered(status, content_type, data)

    def close(self) -> None:
        self.runner.close()
