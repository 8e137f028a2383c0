"""State in one SQLite file (stdlib ``sqlite3``, WAL), shared by every worker process.

Each process and thread opens its own connection (a connection must never cross a ``fork``).
Every write is one short ``BEGIN IMMEDIATE`` transaction, so SQLite's write lock serialises
balance takes across processes: K concurrent Submits against a balance of B give min(K, B)
successes. ``synchronous=NORMAL`` in WAL mode keeps every committed transaction through a crash
of the server's processes (only a power loss can roll back the last few).

Writes can be grouped: :meth:`SQLiteStorage.transaction` opens one transaction that every write
of this thread joins (a nested one joins it too). The server answers the provider requests that
arrive together in one such transaction (``Backend.handle_many``): a commit costs the same WAL
write whatever it holds, so one commit for a dozen requests instead of a dozen is most of the
sandbox's speed (bench/RESULTS.md). Each request is still answered only after that commit.

The worker processes take turns to write on a lock file beside the database (``flock``) before
they ask SQLite: a writer that finds SQLite's lock taken sleeps (1 ms, 2 ms, 5 ms… up to
100 ms), while one blocked in ``flock`` wakes the moment the lock is free.

``:memory:`` gives a private in-process database for tests: one connection behind a lock.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, replace
from functools import lru_cache
from types import TracebackType

from .._exceptions import Conflict, WriteFailed
from ..service.records import (MAX_WORKSPACES, Account, Delivery, Facts, JournalEntry, Limits, Receipt, ReceiptAttempt,
                               Reply, Seed, Template, Workspace)

#: the outcome of a delivery that records none: those journaled before outcomes were recorded
DEFAULT_OUTCOME = "answered"

log = logging.getLogger("ihuyi_sandbox")

WAL_SIZE_LIMIT = 16 * 1024 * 1024
#: writes that fail for want of disk count as one spell of failure until this long passes
#: without one: a nearly full disk still takes small writes between the big ones it refuses,
#: and each would otherwise be logged as a recovery
RECOVERED_AFTER_SECONDS = 1.0

#: how many forks lie between the process that imported this module and this one: connections
#: and the lock file's descriptor are this process's own only if they were opened in this
#: generation (cheaper to compare than ``os.getpid()``, a system call, on every statement)
_generation = 0


def _forked() -> None:
    global _generation
    _generation += 1


os.register_at_fork(after_in_child=_forked)

#: the schema's version (``PRAGMA user_version``): 2 since deliveries are a view of the journal,
#: 3 since it holds the family (products, units, templates, replies and pushes of every kind), 4
#: since it holds the workspace registry, 5 since the journal keeps each answer's bytes
SCHEMA_VERSION = 5

#: a delivery's voice id, 20 decimal digits like the real service's: the second of the call, then
#: its journal id (read back with the row, and returned by the INSERT that delivers it)
_DELIVERY_VOICE_ID = "printf('%010d%010d', CAST(time AS INTEGER), id)"
#: the voice id of any journal row: the journal's own ``voiceid`` column holds the ones given to
#: other answers (it is empty for a delivery's)
_VOICE_ID = f"CASE WHEN code = 2 AND method = 'Submit' THEN {_DELIVERY_VOICE_ID} ELSE voiceid END"

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID",
    """CREATE TABLE IF NOT EXISTS accounts (
    apiid TEXT PRIMARY KEY, apikey TEXT NOT NULL, balance INTEGER NOT NULL,
    frozen INTEGER NOT NULL DEFAULT 0, auto_frozen INTEGER NOT NULL DEFAULT 0,
    registered_ips TEXT NOT NULL DEFAULT '[]', receipt_url TEXT NOT NULL DEFAULT '',
    products TEXT NOT NULL DEFAULT '[]', reply_url TEXT NOT NULL DEFAULT '', limits TEXT NOT NULL DEFAULT '{}')""",
    "CREATE TABLE IF NOT EXISTS blacklist (mobile TEXT PRIMARY KEY) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS refused_ips (ip TEXT PRIMARY KEY) WITHOUT ROWID",
    # AUTOINCREMENT: an id is never issued twice, resets and pruning included; voice ids derive from it
    """CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, client_ip TEXT NOT NULL,
    method TEXT NOT NULL, account TEXT NOT NULL, mobile TEXT NOT NULL, params TEXT NOT NULL,
    code INTEGER, voiceid TEXT NOT NULL, fault TEXT, outcome TEXT,
    product TEXT NOT NULL DEFAULT 'voice', units INTEGER NOT NULL DEFAULT 1, text TEXT, answer BLOB)""",
    # A delivery is a successful Submit's journal row, read through this view: a copy in a table
    # of its own (schema version 1) was a large share of the SQLite work of a Submit. The partial
    # indexes serve the inbox's lookups and the scenario limits' counts (by mobile or account,
    # within a time window), which run inside the write transaction of every Submit.
    f"""CREATE VIEW IF NOT EXISTS deliveries AS
    SELECT id, {_VOICE_ID} AS voiceid, account, mobile,
           coalesce(text, json_extract(params, '$.content'), '') AS content,
           time, coalesce(outcome, '{DEFAULT_OUTCOME}') AS outcome, product, units
    FROM journal WHERE code = 2 AND method = 'Submit'""",
    "CREATE INDEX IF NOT EXISTS deliveries_mobile ON journal (mobile, time) WHERE code = 2 AND method = 'Submit'",
    "CREATE INDEX IF NOT EXISTS deliveries_account ON journal (account, time) WHERE code = 2 AND method = 'Submit'",
    """CREATE TABLE IF NOT EXISTS receipts (
    id INTEGER PRIMARY KEY, voiceid TEXT NOT NULL, account TEXT NOT NULL, mobile TEXT NOT NULL,
    outcome TEXT NOT NULL, url TEXT NOT NULL, report_at REAL NOT NULL, status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, next_at REAL NOT NULL, claimed_at REAL,
    product TEXT NOT NULL DEFAULT 'voice', kind TEXT NOT NULL DEFAULT 'receipt', form TEXT)""",
    "CREATE INDEX IF NOT EXISTS receipts_due ON receipts (status, next_at)",
    "CREATE INDEX IF NOT EXISTS receipts_voiceid ON receipts (voiceid)",
    """CREATE TABLE IF NOT EXISTS receipt_attempts (
    id INTEGER PRIMARY KEY, receipt_id INTEGER NOT NULL, time REAL NOT NULL, url TEXT NOT NULL,
    status INTEGER, body TEXT NOT NULL, error TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS receipt_attempts_receipt ON receipt_attempts (receipt_id)",
    "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
    # an account's own templates; the products' built-in ones (ids below 10000) are not stored
    """CREATE TABLE IF NOT EXISTS templates (
    id INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, product TEXT NOT NULL, content TEXT NOT NULL,
    status TEXT NOT NULL, created REAL NOT NULL, review_at REAL, reason TEXT NOT NULL DEFAULT '')""",
    "CREATE INDEX IF NOT EXISTS templates_account ON templates (account, product)",
    "INSERT INTO sqlite_sequence (name, seq) SELECT 'templates', 9999 "
    "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'templates')",
    """CREATE TABLE IF NOT EXISTS replies (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, account TEXT NOT NULL, mobile TEXT NOT NULL,
    content TEXT NOT NULL, smsid TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS workspaces (
    id TEXT PRIMARY KEY, created REAL NOT NULL, used REAL NOT NULL, token_hash TEXT NOT NULL DEFAULT '',
    scenario TEXT NOT NULL DEFAULT '', slot INTEGER NOT NULL UNIQUE) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS workspace_accounts (
    apiid TEXT PRIMARY KEY, workspace TEXT NOT NULL, template TEXT NOT NULL, UNIQUE (workspace, template))
    WITHOUT ROWID""",
    "INSERT OR IGNORE INTO meta (key, value) VALUES ('scenario_version', 0)",
    # A successful Submit is one INSERT into the journal: this trigger takes the unit, or aborts
    # the whole statement when none is left, inside that one statement's transaction.
    """CREATE TRIGGER IF NOT EXISTS submit_success AFTER INSERT ON journal
WHEN NEW.code = 2 AND NEW.method = 'Submit'
BEGIN
    SELECT RAISE(ABORT, 'balance exhausted')
    WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE apiid = NEW.account AND balance >= NEW.units);
    UPDATE accounts SET balance = balance - NEW.units WHERE apiid = NEW.account;
END""",
)


