"""The asyncio client's transport: one POST with httpx, as the blocking transport makes it (a
fresh connection, no redirect followed, no proxy from the environment, the whole exchange within
``timeout``, at most :data:`MAX_BODY` bytes read), its failures in the blocking transport's words.

httpx rather than aiohttp or a hand-made HTTP/1.1 client: a well-kept library whose request
trace tells exactly whether the request had been sent when a failure came.
"""

from __future__ import annotations

import asyncio
import http.client
import ssl
from collections.abc import Iterator
from typing import Any

import httpx

from .._exceptions import TransportError
from ._transport import HEADERS, MAX_BODY, describe


class AsyncHTTPTransport:
    """Asyncio POSTs, each on a fresh connection (so a client is safe to share between tasks and
    event loops); certificates checked against the system's store, as the blocking client does."""

    def __init__(self) -> None:
        self._tls = ssl.create_default_context()

    async def post(self, url: str, body: bytes, timeout: float) -> tuple[int, str, bytes]:
        """(status, Content-Type, body) of one POST within ``timeout``."""
        progress = _Progress()
        try:
            async with asyncio.timeout(timeout):
                async with httpx.AsyncClient(verify=self._tls, trust_env=False, follow_redirects=False,
                                             timeout=None) as client:
                    async with client.stream("POST", url, content=body, headers=HEADERS,
                                             extensions={"trace": progress.trace}) as response:
                        data = bytearray()
                        async for chunk in response.aiter_raw():
                            data += chunk
                            progress.received = len(data)
                            if len(data) > MAX_BODY:
                                break
                        return response.status_code, response.headers.get("Content-Type", ""), bytes(data)
        except TimeoutError as exc:
            raise TransportError(describe(exc, url, timeout, expired=True, connected=progress.connected), url,
                                 request_sent=progress.sent) from exc
        except httpx.HTTPError as exc:
            raise TransportError(describe(_plain(exc, progress), url, timeout, expired=False,
                                          connected=progress.connected), url, request_sent=progress.sent) from exc


class _Progress:
    """How far the exchange went, from httpcore's trace: connected, request sent, body bytes read."""

    def __init__(self) -> None:
        self.connected = self.sent = self.answering = False
        self.received = 0

    async def trace(self, event: str, info: dict[str, Any]) -> None:
        if event == "http11.send_request_headers.started":
            self.connected = True
        elif event == "http11.send_request_body.complete":
            self.sent = True
        elif event == "http11.receive_response_headers.complete":
            self.answering = True


def _plain(exc: httpx.HTTPError, progress: _Progress) -> BaseException:
    """The standard library's exception for what httpx raised, for :func:`describe`."""
    errors = [cause for cause in _causes(exc) if isinstance(cause, OSError)]
    # the most telling: refused, reset, a name not found, rather than "all attempts failed"
    telling = [error for error in errors if type(error) is not OSError or error.errno is not None]
    if telling or errors:
        return (telling or errors)[0]
    if isinstance(exc, httpx.RemoteProtocolError):
        if progress.answering:
            return http.client.IncompleteRead(b"\0" * progress.received)
        return http.client.RemoteDisconnected(str(exc))
    return http.client.HTTPException(str(exc))


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what caused it, and what caused that..., groups opened."""
    seen: set[int] = set()
    pending = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
