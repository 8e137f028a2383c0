"""A small client of the ihuyi voice verification-code API, for the real service and the sandbox.

    client = VoiceClient("V00000001", "0123456789abcdef0123456789abcdef")
    result = client.send_code("13812345678", "1234")    # SubmitResult(voiceid=..., code=2, ...)
    left = client.balance()

Only the standard library's HTTP and the package's own :mod:`~ihuyi_sandbox.wire` (lxml) are
used, so an application can import this module without Flask or anything else of the server.

Retry policy: **the client retries nothing.** Submit is not idempotent: once the request has left
this machine the call may be placed and charged even if the answer is lost (a timeout, a reset, a
5xx from a gateway after the service answered, a spoiled body), and a second Submit would ring the
user twice. Only the caller knows whether that is acceptable, so every failure is raised at once;
:attr:`TransportError.request_sent` says whether the request had been sent (``False``: the service
never saw it, retrying is safe). GetNum is harmless to repeat, but it is not retried either, so
that one rule holds for every method and a failure is never slower than ``timeout``.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from . import __version__, wire
from .codes import DEFAULT_OUTCOME, OUTCOMES
from .errors import ReceiptError, TransportError, error_for
from .passwords import dynamic_password as sign
from .wire import Answer, Method

__all__ = ["DEFAULT_URL", "DeliveryReceipt", "SubmitResult", "VoiceClient", "parse_answer", "parse_receipt"]

DEFAULT_URL = "http://api.voice.ihuyi.com"
VOICE_PATH = "/webservice/voice.php"
#: a contract answer is a few hundred bytes; anything much longer is not one
MAX_BODY = 64 * 1024
#: the media types each format may carry (the sandbox sends the first; the rest are tolerated
#: because the real service's XML Content-Type is not documented, CONTRACT.md §4)
#: the service's clock: China, UTC+8, no daylight saving
CHINA = timezone(timedelta(hours=8), "CST")
CONTENT_TYPES = {"xml": ("text/xml", "application/xml"), "json": ("application/json",)}


@dataclass(frozen=True)
class SubmitResult:
    """An accepted call: ``voiceid`` is the provider's id of the call, ``code`` is 2."""

    voiceid: str
    code: int
    message: str


class VoiceClient:
    """One ihuyi account at one base URL.

    ``format`` picks the answer format asked for (``xml`` or ``json``); ``dynamic_password``
    signs each request with ``time`` and an md5 instead of sending the APIKEY (CONTRACT.md §5);
    ``timeout`` bounds each whole request, connection included. ``clock`` gives the time the
    dynamic password is signed with (tests pass a skewed one). Thread-safe: each request uses its
    own connection.
    """

    def __init__(self, account: str, apikey: str, base_url: str = DEFAULT_URL, *, format: str = "xml",
                 dynamic_password: bool = False, timeout: float = 10.0,
                 clock: Callable[[], float] = time.time) -> None:
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

    def send_code(self, mobile: str, code: str) -> SubmitResult:
        """Have the service call ``mobile`` and read out ``code`` (4 to 6 digits).

        Raises an :class:`~ihuyi_sandbox.errors.IhuyiError` subclass for any code but 2, and
        :class:`~ihuyi_sandbox.errors.TransportError` when no contract answer came back (the call
        may still have been placed: see the module's retry policy).
        """
        answer = self._call("Submit", {"mobile": mobile, "content": code})
        return SubmitResult(answer.value, answer.code, answer.msg)

    def balance(self) -> int:
        """The calls left on the account (GetNum); raises as :meth:`send_code` does."""
        return int(self._call("GetNum", {}).value)

    def _call(self, method: Method, fields: dict[str, str]) -> Answer:
        form = {"account": self.account, "password": self.apikey, **fields}
        if self.dynamic_password:
            now = str(int(self.clock()))
            form["password"] = sign(self.account, self.apikey, now, fields.get("mobile", ""),
                                    fields.get("content", ""))
            form["time"] = now
        if self.format == "json":
            form["format"] = "json"
        url = f"{self.base_url}{VOICE_PATH}?method={method}"
        status, content_type, body = _post(url, urllib.parse.urlencode(form).encode("utf-8"), self.timeout)
        if status != 200:
            raise TransportError(f"HTTP {status} from {url}: {_snippet(body)}", url, request_sent=True)
        media = content_type.split(";")[0].strip().lower()
        if media not in CONTENT_TYPES[self.format]:
            raise TransportError(f"unexpected Content-Type {content_type!r} from {url} "
                                 f"(expected {CONTENT_TYPES[self.format][0]})", url, request_sent=True)
        try:
            answer = parse_answer(body, method, self.format)
        except TransportError as error:
            raise TransportError(f"{error.message} (from {url})", url, request_sent=True) from None
        if not answer.ok:
            raise error_for(answer.code, method)
        return answer