#: what the sandbox's schema names, in versions 1 to 4
_OWN_NAMES = frozenset({"meta", "accounts", "blacklist", "refused_ips", "journal", "deliveries", "receipts",
                        "receipt_attempts", "counters", "templates", "replies", "workspaces", "workspace_accounts"})
#: the columns of ``deliveries``: version 1's table and version 2's view, and version 3's view
_DELIVERIES_COLUMNS = ["id", "voiceid", "account", "mobile", "content", "time", "outcome"]
_DELIVERIES_COLUMNS_3 = [*_DELIVERIES_COLUMNS, "product", "units"]


def _check_usable(db: sqlite3.Connection) -> None:
    """Refuse a file this version cannot use, before anything in it is changed: one written by a
    newer version, or holding another program's tables (a wrong ``--db``). Usable: the sandbox's
    at version 2, or at 0 (empty, written by version 1, which did not number its schema, or
    copied by a dump, which drops the number).

    Call it inside a transaction: its reads must see one snapshot, or a process that creates the
    schema between them would make a good file look like a stranger's."""
    (version,) = db.execute("PRAGMA user_version").fetchone()
    if version > SCHEMA_VERSION:
        raise sqlite3.DatabaseError(f"the database was written by a newer ihuyi-sandbox (schema version "
                                    f"{version}); this one reads versions up to {SCHEMA_VERSION}")
    kinds = dict(db.execute("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') "
                            "AND name NOT LIKE 'sqlite_%'").fetchall())
    columns = [row[1] for row in db.execute("PRAGMA table_info(deliveries)")]
    ours = (version in (0, 2, 3, 4, SCHEMA_VERSION) and kinds.keys() <= _OWN_NAMES
            and ("deliveries" not in kinds or columns == _DELIVERIES_COLUMNS_3
                 or version < 3 and columns == _DELIVERIES_COLUMNS)
            and (version == 0 or kinds.get("deliveries") == "view"))
    if not ours:
        raise sqlite3.DatabaseError(f"the file holds tables that ihuyi-sandbox did not write "
                                    f"({', '.join(sorted(kinds))}; schema version {version}); it is left as it is")


def _create_schema(db: sqlite3.Connection) -> None:
    """Create the schema, or bring a database written by an earlier version up to this one
    (inside the caller's write transaction, so that one process does it and the others find it
    done; :func:`_check_usable` has vetted the file before)."""
    (version,) = db.execute("PRAGMA user_version").fetchone()  # another process may have upgraded it since
    if version < 5 and _has_table(db, "journal") and "answer" not in _columns(db, "journal"):
        # version 5 keeps each answer's bytes (NULL for the requests answered before)
        db.execute("ALTER TABLE journal ADD COLUMN answer BLOB")
    if version < 3:
        # version 3 adds columns (a product, the units taken, an account's products, reply URL and
        # limits, a push's kind and fixed form) and redefines the view and the trigger over them
        for table, column in _COLUMNS_3:
            if _has_table(db, table) and column.split()[0] not in _columns(db, table):
                db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
        if _kind(db, "deliveries") == "view":
            db.execute("DROP VIEW deliveries")
        db.execute("DROP TRIGGER IF EXISTS submit_success")
    if version < 2:
        # version 1 copied each delivery into a table, from a trigger that also wrote the voice
        # id into the journal row: the view reads the same rows (the copy was pruned with them)
        db.execute("DROP TRIGGER IF EXISTS submit_success")
        if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'deliveries'").fetchone():
            db.execute("DROP TABLE deliveries")
    for statement in SCHEMA:
        db.execute(statement)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


_COLUMNS_3 = (("journal", "product TEXT NOT NULL DEFAULT 'voice'"), ("journal", "units INTEGER NOT NULL DEFAULT 1"),
              ("journal", "text TEXT"),
              ("accounts", "products TEXT NOT NULL DEFAULT '[]'"), ("accounts", "reply_url TEXT NOT NULL DEFAULT ''"),
              ("accounts", "limits TEXT NOT NULL DEFAULT '{}'"), ("receipts", "product TEXT NOT NULL DEFAULT 'voice'"),
              ("receipts", "kind TEXT NOT NULL DEFAULT 'receipt'"), ("receipts", "form TEXT"))


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    return _kind(db, name) == "table"


