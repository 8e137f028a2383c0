"""One request (a POST, or a GET) over http.client, within a deadline for the whole exchange, its
failures described in plain words as :class:`~ihuyi_sandbox.errors.TransportError`."""

from __future__ import annotations

import http.client
import socket
import threading
import urllib.parse

from .. import __version__
from .._exceptions import TransportError

#: a contract answer is a few hundred bytes; anything much longer is not one
MAX_BODY = 64 * 1024


def post(url: str, body: bytes, timeout: float) -> tuple[int, str, bytes]:
    """(status, Content-Type, body) of one POST of a form, on a fresh connection, within ``timeout``."""
    return send("POST", url, body, timeout)


def send(method: str, url: str, body: bytes | None, timeout: float) -> tuple[int, str, bytes]:
    """(status, Content-Type, body) of one request (a ``body`` is a form), on a fresh connection,
    within ``timeout``.

    http.client rather than urllib: no redirects followed (a redirected POST could be replayed),
    no proxy picked from the environment, and direct control of the socket for the deadline.
    """
    parts = urllib.parse.urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname or "", parts.port, timeout=timeout)
    headers = {"User-Agent": f"ihuyi-sandbox-client/{__version__}", "Connection": "close"}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    deadline = _Deadline(timeout)
    connected = sent = False
    try:
        connection.connect()
        connected = True
        deadline.watch(connection.sock)
        connection.request(method, f"{parts.path}?{parts.query}" if parts.query else parts.path or "/", body, headers)
        sent = True
        response = connection.getresponse()
        data = response.read(MAX_BODY + 1)
        status, content_type = response.status, response.getheader("Content-Type", "")
    except (OSError, http.client.HTTPException) as exc:
        expired = deadline.stop()
        raise TransportError(_describe(exc, url, timeout, expired=expired, connected=connected), url,
                             request_sent=sent) from exc
    finally:
        deadline.stop()
        connection.close()
    if deadline.expired:  # the deadline cut the body short, whatever the read returned
        raise TransportError(f"no answer within {timeout} s from {url}", url, request_sent=True)
    return status, content_type, data


class _Deadline:
    """Shuts the socket down once ``seconds`` have passed since the request began.

    A socket timeout bounds each wait for bytes, not their sum: a server that trickles its
    headers could hold the caller for many timeouts. Shutting the socket down wakes any read at
    once, so the whole exchange ends within ``timeout``.
    """

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._done = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket | None) -> None:
        with self._lock:
            self._sock = sock
            if self.expired:
                _shut(sock)

    def stop(self) -> bool:
        """Stop watching; whether the deadline had already passed."""
        with self._lock:
            self._done = True
        self._timer.cancel()
        return self.expired

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            _shut(self._sock)


def _shut(sock: socket.socket | None) -> None:
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _describe(exc: Exception, url: str, timeout: float, *, expired: bool, connected: bool) -> str:
    """What happened, in plain words, for a transport failure."""
    if expired or isinstance(exc, TimeoutError):
        return f"no answer within {timeout} s from {url}" if connected else \
            f"no connection within {timeout} s to {url}"
    if isinstance(exc, http.client.RemoteDisconnected):
        return f"connection closed by {url} without an answer"
    if isinstance(exc, ConnectionResetError):
        return f"connection reset by {url}"
    if isinstance(exc, ConnectionRefusedError):
        return f"connection refused by {url}"
    if isinstance(exc, http.client.IncompleteRead):
        return f"answer from {url} cut short after {len(exc.partial)} bytes"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve the host of {url}: {exc.strerror}"
    if isinstance(exc, http.client.HTTPException):
        return f"not an HTTP answer from {url}: {type(exc).__name__} {exc}"
    return f"network error with {url}: {getattr(exc, 'strerror', None) or exc}"