def parse_answer(body: bytes, method: Method, format: str = "xml") -> Answer:
    """The answer ``body`` holds, read exactly as CONTRACT.md §4 describes (any XML namespace).

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
        answer = wire.parse(body, method, format)
    except wire.MalformedBody as exc:
        raise TransportError(f"body is not a contract answer: {exc}") from None
    if answer.method != method:
        raise TransportError(f"body is not a contract answer: a {answer.method} answer to {method}")
    return answer


@dataclass(frozen=True)
class DeliveryReceipt:
    """What became of a call, as the service POSTs it to the account's receipt URL."""

    code: int
    message: str
    mobile: str
    voiceid: str
    #: when the call ended, in the service's time (China, UTC+8)
    report_time: datetime
    #: the outcome's name: ``answered``, ``unanswered``, ``busy``, ``powered_off``,
    #: ``not_in_service`` or ``rejected``
    outcome: str

    @property
    def answered(self) -> bool:
        return self.outcome == DEFAULT_OUTCOME


RECEIPT_FIELDS = ("code", "msg", "mobilephone", "voiceid", "report_time")
_OUTCOME_BY_CODE = {code: (name, message) for name, (code, message) in OUTCOMES.items()}


def parse_receipt(form: bytes | Mapping[str, str]) -> DeliveryReceipt:
    """Read and check a receipt, for the integrator's own endpoint: the raw form-encoded body, or
    the fields a web framework already parsed. Answer the service ``success`` once it is stored;
    :class:`~ihuyi_sandbox.errors.ReceiptError` means it is not a receipt the service sends."""
    if isinstance(form, (bytes, bytearray)):
        try:
            fields = dict(urllib.parse.parse_qsl(bytes(form).decode("utf-8"), keep_blank_values=True,
                                                 strict_parsing=True))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ReceiptError(f"not a form-encoded UTF-8 body: {exc}") from None
    else:
        fields = dict(form)
    if sorted(fields) != sorted(RECEIPT_FIELDS):
        raise ReceiptError(f"a receipt has the fields {', '.join(RECEIPT_FIELDS)}; got {', '.join(fields) or 'none'}")
    code_text = fields["code"]
    if not code_text.isascii() or not code_text.isdigit() or int(code_text) not in _OUTCOME_BY_CODE:
        raise ReceiptError(f"unknown receipt code {code_text!r}")
    outcome, message = _OUTCOME_BY_CODE[int(code_text)]
    if fields["msg"] != message:
        raise ReceiptError(f"msg {fields['msg']!r} is not the one for code {code_text} ({message!r})")
    if not (fields["voiceid"].isascii() and fields["voiceid"].isdigit() and fields["voiceid"] != "0"):
        raise ReceiptError(f"voiceid {fields['voiceid']!r} is not a voice id")
    if not (fields["mobilephone"].isascii() and fields["mobilephone"].isdigit()):
        raise ReceiptError(f"mobilephone {fields['mobilephone']!r} is not a number")
    try:
        reported = datetime.strptime(fields["report_time"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
    except ValueError:
        raise ReceiptError(f"report_time {fields['report_time']!r} is not YYYY-MM-DD HH:MM:SS") from None
    return DeliveryReceipt(int(code_text), message, fields["mobilephone"], fields["voiceid"], reported, outcome)


def _post(url: str, body: bytes, timeout: float) -> tuple[int, str, bytes]:
    """(status, Content-Type, body) of one POST, on a fresh connection, within ``timeout``.

    http.client rather than urllib: no redirects followed (a redirected POST could be replayed),
    no proxy picked from the environment, and direct control of the socket for the deadline.
    """
    parts = urllib.parse.urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname or "", parts.port, timeout=timeout)
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
               "User-Agent": f"ihuyi-sandbox-client/{__version__}", "Connection": "close"}
    deadline = _Deadline(timeout)
    connected = sent = False
    try:
        connection.connect()
        connected = True
        deadline.watch(connection.sock)
        connection.request("POST", f"{parts.path}?{parts.query}", body, headers)
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


def _snippet(body: bytes) -> str:
    """The first 80 characters of a body, on one line."""
    return " ".join(body.decode("utf-8", "replace").split())[:80]
