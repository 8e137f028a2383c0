"""What every product's client shares, blocking or asyncio: the account, signing, the request,
reading the answer. A product's methods are written once (a ``_Core`` subclass in its product
module) and end in ``self._call(method, fields, then)``: the blocking base does the exchange and
returns ``then(answer)``, the asyncio base returns a coroutine of it; only the transport differs."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from .._exceptions import IhuyiError, MalformedBody, TransportError
from ..wire.answers import CONTENT_TYPES, Answer, Api
from ..wire.passwords import dynamic_password as sign
from ._transport import MAX_BODY, HTTPTransport

if TYPE_CHECKING:
    from ._async_transport import AsyncHTTPTransport

T = TypeVar("T")


@dataclass(frozen=True)
class Submitted:
    """An accepted submission: ``id`` is the provider's id of it (``smsid``, ``ismsid`` or
    ``voiceid``), ``code`` is 2."""

    id: str
    code: int
    message: str


class _Core:
    """One account of one product at one base URL, and what is said and read, without I/O. A
    product's client names its ``path``, its ``api`` (methods and answer shapes) and ``error_for``
    (its codes table's errors).

    ``format`` picks the answer format asked for (``xml`` or ``json``); ``dynamic_password``
    signs each request with ``time`` and an md5 instead of sending the APIKEY (docs/contract.md
    §5); ``timeout`` bounds each whole request, connection included. ``clock`` gives the time the
    dynamic password is signed with (tests pass a skewed one). Safe to share between threads and
    tasks: each request uses its own connection.
    """

    #: the real service's base URL, used when none is given
    default_url: str
    path: str
    api: Api
    error_for: Callable[[int, str], IhuyiError]

    def __init__(self, account: str, apikey: str, base_url: str | None = None, *, format: str = "xml",
                 dynamic_password: bool = False, timeout: float = 10.0,
                 clock: Callable[[], float] = time.time) -> None:
        base_url = self.default_url if base_url is None else base_url
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"base_url must be http(s)://host[:port][/path], got {base_url!r}")
        _ = parts.port  # raises ValueError on a port that is not a number
        if format not in CONTENT_TYPES:
            raise ValueError(f"format must be 'xml' or 'json', got {format!r}")
        if not timeout > 0:
            raise ValueError(f"timeout must be positive, got {timeout!r}")
        self.account = account
        self.apikey = apikey
        self.base_url = base_url.rstrip("/")
        self.format = format
        self.dynamic_password = dynamic_password
        self.timeout = float(timeout)
        self.clock = clock
        self._open()

    def _open(self) -> None:
        """Make what the requests need once the options are checked (the asyncio client: its
        transport)."""

    def _call(self, method: str, fields: dict[str, str], then: Callable[[Answer], T], *,
              signed: bool = True) -> Any:
        """``then`` of the answer to one request (a coroutine of it, for the asyncio client);
        ``signed=False`` sends the APIKEY even with ``dynamic_password`` (a method the service
        documents no dynamic password for, AddTemplate)."""
        raise NotImplementedError

    def _request(self, method: str, fields: dict[str, str], signed: bool) -> tuple[str, bytes]:
        """The URL and the form body of one request."""
        form = {"account": self.account, "password": self.apikey, **fields}
        if self.dynamic_password and signed:
            now = str(int(self.clock()))
            form["password"] = sign(self.account, self.apikey, now, fields.get("mobile", ""),
                                    fields.get("content", ""))
            form["time"] = now
        if self.format == "json":
            form["format"] = "json"
        return f"{self.base_url}{self.path}?method={method}", urllib.parse.urlencode(form).encode("utf-8")

    def _answer(self, url: str, method: str, status: int, content_type: str, body: bytes) -> Answer:
        """The success an exchange brought; an ihuyi code raised as its error, anything else as a
        :class:`TransportError`."""
        if status != 200:
            raise TransportError(f"HTTP {status} from {url}: {_snippet(body)}", url, request_sent=True)
        media = content_type.split(";")[0].strip().lower()
        if media not in CONTENT_TYPES[self.format]:
            raise TransportError(f"unexpected Content-Type {content_type!r} from {url} "
                                 f"(expected {CONTENT_TYPES[self.format][0]})", url, request_sent=True)
        try:
            answer = read_answer(self.api, body, method, self.format)
        except TransportError as error:
            raise TransportError(f"{error.message} (from {url})", url, request_sent=True) from None
        if not answer.ok:
            raise self.error_for(answer.code, method)
        return answer

    def _submit(self, fields: dict[str, str | None]) -> Any:
        return self._call("Submit", {k: v for k, v in fields.items() if v is not None}, _submitted)

    def balance(self) -> int:
        """The units left on the account (GetNum). Raises an
        :class:`~ihuyi_sandbox.errors.IhuyiError` subclass for any code but 2, and
        :class:`~ihuyi_sandbox.errors.TransportError` when no contract answer came back."""
        return self._call("GetNum", {}, _count)


class BaseClient(_Core):
    """A blocking client (see :class:`_Core` for the options): each method returns when the
    answer has been read."""

    transport = HTTPTransport()

    def _call(self, method: str, fields: dict[str, str], then: Callable[[Answer], T], *,
              signed: bool = True) -> T:
        url, body = self._request(method, fields, signed)
        return then(self._answer(url, method, *self.transport.post(url, body, self.timeout)))


class AsyncBaseClient(_Core):
    """An asyncio client with the blocking one's methods, options, errors and retry policy
    (none), each method a coroutine; it needs httpx (``pip install 'ihuyi-sandbox[async]'``)."""

    transport: AsyncHTTPTransport

    def _open(self) -> None:
        try:
            from ._async_transport import AsyncHTTPTransport
        except ModuleNotFoundError as missing:
            if (missing.name or "").split(".")[0] not in ("httpx", "httpcore", "anyio", "h11", "sniffio"):
                raise
            raise ModuleNotFoundError("the asyncio client needs httpx, which is not installed here; install it "
                                      "with: pip install 'ihuyi-sandbox[async]'", name=missing.name) from None
        self.transport = AsyncHTTPTransport()

    async def _call(self, method: str, fields: dict[str, str], then: Callable[[Answer], T], *,
                    signed: bool = True) -> T:
        url, body = self._request(method, fields, signed)
        return then(self._answer(url, method, *await self.transport.post(url, body, self.timeout)))

    if TYPE_CHECKING:
        async def balance(self) -> int: ...


def _submitted(answer: Answer) -> Submitted:
    return Submitted(answer.value, answer.code, answer.msg)


def _count(answer: Answer) -> int:
    return int(answer.value)


def read_answer(api: Api, body: bytes, method: str, format: str = "xml") -> Answer:
    """The answer ``body`` holds, read exactly as docs/contract.md §4 describes (any XML namespace).

    Failure codes are returned, not raised: they are answers. Anything that is not a contract
    answer to ``method`` raises :class:`TransportError`, never a parser's own exception.
    """
    if format not in CONTENT_TYPES:
        raise ValueError(f"format must be 'xml' or 'json', got {format!r}")
    if not body:
        raise TransportError("empty body: not a contract answer")
    if len(body) > MAX_BODY:
        raise TransportError(f"body is not a contract answer: over {MAX_BODY} bytes")
    try:
        answer = api.parse(body, method, format)
    except MalformedBody as exc:
        raise TransportError(f"body is not a contract answer: {exc}") from None
    if answer.method != method:
        raise TransportError(f"body is not a contract answer: a {answer.method} answer to {method}")
    return answer


def _snippet(body: bytes) -> str:
    """The first 80 characters of a body, on one line."""
    return " ".join(body.decode("utf-8", "replace").split())[:80]
