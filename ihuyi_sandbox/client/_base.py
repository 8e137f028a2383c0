"""What every product's client shares: the account, signing, the request, reading the answer."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from .._exceptions import IhuyiError, MalformedBody, TransportError
from ..wire.answers import CONTENT_TYPES, Answer, Api
from ..wire.passwords import dynamic_password as sign
from ._transport import MAX_BODY, post


@dataclass(frozen=True)
class Submitted:
    """An accepted submission: ``id`` is the provider's id of it (``smsid``, ``ismsid`` or
    ``voiceid``), ``code`` is 2."""

    id: str
    code: int
    message: str


class BaseClient:
    """One account of one product at one base URL. A product's client names its ``path``, its
    ``api`` (methods and answer shapes) and ``error_for`` (its codes table's errors).

    ``format`` picks the answer format asked for (``xml`` or ``json``); ``dynamic_password``
    signs each request with ``time`` and an md5 instead of sending the APIKEY (docs/contract.md
    §5); ``timeout`` bounds each whole request, connection included. ``clock`` gives the time the
    dynamic password is signed with (tests pass a skewed one). Thread-safe: each request uses its
    own connection.
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

    def _call(self, method: str, fields: dict[str, str], *, signed: bool = True) -> Answer:
        """One request; ``signed=False`` sends the APIKEY even with ``dynamic_password`` (a method
        the service documents no dynamic password for, AddTemplate)."""
        form = {"account": self.account, "password": self.apikey, **fields}
        if self.dynamic_password and signed:
            now = str(int(self.clock()))
            form["password"] = sign(self.account, self.apikey, now, fields.get("mobile", ""),
                                    fields.get("content", ""))
            form["time"] = now
        if self.format == "json":
            form["format"] = "json"
        url = f"{self.base_url}{self.path}?method={method}"
        status, content_type, body = post(url, urllib.parse.urlencode(form).encode("utf-8"), self.timeout)
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

    def _submit(self, fields: dict[str, str]) -> Submitted:
        answer = self._call("Submit", {k: v for k, v in fields.items() if v is not None})
        return Submitted(answer.value, answer.code, answer.msg)

    def balance(self) -> int:
        """The units left on the account (GetNum). Raises an
        :class:`~ihuyi_sandbox.errors.IhuyiError` subclass for any code but 2, and
        :class:`~ihuyi_sandbox.errors.TransportError` when no contract answer came back."""
        return int(self._call("GetNum", {}).value)


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
