"""What the service needs of where state lives, as five small protocols: the state (accounts,
lists, the active scenario and deliveries), the journal, the shared counters, the receipt queue
and the workspace registry. ``storage/`` implements them (SQLite for one machine, PostgreSQL for
several instances on one database) and nothing above them changes. Any method may raise
:class:`~ihuyi_sandbox._exceptions.StoreUnavailable` (a database that cannot be reached), and any
that writes :class:`~ihuyi_sandbox._exceptions.WriteFailed`.

A workspace is a store of its own (``storage.open_storage(db, workspace=...)``); the registry
lives in the main store, which is the only one whose :meth:`State.facts` names workspaces.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol

from .records import (MAX_WORKSPACES, Account, Delivery, Facts, JournalEntry, Receipt, ReceiptAttempt, Reply, Seed,
                      Template, Workspace)


class State(Protocol):
    """Accounts, lists, the active scenario and what was delivered."""

    def transaction(self) -> AbstractContextManager[Any]:
        """One transaction that every write of this thread inside it joins, committed at the end
        or rolled back by an exception; inside another, it joins that one. The other three
        protocols' writes join it too."""

    def number_from(self, first: int) -> None:
        """Issue journal ids (and so delivery ids) above ``first`` from now on."""

    def reset(self, seed: Seed) -> None:
        """Replace accounts, blacklist and refused IPs by ``seed``; clear deliveries, journal
        and counters. Ids already issued are never issued again."""

    def activate(self, text: str, source: str, *, reset_to: Seed | None) -> int:
        """Make a scenario (its TOML ``text``) the active one for every worker, clearing the
        counters and, with ``reset_to``, the state; return the new scenario version."""

    def active_scenario(self) -> tuple[int, str, str] | None:
        """(version, source, text) of the active scenario; ``None`` for a never-seeded store."""

    def facts(self, apiid: str, mobile: str, client_ip: str) -> Facts:
        """The account, and whether the IP is refused and the mobile blacklisted, in one read;
        for an APIID that is no account here but a workspace's, that workspace."""

    def deliver(self, entry: JournalEntry, *, receipt_url: str = "", report_at: float = 0.0,
                answer: Callable[[str], bytes] | None = None) -> str | None:
        """Atomically take one unit from the account, record the delivery of ``entry``'s
        content, journal it with the new id (and ``answer(id)``, the answer's bytes) and, with a
        ``receipt_url``, queue its receipt for ``report_at``. ``None`` (and nothing taken,
        nothing journaled) when the balance is 0."""

    def deliveries(self, *, mobile: str | None = None, account: str | None = None, since: float | None = None,
                   before: int | None = None, after: int | None = None, limit: int = 100,
                   product: str | None = None, mobile_prefix: str | None = None,
                   text: str | None = None) -> list[Delivery]:
        """Deliveries, newest first; ``before``/``after`` are ids, for paging and following (with
        ``after``: the ``limit`` oldest above it, so that following never skips one);
        ``mobile_prefix`` is how the mobile starts, ``text`` a part of the text delivered."""

    def watermark(self) -> tuple:
        """A cheap look at what the inbox shows: it differs from the last look once a request was
        answered, a delivery deleted, the scenario switched, an account changed or a push tried."""

    def forget_delivery(self, delivery_id: int) -> bool:
        """Delete one delivery (and so its request from the journal); ``False`` if there is none."""

    def account(self, apiid: str) -> Account | None: ...

    def accounts(self) -> list[Account]: ...

    def create_account(self, account: Account) -> bool:
        """``False`` if the APIID exists already (here, or as a workspace's)."""

    def update_account(self, apiid: str, **fields: object) -> bool:
        """``False`` if there is no such account."""

    def delete_account(self, apiid: str) -> bool: ...

    def listed(self, table: str) -> list[str]:
        """The ``blacklist`` (mobiles) or the ``refused_ips``."""

    def set_listed(self, table: str, value: str, present: bool) -> bool:
        """Add to or remove from a list; ``False`` if nothing changed."""

    def templates(self, *, account: str | None = None, product: str | None = None,
                  status: str | None = None) -> list[Template]:
        """The accounts' own templates, oldest first (the products' built-in ones are not stored)."""

    def add_template(self, template: Template) -> int:
        """Store a template (its ``id`` ignored); the id it was given, 10000 or above."""

    def review_template(self, template_id: int, status: str, reason: str = "") -> bool:
        """Approve or reject a pending template; ``False`` if there is no such pending one."""

    def record_reply(self, reply: Reply) -> int:
        """Store a handset's reply (its ``id`` ignored); the id it was given."""

    def replies(self, *, account: str | None = None, mobile: str | None = None, limit: int = 100) -> list[Reply]:
        """Replies, newest first."""

    def wait_for_change(self, seen: object, timeout: float) -> object:
        """A token that moves whenever something is delivered or the state reset: at once with
        ``seen=None``; else once it differs from ``seen`` (as soon as a store that is told of
        changes hears of one, whichever worker or instance made it), or after ``timeout`` seconds."""


