"""Pushes to the integrator's URLs, as the real service makes them (docs/contract.md §6, §16):
delivery receipts, handset replies and template reviews.

After an accepted Submit whose account has a receipt URL, a receipt waits in the store for the
call's duration (``receipt_delay_seconds``), then is POSTed form-encoded with ``code``, ``msg``,
``mobilephone``, ``voiceid`` and ``report_time``. The receiver must answer ``success``; anything
else is retried, at most :data:`MAX_ATTEMPTS` attempts, the n-th retry n intervals later.

Replies and template reviews are queued with their form fixed (``service/pushes.py``), for the
account's reply URL, and go the same way: the same retries, policy and record of every attempt.

Every worker process runs a :class:`Dispatcher` thread, but only the holder of a lease in the
store sends: one dispatcher for the whole server, taken over within seconds if its worker dies.
Each workspace is a store of its own, with its own lease, queue and retention; the holder of the
main store's lease also removes the workspaces unused for too long.
Each attempt is claimed in a transaction before it is sent, so it is made once, never twice,
and an attempt cut short by a crash counts as a failed one. The lease holder also approves, each
round, the pending templates whose review is due, and queues their review pushes.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from typing import Protocol
from concurrent.futures import ThreadPoolExecutor

from .._exceptions import StoreUnavailable
from .._loopback import opener
from ..service.pushes import review_due
from ..service.receipts import ReceiptPolicy
from ..service.records import Receipt, ReceiptAttempt, Retention, Settings
from ..service.stores import Journal, ReceiptQueue, State

log = logging.getLogger("ihuyi_sandbox.receipts")

MAX_ATTEMPTS = 3
LEASE = "receipt-dispatcher"
LEASE_SECONDS = 5.0
POLL_SECONDS = 0.1
PRUNE_SECONDS = 5.0
#: the workspaces' stores get a round every this many of the main store's: a hundred idle
#: workspaces would otherwise cost a hundred stores' reads ten times a second
WORKSPACE_ROUNDS = 5


def send(receipt: Receipt, form: dict[str, str], timeout: float,
         clock: Callable[[], float] = time.time) -> tuple[ReceiptAttempt, bool]:
    """One attempt: POST ``form``, and whether the receiver acknowledged it with ``success``. The
    whole attempt ends within ``timeout``, not only each read."""
    body = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(receipt.url, data=body, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                                              "User-Agent": "ihuyi-sandbox receipts"})
    status: int | None = None
    answer, error = b"", ""
    deadline = _Deadline(timeout)
    try:
        try:
            with opener(receipt.url, redirects=False, handlers=deadline.handlers()).open(
                    request, timeout=timeout) as response:
                status, answer = response.status, response.read(4096)
        except urllib.error.HTTPError as exc:
            status, error = exc.code, f"HTTP {exc.code}"
            if exc.headers.get("Location"):  # a redirect is not followed: the receipt goes to its URL only
                error += f", a redirect to {exc.headers['Location']!r} (not followed)"
            answer = exc.read(4096)
    except http.client.HTTPException as exc:
        error = f"the receiver's answer is not HTTP: {type(exc).__name__}: {str(exc)[:200]!r}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        error = "timed out" if isinstance(reason, TimeoutError) or "timed out" in str(reason) else str(reason)
    finally:
        deadline.cancel()
    text = answer.decode("utf-8", "replace")
    delivered = status == 200 and text.strip() == "success"
    if deadline.expired.is_set() and not delivered:
        error = "timed out"
    elif not delivered and not error:
        error = f"the receiver answered {text[:80]!r}, not 'success'"
    return ReceiptAttempt(clock(), receipt.url, status, text[:1000], error), delivered


class _Deadline:
    """Shuts an attempt's connection when its time is up: the socket timeout bounds each read
    only, and a receiver trickling its answer would outlast the stale sweep, which would then
    count the attempt as interrupted while it still runs."""

    def __init__(self, seconds: float) -> None:
        self.expired = threading.Event()
        self._sock: socket.socket | None = None
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def handlers(self) -> list[urllib.request.BaseHandler]:
        return [_WatchedHTTP(self._watch), _WatchedHTTPS(self._watch)]

    def cancel(self) -> None:
        self._timer.cancel()

    def _watch(self, sock: socket.socket) -> None:
        self._sock = sock
        if self.expired.is_set():
            _shut(sock)

    def _expire(self) -> None:
        self.expired.set()
        if self._sock is not None:
            _shut(self._sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # closed already: the attempt is over
        sock.shutdown(socket.SHUT_RDWR)  # wakes the read blocked on it, unlike close()


class _Watching:
    """A handler whose connections hand their socket to ``watch`` once connected."""

    def __init__(self, watch: Callable[[socket.socket], None]) -> None:
        super().__init__()
        self.watch = watch

    def do_open(self, http_class: type[http.client.HTTPConnection], req: urllib.request.Request,
                **kwargs: object) -> http.client.HTTPResponse:
        watch = self.watch

        class Watched(http_class):  # type: ignore[valid-type, misc]
            def connect(self) -> None:
                super().connect()
                watch(self.sock)

        return super().do_open(Watched, req, **kwargs)  # type: ignore[misc]


class _WatchedHTTP(_Watching, urllib.request.HTTPHandler):
    pass


class _WatchedHTTPS(_Watching, urllib.request.HTTPSHandler):
    pass


class Dispatching(State, Journal, ReceiptQueue, Protocol):
    """What the dispatcher needs of the store: the receipt queue, the journal it keeps bounded, and
    the templates it reviews."""

    path: str


#: a store to dispatch for, and how to read its active settings
Source = tuple[Dispatching, Callable[[], Settings]]


class Dispatcher:
    """Sends due receipts from one worker at a time (see the module's docstring), and keeps the
    journal within its :class:`~ihuyi_sandbox.service.records.Retention` while it holds the lease,
    for the main store and each of ``more()`` (the workspaces'). ``form_of`` renders a receipt's
    fields (its product's :meth:`~ihuyi_sandbox.service.products.Product.receipt_form`); ``expire``
    runs with each prune of the main store."""

    def __init__(self, storage: "Dispatching", settings: Callable[[], Settings], policy: ReceiptPolicy,
                 form_of: Callable[[Receipt], dict[str, str]], clock: Callable[[], float] = time.time,
                 retention: Retention = Retention(), more: Callable[[], Iterable[Source]] = tuple,
                 expire: Callable[[], object] = lambda: None) -> None:
        self.storage = storage
        self.form_of = form_of
        self.settings = settings
        self.policy = policy
        self.clock = clock
        self.retention = retention
        self.more = more
        self.expire = expire
        self._pruned_at: dict[str, float] = {}
        self._rounds = -1
        self.owner = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="receipt")
        self._thread = threading.Thread(target=self._run, name="receipt-dispatcher", daemon=True)

    def start(self) -> "Dispatcher":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                self.tick()
            except StoreUnavailable:
                pass  # the store logs the spell once; the next round tries again
            except Exception:  # the dispatcher must outlive any one bad moment (a locked store, say)
                log.exception("receipt dispatcher: this round failed; trying again")

    def tick(self) -> list[Receipt]:
        """One round: for each store whose lease this dispatcher holds, claim what is due and send it."""
        claimed = self._round(self.storage, self.settings, main=True)
        self._rounds += 1
        if self._rounds % WORKSPACE_ROUNDS:
            return claimed
        sources = list(self.more())
        for storage, settings in sources:
            try:
                claimed += self._round(storage, settings)
            except StoreUnavailable:
                pass
            except Exception:  # one workspace's bad moment (removed meanwhile, say) must not stop the others
                log.exception("receipt dispatcher: a workspace's round failed; trying again")
        alive = {self.storage.path, *(storage.path for storage, _ in sources)}
        self._pruned_at = {path: at for path, at in self._pruned_at.items() if path in alive}
        return claimed

    def _round(self, storage: "Dispatching", settings_of: Callable[[], Settings], *, main: bool = False) -> list[Receipt]:
        now = self.clock()
        if not storage.hold_lease(LEASE, self.owner, now, LEASE_SECONDS):
            return []
        if now - self._pruned_at.get(storage.path, 0.0) >= PRUNE_SECONDS:  # the holder keeps the journal bounded
            self._pruned_at[storage.path] = now
            storage.prune(keep=self.retention.max_rows, before=now - self.retention.max_age_seconds)
            storage.checkpoint()
            if main:
                self.expire()
        review_due(storage, now)  # their pushes are claimed below, in this very round
        settings = settings_of()
        claimed = storage.claim_receipts(
            now, limit=32, stale_before=now - settings.receipt_timeout_seconds - LEASE_SECONDS - 5,
            max_attempts=MAX_ATTEMPTS, retry_seconds=settings.receipt_retry_seconds)
        for receipt in claimed:
            self._pool.submit(self._attempt, storage, receipt, settings)
        return claimed

    def _attempt(self, storage: "Dispatching", receipt: Receipt, settings: Settings) -> None:
        # claimed receipts must be finished here: the pool drops what this raises, and the stale
        # sweep would later blame a stop of the sandbox
        try:
            refusal = self.policy.refusal(receipt.url)
            if refusal:
                attempt, delivered = ReceiptAttempt(self.clock(), receipt.url, None, "", refusal), False
            else:
                attempt, delivered = send(receipt, self.form_of(receipt), settings.receipt_timeout_seconds, self.clock)
        except Exception as exc:
            log.exception("%s push %d: the attempt failed in the sandbox", receipt.kind, receipt.id)
            attempt = ReceiptAttempt(self.clock(), receipt.url, None, "", f"the sandbox failed: {exc!r}")
            delivered = False
        try:
            storage.finish_attempt(receipt, attempt, delivered=delivered, max_attempts=MAX_ATTEMPTS,
                                        retry_seconds=settings.receipt_retry_seconds)
        except StoreUnavailable:
            pass  # the store logs the spell once; the stale sweep counts the attempt
        except Exception:
            log.exception("%s push %d: its attempt could not be recorded", receipt.kind, receipt.id)