def _kind(db: sqlite3.Connection, name: str) -> str | None:
    row = db.execute("SELECT type FROM sqlite_master WHERE name = ?", (name,)).fetchone()
    return row[0] if row else None


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]


_FACTS = """
SELECT (SELECT count(*) FROM refused_ips WHERE ip = ?1),
       (SELECT count(*) FROM blacklist WHERE mobile = ?2),
       (SELECT value FROM meta WHERE key = 'scenario_version'),
       (SELECT workspace FROM workspace_accounts WHERE apiid = ?3),
       a.apiid, a.apikey, a.balance, a.frozen, a.auto_frozen, a.registered_ips, a.receipt_url, a.products,
       a.reply_url, a.limits
FROM (SELECT 1) LEFT JOIN accounts a ON a.apiid = ?3
"""
#: what moves when the inbox has something new to show: the newest request, a deletion, the active
#: scenario, the accounts' balances and states, the newest push attempt and how many pushes wait
_WATERMARK = """
SELECT (SELECT coalesce(max(id), 0) FROM journal), (SELECT value FROM counters WHERE key = 'inbox:deleted'),
       (SELECT value FROM meta WHERE key = 'scenario_version'),
       (SELECT group_concat(apiid || ' ' || apikey || ' ' || balance || ' ' || frozen || auto_frozen || registered_ips
                            || receipt_url || ' ' || products || reply_url || ' ' || limits, ',') FROM accounts),
       (SELECT coalesce(max(id), 0) FROM receipt_attempts),
       (SELECT count(*) FROM receipts WHERE status IN ('pending', 'sending'))
"""
_JOURNAL_INSERT = """
INSERT INTO journal (time, client_ip, method, account, mobile, params, code, voiceid, fault, outcome, product, units,
                     text, answer)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
#: a delivery's row, its id given
_DELIVER = _JOURNAL_INSERT.replace("(time,", "(id, time,", 1).replace("VALUES (", "VALUES (?, ", 1)
#: the id the journal's next row takes (one past the highest AUTOINCREMENT ever gave) and the voice
#: id of a delivery at ``?`` seconds with it
_NEXT_DELIVERY = f"""
SELECT id, {_DELIVERY_VOICE_ID}
FROM (SELECT ? AS time, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'journal'), 0) + 1 AS id)
"""


def _write_failure(exc: BaseException) -> str | None:
    """Why the store cannot write, if ``exc`` is the machine's doing (a full disk, an I/O error)
    rather than a bug of ours."""
    if isinstance(exc, sqlite3.OperationalError):
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF  # the primary code of an extended one
        return str(exc) if code in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR) else None
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO):
        return exc.strerror or str(exc)
    return None


class _WriteHealth:
    """Whether this process's writes are failing for want of disk: one log line as a spell of
    failures begins, one as it ends, however many requests it refuses in between."""

    #: what the log says as a spell begins (the database, the reason) and as it ends (the database)
    BEGINS = "ihuyi-sandbox cannot write its database %s (%s): requests that write are answered 503 until it can"
    ENDS = "ihuyi-sandbox writes its database %s again"

    def __init__(self, path: str) -> None:
        self.path = path
        self.failing = False
        self.last_failure = 0.0
        self.reason = ""
        self._lock = threading.Lock()

    def failed(self, reason: str) -> None:
        with self._lock:
            self.last_failure = time.monotonic()
            self.reason = reason
            if self.failing:
                return
            self.failing = True
        log.error(self.BEGINS, self.path, reason)

    def recent(self) -> str | None:
        """The reason of a failure within :data:`RECOVERED_AFTER_SECONDS`, else ``None``: an idle
        store whose disk has room again is well, though no write has said so yet."""
        if self.failing and time.monotonic() - self.last_failure < RECOVERED_AFTER_SECONDS:
            return self.reason
        return None

    def succeeded(self) -> None:
        if not self.failing:
            return
        with self._lock:
            if not self.failing or time.monotonic() - self.last_failure < RECOVERED_AFTER_SECONDS:
                return
            self.failing = False
        log.warning(self.ENDS, self.path)


class SQLiteStorage:
    """The embedded default :class:`~ihuyi_sandbox.storage.Storage`."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._memory = path == ":memory:"
        self._local = threading.local()
        self._lock = threading.RLock()
        self._write_lock = threading.RLock()
        self._shared: sqlite3.Connection | None = None
        self._writing = 0  # depth of this process's write turn (under _write_lock)
        self._lock_fd: tuple[int, int] | None = None  # (generation, descriptor) of the lock file
        self._health = _WriteHealth(path)
        if not self._memory:
            with self._connection() as db:
                db.execute("BEGIN")  # one snapshot for the check, which comes before WAL mode changes the file
                try:
                    _check_usable(db)
                finally:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                db.execute("PRAGMA journal_mode=WAL")
        with self.transaction() as db:
            _create_schema(db)

    # -- connections -----------------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=not self._memory,
                             timeout=30.0)
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA busy_timeout=30000")
        # after each checkpoint that empties the WAL, cut the file back: a long run's WAL
        # otherwise keeps the largest size it ever reached (bench/RESULTS.md, soak)
        db.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
        return db

    def checkpoint(self) -> None:
        """Copy the WAL into the database without waiting on anyone (the background thread calls it)."""
        with self._connection() as db:
            db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def wait_for_change(self, seen: object, timeout: float) -> object:
        """A token of what the inbox shows (:meth:`watermark`); with a ``seen`` token, once
        ``timeout`` has passed (SQLite tells nobody of a change: this looks once a ``timeout``)."""
        if seen is not None:
            time.sleep(timeout)
        return self.watermark()

    def _connection(self, *, write: bool = False) -> "_Turn":
        """``with`` it: this thread's connection; with ``write``, also this process's write turn
        and then this worker's turn among the processes (see the module's docstring)."""
        return _Turn(self, write)

    def _thread_connection(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "generation", None) != _generation:
            local.db, local.generation = self._open(), _generation
        return local.db

    def _lock_file(self) -> int:
        """This process's descriptor of the lock file (one per process: ``flock`` locks belong
        to an open file, which a ``fork`` would share)."""
        if self._lock_fd is None or self._lock_fd[0] != _generation:
            self._lock_fd = (_generation, os.open(self.path + "-lock", os.O_RDWR | os.O_CREAT, 0o644))
        return self._lock_fd[1]

    def transaction(self) -> "_Transaction":
        """``with`` it: one transaction for every write of this thread inside it, committed at
        the end (or rolled back by an exception). Inside another, it joins that one."""
        return _Transaction(self)

    def _abandon(self, db: sqlite3.Connection) -> None:
        """Close this thread's connection, which SQLite rolls back; the next use opens another.
        (The in-memory database lives in its one connection: it is kept, whatever it holds.)"""
        if self._memory:
            return
        try:
            db.close()
        except sqlite3.Error:
            pass
        self._local.generation = None

    def close(self) -> None:
        if self._memory:
            return
        local = self._local
        if getattr(local, "generation", None) == _generation:
            local.db.close()
        if self._lock_fd is not None and self._lock_fd[0] == _generation:
            os.close(self._lock_fd[1])
            self._lock_fd = None
        self._local = threading.local()

    # -- state -------------------------------------------------------------------------------
    def number_from(self, first: int) -> None:
        with self.transaction() as db:
            row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'journal'").fetchone()
            db.execute("DELETE FROM sqlite_sequence WHERE name = 'journal'")
            db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('journal', ?)", (max(first, row[0] if row else 0),))

    def reset(self, seed: Seed) -> None:
        with self.transaction() as db:
            self._reset(db, seed)

    def _reset(self, db: sqlite3.Connection, seed: Seed) -> None:
        for table in ("accounts", "blacklist", "refused_ips", "journal", "counters", "receipts",
                      "receipt_attempts", "templates", "replies"):
            db.execute(f"DELETE FROM {table}")
        db.executemany(_ACCOUNT_INSERT, map(_account_row, seed.accounts))
        db.executemany("INSERT INTO templates (id, account, product, content, status, created, review_at, reason) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", map(_template_row, seed.templates))
        db.executemany("INSERT INTO blacklist VALUES (?)", [(m,) for m in sorted(seed.blacklist)])
        db.executemany("INSERT INTO refused_ips VALUES (?)", [(ip,) for ip in sorted(seed.refused_ips)])

    def activate(self, text: str, source: str, *, reset_to: Seed | None) -> int:
        with self.transaction() as db:
            if reset_to is not None:
                self._reset(db, reset_to)
            else:
                db.execute("DELETE FROM counters")
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                           [("scenario_text", text), ("scenario_source", source)])
            (version,) = db.execute("UPDATE meta SET value = value + 1 WHERE key = 'scenario_version' "
                                    "RETURNING value").fetchone()
        return version

    def active_scenario(self) -> tuple[int, str, str] | None:
        with self._connection() as db:
            rows = dict(db.execute("SELECT key, value FROM meta WHERE key IN "
                                   "('scenario_version', 'scenario_source', 'scenario_text')").fetchall())
        if "scenario_source" not in rows:
            return None
        return rows["scenario_version"], rows["scenario_source"], rows["scenario_text"]

    def facts(self, apiid: str, mobile: str, client_ip: str) -> Facts:
        with self._connection() as db:
            row = db.execute(_FACTS, (client_ip, mobile, apiid)).fetchone()
        return Facts(account=_account(row[4:]), ip_refused=bool(row[0]), mobile_blacklisted=bool(row[1]),
                     scenario_version=row[2], workspace=row[3])

    def account(self, apiid: str) -> Account | None:
        with self._connection() as db:
            row = db.execute("SELECT * FROM accounts WHERE apiid = ?", (apiid,)).fetchone()
        return None if row is None else _account(row)

    def deliver(self, entry: JournalEntry, *, receipt_url: str = "", report_at: float = 0.0,
                answer: Callable[[str], bytes] | None = None) -> str | None:
        with self.transaction() as db:
            # the id is known before the row is written (this transaction holds the write lock), and
            # so the voice id: the answer that carries it is written with the row, not after it
            journal_id, voiceid = db.execute(_NEXT_DELIVERY, (entry.time,)).fetchone()
            written = answer(voiceid) if answer is not None else None
            try:
                db.execute(_DELIVER, (journal_id, *_journal_row(entry, "", written)))
            except sqlite3.IntegrityError as exc:
                if "balance exhausted" in str(exc):  # the trigger's RAISE(ABORT): this statement only
                    return None
                raise
            if receipt_url:
                db.execute("INSERT INTO receipts (voiceid, account, mobile, outcome, url, report_at, status, next_at, "
                           "product) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                           (voiceid, entry.account, entry.mobile, entry.outcome or DEFAULT_OUTCOME, receipt_url,
                            report_at, report_at, entry.product))
        return voiceid

    def record(self, entry: JournalEntry) -> None:
        with self._connection(write=True) as db:
            db.execute(_JOURNAL_INSERT, _journal_row(entry, entry.voiceid))

    def deliveries(self, *, mobile: str | None = None, account: str | None = None, since: float | None = None,
                   before: int | None = None, after: int | None = None, limit: int = 100,
                   product: str | None = None, mobile_prefix: str | None = None,
                   text: str | None = None) -> list[Delivery]:
        where, args = _where(mobile=mobile, account=account, since=since, before=before, after=after, product=product,
                             mobile_prefix=mobile_prefix, text=text)
        # the page's ids first, then its rows: sorting whole rows of the view would compute
        # every delivery's voice id and content, which grows with the deliveries to one number
        with self._connection() as db:
            rows = db.execute("SELECT voiceid, account, mobile, content, time, id, outcome, coalesce("
                              "(SELECT status FROM receipts r WHERE r.voiceid = d.voiceid AND r.kind = 'receipt'), "
                              "'none'), product, units, (SELECT fault FROM journal j WHERE j.id = d.id) "
                              "FROM deliveries d "
                              f"WHERE id IN (SELECT id FROM deliveries{where} ORDER BY id {_order(after)} LIMIT ?)",
                              (*args, limit)).fetchall()
        return sorted((Delivery(*row) for row in rows), key=lambda d: -d.id)

    def journal(self, *, code: int | None = None, method: str | None = None, account: str | None = None,
                mobile: str | None = None, since: float | None = None, before: int | None = None,
                after: int | None = None, limit: int = 100, product: str | None = None,
                **fields: str | int | None) -> list[JournalEntry]:
        unknown = set(fields) - set(_JOURNAL_FIELDS)
        if unknown:
            raise ValueError(f"the journal has no field {sorted(unknown)}")
        where, args = _where(_JOURNAL_FIELDS, code=code, method=method, account=account, mobile=mobile, since=since,
                             before=before, after=after, product=product, **fields)
        with self._connection() as db:
            rows = db.execute(f"SELECT time, client_ip, method, params, code, {_VOICE_ID}, fault, id, outcome, product, "
                              f"units, text, answer FROM journal{where} ORDER BY id {_order(after)} LIMIT ?",
                              (*args, limit)).fetchall()
        entries = (JournalEntry(t, ip, m, json.loads(p), c, v, f, i, o, pr, u, x, a)
                   for t, ip, m, p, c, v, f, i, o, pr, u, x, a in rows)
        return sorted(entries, key=lambda e: -e.id)

    def watermark(self) -> tuple:
        with self._connection() as db:
            return db.execute(_WATERMARK).fetchone()

    def check(self) -> None:
        with self._connection() as db:
            db.execute("SELECT 1").fetchone()
        reason = self._health.recent()
        if reason is not None:
            raise WriteFailed(reason)

    def forget_delivery(self, delivery_id: int) -> bool:
        with self.transaction() as db:
            if db.execute("DELETE FROM journal WHERE id = ? AND code = 2 AND method = 'Submit'",
                          (delivery_id,)).rowcount == 0:
                return False
            # seen by watermark(): a deletion moves nothing else it reads
            db.execute("INSERT INTO counters VALUES ('inbox:deleted', 1) ON CONFLICT (key) DO UPDATE "
                       "SET value = value + 1")
        return True

    def accounts(self) -> list[Account]:
        with self._connection() as db:
            rows = db.execute("SELECT * FROM accounts ORDER BY apiid").fetchall()
        return [a for a in map(_account, rows) if a is not None]

    def create_account(self, account: Account) -> bool:
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM workspace_accounts WHERE apiid = ?", (account.apiid,)).fetchone():
                return False
            try:
                db.execute(_ACCOUNT_INSERT, _account_row(account))
            except sqlite3.IntegrityError:
                return False
        return True

    def delete_account(self, apiid: str) -> bool:
        with self._connection(write=True) as db:
            return db.execute("DELETE FROM accounts WHERE apiid = ?", (apiid,)).rowcount > 0

    def listed(self, table: str) -> list[str]:
        column = _LISTS[table]
        with self._connection() as db:
            return [row[0] for row in db.execute(f"SELECT {column} FROM {table} ORDER BY {column}")]

    def set_listed(self, table: str, value: str, present: bool) -> bool:
        column = _LISTS[table]
        with self._connection(write=True) as db:
            if present:
                return db.execute(f"INSERT OR IGNORE INTO {table} VALUES (?)", (value,)).rowcount > 0
            return db.execute(f"DELETE FROM {table} WHERE {column} = ?", (value,)).rowcount > 0

    def update_account(self, apiid: str, **fields: object) -> bool:
        unknown = set(fields) - {"balance", "frozen", "auto_frozen", "apikey", "registered_ips", "receipt_url",
                                 "products", "reply_url", "limits"}
        if unknown:
            raise ValueError(f"accounts have no field {sorted(unknown)}")
        values = [_column_value(k, v) for k, v in fields.items()]
        with self._connection(write=True) as db:
            if not fields:
                return db.execute("SELECT 1 FROM accounts WHERE apiid = ?", (apiid,)).fetchone() is not None
            return db.execute(f"UPDATE accounts SET {', '.join(f'{k} = ?' for k in fields)} WHERE apiid = ?",
                              (*values, apiid)).rowcount > 0

    def count_deliveries(self, *, account: str | None = None, mobile: str | None = None,
                         since: float | None = None, content: str | None = None) -> int:
        where, args = _where(account=account, mobile=mobile, since=since, content=content)
        with self._connection() as db:
            (count,) = db.execute(f"SELECT count(*) FROM deliveries{where}", args).fetchone()
        return count

    def counter(self, key: str) -> int:
        with self._connection() as db:
            row = db.execute("SELECT value FROM counters WHERE key = ?", (key,)).fetchone()
        return 0 if row is None else row[0]

    def compare_and_set(self, key: str, old: int, new: int) -> bool:
        with self.transaction() as db:
            current = db.execute("SELECT value FROM counters WHERE key = ?", (key,)).fetchone()
            if (0 if current is None else current[0]) != old:
                return False
            db.execute("INSERT OR REPLACE INTO counters VALUES (?, ?)", (key, new))
        return True

    # -- retention ---------------------------------------------------------------------------
    def prune(self, *, keep: int, before: float, batch: int = 500) -> int:
        """Forget all but the newest ``keep`` requests (with their deliveries) and everything
        older than ``before``, in short batches, so that a request waits for one batch at most,
        never for the whole prune.

        Both bounds are found first, by reads that take no lock, as one journal id below which
        everything goes; each batch then deletes a range of ids. Ids grow with time, so "older"
        is "before the first request made at ``before`` or later" (after a clock set back, a
        few older requests may wait for the count to take them)."""
        with self._connection() as db:
            row = db.execute("SELECT id FROM journal ORDER BY id DESC LIMIT 1 OFFSET ?", (keep,)).fetchone()
            by_count = row[0] + 1 if row else 0
            # one statement, one snapshot: a request committed between two could be counted as old
            (by_age,) = db.execute("SELECT coalesce((SELECT id FROM journal WHERE time >= ? ORDER BY id LIMIT 1), "
                                   "(SELECT coalesce(max(id), 0) + 1 FROM journal))", (before,)).fetchone()
        floor, pruned = max(by_count, by_age), 0
        while True:
            with self.transaction() as db:
                (low,) = db.execute("SELECT min(id) FROM journal").fetchone()
                if low is None or low >= floor:
                    break
                below = min(floor, low + batch)
                pruned += db.execute("DELETE FROM journal WHERE id < ?", (below,)).rowcount
            time.sleep(0)  # let the requests waiting for the write lock through between batches
        with self.transaction() as db:
            old = "status IN ('sent', 'failed') AND (report_at < ? OR id <= (SELECT id FROM receipts ORDER BY id DESC LIMIT 1 OFFSET ?))"
            db.execute(f"DELETE FROM receipt_attempts WHERE receipt_id IN (SELECT id FROM receipts WHERE {old})",
                       (before, keep))
            db.execute(f"DELETE FROM receipts WHERE {old}", (before, keep))
        return pruned

    # -- receipts ---------------------------------------------------------------------------
    def hold_lease(self, name: str, owner: str, now: float, ttl: float) -> bool:
        """Take or keep the named lease for ``ttl`` seconds; ``False`` if another owner holds it.

        A lease of ``owner``'s own with more than half its time left is kept without a write: the
        dispatcher asks ten times a second, and each write would queue behind the workers' (and
        make them queue behind it) for nothing."""
        key = f"lease:{name}"
        with self._connection() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is not None:
            holder, until = _lease(row[0])
            if holder == owner and until - now > ttl / 2:
                return True
        with self.transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            if row is not None:
                holder, until = _lease(row[0])
                if holder != owner and until > now:
                    return False
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, f"{owner}@{now + ttl}"))
        return True

    def claim_receipts(self, now: float, *, limit: int, stale_before: float, max_attempts: int,
                       retry_seconds: float) -> list[Receipt]:
        """Claim the receipts due now (one attempt each). Receipts claimed before ``stale_before``
        and never finished were cut short (a crash): that attempt counts, failed.

        Asked ten times a second, it looks first, without the write lock, whether anything is due."""
        with self._connection() as db:
            if db.execute("SELECT 1 FROM receipts WHERE (status = 'pending' AND next_at <= ?) "
                          "OR (status = 'sending' AND claimed_at < ?) LIMIT 1", (now, stale_before)).fetchone() is None:
                return []
        with self.transaction() as db:
            stale = db.execute("SELECT id, url, attempts FROM receipts WHERE status = 'sending' AND claimed_at < ?",
                               (stale_before,)).fetchall()
            for receipt_id, url, attempts in stale:
                db.execute("INSERT INTO receipt_attempts (receipt_id, time, url, status, body, error) "
                           "VALUES (?, ?, ?, NULL, '', 'interrupted: the sandbox stopped during the attempt')",
                           (receipt_id, now, url))
                self._schedule(db, receipt_id, attempts, now, max_attempts, retry_seconds)
            rows = db.execute("SELECT id FROM receipts WHERE status = 'pending' AND next_at <= ? "
                              "ORDER BY next_at LIMIT ?", (now, limit)).fetchall()
            ids = [row[0] for row in rows]
            db.executemany("UPDATE receipts SET status = 'sending', attempts = attempts + 1, claimed_at = ? "
                           "WHERE id = ?", [(now, i) for i in ids])
            claimed = [self._receipt(db, i) for i in ids]
        return claimed

    @staticmethod
    def _schedule(db: sqlite3.Connection, receipt_id: int, attempts: int, now: float, max_attempts: int,
                  retry_seconds: float) -> None:
        if attempts >= max_attempts:
            db.execute("UPDATE receipts SET status = 'failed', claimed_at = NULL WHERE id = ?", (receipt_id,))
        else:  # the wait grows: retry n comes n intervals after attempt n
            db.execute("UPDATE receipts SET status = 'pending', claimed_at = NULL, next_at = ? WHERE id = ?",
                       (now + attempts * retry_seconds, receipt_id))

    def finish_attempt(self, receipt: Receipt, attempt: ReceiptAttempt, *, delivered: bool, max_attempts: int,
                       retry_seconds: float) -> None:
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM receipts WHERE id = ? AND status = 'sending'", (receipt.id,)).fetchone() is None:
                return  # reset meanwhile, or already counted as interrupted
            db.execute("INSERT INTO receipt_attempts (receipt_id, time, url, status, body, error) VALUES (?, ?, ?, ?, ?, ?)",
                       (receipt.id, attempt.time, attempt.url, attempt.status, attempt.body, attempt.error))
            if delivered:
                db.execute("UPDATE receipts SET status = 'sent', claimed_at = NULL WHERE id = ?", (receipt.id,))
            else:
                self._schedule(db, receipt.id, receipt.attempts, attempt.time, max_attempts, retry_seconds)

    def flush_receipts(self, now: float) -> int:
        with self._connection(write=True) as db:
            return db.execute("UPDATE receipts SET next_at = ? WHERE status = 'pending' AND next_at > ?",
                              (now, now)).rowcount

    def receipts(self, *, voiceid: str | None = None, account: str | None = None, status: str | None = None,
                 limit: int = 100, kind: str | None = None) -> list[Receipt]:
        where, args = _where(voiceid=voiceid, account=account, status=status, kind=kind)
        with self._connection() as db:
            ids = [row[0] for row in db.execute(f"SELECT id FROM receipts{where} ORDER BY id DESC LIMIT ?",
                                                (*args, limit))]
            return [self._receipt(db, i) for i in ids]

    @staticmethod
    def _receipt(db: sqlite3.Connection, receipt_id: int) -> Receipt:
        (voiceid, account, mobile, outcome, url, report_at, status, attempts, next_at, product, kind, form) = db.execute(
            "SELECT voiceid, account, mobile, outcome, url, report_at, status, attempts, next_at, product, kind, form "
            "FROM receipts WHERE id = ?", (receipt_id,)).fetchone()
        history = tuple(ReceiptAttempt(*row) for row in db.execute(
            "SELECT time, url, status, body, error FROM receipt_attempts WHERE receipt_id = ? ORDER BY id",
            (receipt_id,)))
        return Receipt(receipt_id, voiceid, account, mobile, outcome, url, report_at, status, attempts, next_at,
                       history, product, kind, None if form is None else json.loads(form))

    def queue_push(self, push: Receipt) -> int:
        """Queue a push whose ``form`` is fixed now (a reply, a template review) for ``push.next_at``."""
        with self._connection(write=True) as db:
            (push_id,) = db.execute(
                "INSERT INTO receipts (voiceid, account, mobile, outcome, url, report_at, status, next_at, product, "
                "kind, form) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?) RETURNING id",
                (push.voiceid, push.account, push.mobile, push.outcome, push.url, push.report_at, push.next_at,
                 push.product, push.kind, None if push.form is None else _to_json(push.form))).fetchone()
        return push_id

    # -- templates and replies -------------------------------------------------------------------
    def templates(self, *, account: str | None = None, product: str | None = None,
                  status: str | None = None) -> list[Template]:
        where, args = _where(account=account, product=product, status=status)
        with self._connection() as db:
            rows = db.execute("SELECT id, account, product, content, status, created, review_at, reason FROM templates"
                              f"{where} ORDER BY id", args).fetchall()
        return [Template(*row) for row in rows]

    def add_template(self, template: Template) -> int:
        """Store ``template`` (its ``id`` ignored) and return the id it was given."""
        with self._connection(write=True) as db:
            (template_id,) = db.execute(
                "INSERT INTO templates (account, product, content, status, created, review_at, reason) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id", _template_row(template)[1:]).fetchone()
        return template_id

    def review_template(self, template_id: int, status: str, reason: str = "") -> bool:
        """Approve or reject a pending template; ``False`` if there is no such pending one."""
        with self._connection(write=True) as db:
            return db.execute("UPDATE templates SET status = ?, reason = ?, review_at = NULL "
                              "WHERE id = ? AND status = 'pending'", (status, reason, template_id)).rowcount > 0

    def record_reply(self, reply: Reply) -> int:
        with self._connection(write=True) as db:
            (reply_id,) = db.execute("INSERT INTO replies (time, account, mobile, content, smsid) VALUES (?, ?, ?, ?, ?) "
                                     "RETURNING id", (reply.time, reply.account, reply.mobile, reply.content,
                                                       reply.smsid)).fetchone()
        return reply_id

    def replies(self, *, account: str | None = None, mobile: str | None = None, limit: int = 100) -> list[Reply]:
        where, args = _where(account=account, mobile=mobile)
        with self._connection() as db:
            rows = db.execute(f"SELECT id, time, account, mobile, content, smsid FROM replies{where} "
                              "ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
        return [Reply(*row) for row in rows]

    def bump(self, key: str, by: int = 1) -> int:
        with self._connection(write=True) as db:
            (value,) = db.execute("INSERT INTO counters VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                                  "SET value = value + excluded.value RETURNING value", (key, by)).fetchone()
        return value


    # -- the workspace registry ----------------------------------------------------------------------
    def add_workspace(self, workspace: Workspace, *, most: int = MAX_WORKSPACES) -> Workspace | None:
        with self.transaction() as db:
            # counted in the write transaction: instances creating at once cannot pass ``most`` together
            used = {row[0] for row in db.execute("SELECT slot FROM workspaces")}
            if len(used) >= min(most, MAX_WORKSPACES):
                raise Conflict(f"this sandbox holds its most workspaces ({most}, set by --max-workspaces): "
                               "delete one first")
            slot = next(n for n in range(1, MAX_WORKSPACES + 1) if n not in used)
            try:
                db.execute("INSERT INTO workspaces (id, created, used, token_hash, scenario, slot) "
                           "VALUES (?, ?, ?, ?, ?, ?)", (workspace.id, workspace.created, workspace.used,
                                                         workspace.token_hash, workspace.scenario, slot))
            except sqlite3.IntegrityError:
                return None
        return replace(workspace, slot=slot)

    def workspace(self, workspace_id: str) -> Workspace | None:
        with self._connection() as db:
            row = db.execute(f"SELECT {_WORKSPACE_COLUMNS} FROM workspaces WHERE id = ?", (workspace_id,)).fetchone()
        return None if row is None else Workspace(*row)

    def workspaces(self) -> list[Workspace]:
        with self._connection() as db:
            rows = db.execute(f"SELECT {_WORKSPACE_COLUMNS} FROM workspaces ORDER BY created, id").fetchall()
        return [Workspace(*row) for row in rows]

    def touch_workspace(self, workspace_id: str, now: float) -> None:
        with self._connection(write=True) as db:
            db.execute("UPDATE workspaces SET used = max(used, ?) WHERE id = ?", (now, workspace_id))

    def remove_workspace(self, workspace_id: str) -> bool:
        with self.transaction() as db:
            db.execute("DELETE FROM workspace_accounts WHERE workspace = ?", (workspace_id,))
            return db.execute("DELETE FROM workspaces WHERE id = ?", (workspace_id,)).rowcount > 0

    def claim_apiids(self, workspace_id: str, wanted: Mapping[str, str]) -> dict[str, str]:
        with self.transaction() as db:
            given = self._workspace_apiids(db, workspace_id)
            for template, candidate in wanted.items():
                if template in given:
                    continue
                taken = db.execute("SELECT 1 FROM accounts WHERE apiid = ?1 UNION ALL "
                                   "SELECT 1 FROM workspace_accounts WHERE apiid = ?1", (candidate,)).fetchone()
                if taken is None:
                    db.execute("INSERT INTO workspace_accounts (apiid, workspace, template) VALUES (?, ?, ?)",
                               (candidate, workspace_id, template))
                    given[template] = candidate
        return {template: given[template] for template in wanted if template in given}

    def workspace_apiids(self, workspace_id: str) -> dict[str, str]:
        with self._connection() as db:
            return self._workspace_apiids(db, workspace_id)

    @staticmethod
    def _workspace_apiids(db: sqlite3.Connection, workspace_id: str) -> dict[str, str]:
        return dict(db.execute("SELECT template, apiid FROM workspace_accounts WHERE workspace = ? ORDER BY apiid",
                               (workspace_id,)).fetchall())


_WORKSPACE_COLUMNS = "id, created, used, token_hash, scenario, slot"


class _Turn:
    """What :meth:`SQLiteStorage._connection` gives. The context managers of this module are
    classes rather than ``@contextmanager`` generators: a Submit enters half a dozen of them, and
    a generator's entry and exit cost several times a plain method call's."""

    __slots__ = ("storage", "write", "held")

    def __init__(self, storage: SQLiteStorage, write: bool) -> None:
        self.storage, self.write = storage, write

    def __enter__(self) -> sqlite3.Connection:
        storage = self.storage
        if storage._memory:  # one connection for every thread, one thread at a time
            storage._lock.acquire()
            if storage._shared is None:
                storage._shared = storage._open()
            return storage._shared
        db = storage._thread_connection()
        # a thread whose connection is inside a transaction holds the write turn already: only
        # :class:`_Transaction` begins one, and only once the turn is taken
        self.held = self.write and not db.in_transaction
        if self.held:
            storage._write_lock.acquire()  # reentrant: the outermost write of this thread takes the file lock
            storage._writing += 1
            if storage._writing == 1:
                try:
                    fcntl.flock(storage._lock_file(), fcntl.LOCK_EX)
                except BaseException:
                    self._release()
                    raise
        return db

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        storage = self.storage
        if storage._memory:
            storage._lock.release()
            return
        if not self.held:
            return
        try:
            if storage._writing == 1:
                fcntl.flock(storage._lock_file(), fcntl.LOCK_UN)
        finally:
            self._release()
        if error is None:
            storage._health.succeeded()
        elif (reason := _write_failure(error)) is not None:
            storage._health.failed(reason)
            raise WriteFailed(reason) from error

    def _release(self) -> None:
        self.storage._writing -= 1
        self.storage._write_lock.release()


class _Transaction:
    """What :meth:`SQLiteStorage.transaction` gives."""

    __slots__ = ("turn", "db", "began")

    def __init__(self, storage: SQLiteStorage) -> None:
        self.turn = _Turn(storage, write=True)

    def __enter__(self) -> sqlite3.Connection:
        self.db = db = self.turn.__enter__()
        self.began = not db.in_transaction
        if self.began:
            try:
                db.execute("BEGIN IMMEDIATE")
            except BaseException:
                self.turn.__exit__(None, None, None)
                raise
        return db

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        try:
            # on a full disk SQLite may have rolled the transaction back itself
            if self.began and (kind is None or self.db.in_transaction):
                self.db.execute("COMMIT" if kind is None else "ROLLBACK")
        except BaseException as exc:
            error = exc
            if self.db.in_transaction:
                try:
                    self.db.execute("ROLLBACK")
                except BaseException:
                    # left inside its transaction, the connection would have this thread's next
                    # writes join it, without the write turn, and never commit them
                    self.turn.storage._abandon(self.db)
            raise
        finally:
            self.turn.__exit__(type(error) if error else None, error, None)  # the turn sees how the write ended


_ACCOUNT_INSERT = "INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


def _account(row: tuple) -> Account | None:
    apiid, apikey, balance, frozen, auto_frozen, ips, receipt_url, products, reply_url, limits = row
    if apiid is None:
        return None
    return Account(apiid, apikey, balance, bool(frozen), bool(auto_frozen), _ip_list(ips), receipt_url,
                   _ip_list(products), reply_url, _limits(limits))


@lru_cache(maxsize=256)
def _limits(text: str) -> Limits:
    return Limits(**json.loads(text))


def _column_value(name: str, value: object) -> object:
    """An account field as its column stores it."""
    if name in ("registered_ips", "products"):
        return json.dumps(list(value))  # type: ignore[call-overload]
    if name == "limits":
        return json.dumps({k: v for k, v in asdict(value).items() if v is not None})  # type: ignore[call-overload]
    return value


def _template_row(t: Template) -> tuple:
    return (t.id, t.account, t.product, t.content, t.status, t.created, t.review_at, t.reason)


@lru_cache(maxsize=1024)
def _ip_list(text: str) -> tuple[str, ...]:
    """A stored list of registered IPs, parsed once (every request reads its account's)."""
    return tuple(json.loads(text))


def _lease(value: object) -> tuple[str, float]:
    """The holder of a lease and when it ends, from its ``holder@until`` value."""
    holder, _, until = str(value).rpartition("@")
    return holder, float(until)


def _account_row(a: Account) -> tuple:
    return (a.apiid, a.apikey, a.balance, int(a.frozen), int(a.auto_frozen), json.dumps(list(a.registered_ips)),
            a.receipt_url, json.dumps(list(a.products)), a.reply_url, _column_value("limits", a.limits))


_LISTS = {"blacklist": "mobile", "refused_ips": "ip"}

#: ``json.dumps(..., ensure_ascii=False)`` builds an encoder per call; one, made once
_to_json = json.JSONEncoder(ensure_ascii=False).encode


def _journal_row(entry: JournalEntry, voiceid: str, answer: bytes | None = None) -> tuple:
    return (entry.time, entry.client_ip, entry.method, entry.account, entry.mobile,
            _to_json(entry.params), entry.code, voiceid, entry.fault, entry.outcome, entry.product, entry.units,
            entry.text, entry.answer if answer is None else answer)


def _order(after: int | None) -> str:
    """Following (``after``) takes the *next* rows above the cursor, so none is skipped; the
    answer is newest first either way."""
    return "ASC" if after is not None else "DESC"


#: the filters that are no column of their own, or not of every table: ``since`` bounds ``time``,
#: ``before`` and ``after`` the id, ``mobile_prefix`` is how a mobile starts, ``text`` a part of
#: the text delivered (a delivery's ``content``)
_FILTERS = {"since": "time >= ?", "before": "id < ?", "after": "id > ?", "mobile_prefix": "instr(mobile, ?) = 1",
            "text": "instr(content, ?) > 0"}
#: what the journal is filtered on beyond its columns: the voice id every row answered, the
#: ``content`` parameter sent, the text delivered (a template filled in, else the content)
_JOURNAL_FIELDS = {"client_ip": "client_ip = ?", "voiceid": f"({_VOICE_ID}) = ?", "fault": "fault = ?",
                   "outcome": "outcome = ?", "units": "units = ?", "mobile_prefix": _FILTERS["mobile_prefix"],
                   "content": "json_extract(params, '$.content') = ?",
                   "text": "instr(coalesce(text, json_extract(params, '$.content'), ''), ?) > 0"}


def _where(expressions: dict[str, str] | None = None, /, **filters: object) -> tuple[str, tuple]:
    """A WHERE clause over the given filters (a column's name, or one of :data:`_FILTERS` or
    ``expressions``); ``None`` is no filter."""
    clauses, args = [], []
    for name, value in filters.items():
        if value is None:
            continue
        clauses.append((expressions or {}).get(name) or _FILTERS.get(name, f"{name} = ?"))
        args.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(args)