class Journal(Protocol):
    """Every request answered, and keeping it (and the deliveries) within bounds."""

    def record(self, entry: JournalEntry) -> None:
        """Journal a request that took nothing."""

    def journal(self, *, code: int | None = None, method: str | None = None, account: str | None = None,
                mobile: str | None = None, since: float | None = None, before: int | None = None,
                after: int | None = None, limit: int = 100, product: str | None = None,
                **fields: str | int | None) -> list[JournalEntry]:
        """Answered requests, newest first. ``fields`` filter on the rest of what is journaled:
        ``client_ip``, ``voiceid``, ``fault``, ``outcome``, ``units``, ``content`` (the parameter
        sent), ``mobile_prefix`` (how the mobile starts) and ``text`` (a part of the text
        delivered, or of the content sent)."""

    def prune(self, *, keep: int, before: float, batch: int = 500) -> int:
        """Forget all but the newest ``keep`` requests and deliveries, and all older than ``before``."""

    def checkpoint(self) -> None:
        """Fold recent writes into the main store, if the backend has such a step."""


class Counters(Protocol):
    """Named counters every worker shares: what scenario rules count and their states."""

    def bump(self, key: str, by: int = 1) -> int:
        """Add ``by`` to the named counter and return its new value."""

    def counter(self, key: str) -> int: ...

    def compare_and_set(self, key: str, old: int, new: int) -> bool:
        """Set the counter to ``new`` if it holds ``old`` (absent counts as 0)."""

    def count_deliveries(self, *, account: str | None = None, mobile: str | None = None,
                         since: float | None = None, content: str | None = None) -> int: ...


class ReceiptQueue(Protocol):
    """Receipts waiting to be pushed, each attempt claimed once, by the one holder of a lease."""

    def hold_lease(self, name: str, owner: str, now: float, ttl: float) -> bool: ...

    def claim_receipts(self, now: float, *, limit: int, stale_before: float, max_attempts: int,
                       retry_seconds: float) -> list[Receipt]: ...

    def finish_attempt(self, receipt: Receipt, attempt: ReceiptAttempt, *, delivered: bool, max_attempts: int,
                       retry_seconds: float) -> None: ...

    def queue_push(self, push: Receipt) -> int:
        """Queue a push whose ``form`` is fixed now (a reply, a template review) for ``push.next_at``."""

    def flush_receipts(self, now: float) -> int:
        """Make every pending receipt due now; how many."""

    def receipts(self, *, voiceid: str | None = None, account: str | None = None, status: str | None = None,
                 limit: int = 100, kind: str | None = None) -> list[Receipt]: ...


class Registry(Protocol):
    """The workspaces, and which APIIDs are theirs: each APIID is one account's across the sandbox."""

    def add_workspace(self, workspace: Workspace, *, most: int = MAX_WORKSPACES) -> Workspace | None:
        """Register the workspace in the lowest free slot (its ``slot`` ignored), 1 to
        :data:`~ihuyi_sandbox.service.records.MAX_WORKSPACES`; ``None`` if the id is taken;
        :class:`~ihuyi_sandbox._exceptions.Conflict` if ``most`` are registered already (counted
        in the write, so that instances adding at once cannot pass it together)."""

    def workspace(self, workspace_id: str) -> Workspace | None: ...

    def workspaces(self) -> list[Workspace]:
        """Oldest first."""

    def touch_workspace(self, workspace_id: str, now: float) -> None:
        """Note that the workspace was used at ``now``."""

    def remove_workspace(self, workspace_id: str) -> bool:
        """Forget the workspace and its APIIDs; ``False`` if there is none."""

    def claim_apiids(self, workspace_id: str, wanted: Mapping[str, str]) -> dict[str, str]:
        """Give the workspace an APIID for each template APIID (a key of ``wanted``): the one it
        has already, else the candidate (its value) if no account or workspace has it. The
        templates whose candidate was taken are missing from the answer (draw another)."""

    def workspace_apiids(self, workspace_id: str) -> dict[str, str]:
        """The workspace's APIIDs by the template APIID each was made from."""


class Storage(State, Journal, Counters, ReceiptQueue, Registry, Protocol):
    """All five, in one store that can be closed: what the server opens."""

    #: where it is: a file path, ``:memory:`` or a database URL
    path: str

    def check(self) -> None:
        """Return if the database answers a read and its writes are not failing; else raise
        :class:`~ihuyi_sandbox._exceptions.StoreUnavailable`, or its ``WriteFailed``."""

    def close(self) -> None: ...
