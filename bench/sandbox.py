"""The sandbox: its scenario, its serve command and start, and the journal read from its SQLite file."""

from __future__ import annotations

import shutil
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .processes import Server, free_port
from .workloads import ACCOUNT, APIKEY, BALANCE, RESET_MOBILE, SMS_ACCOUNT, VM_ACCOUNT


def write_scenario(workdir: Path, reset_rule: bool = False) -> Path:
    """The bench scenario: the demo accounts of voice codes, SMS and voice notice, with balances
    that never run out, and no rules, or
    (for the serving-stack candidates) one rule: a TCP reset for :data:`RESET_MOBILE`."""
    path = workdir / ("candidates-scenario.toml" if reset_rule else "bench-scenario.toml")
    rule = f'''
[[rules]]
name = "reset: the connection is reset without an answer"
mobile = "{RESET_MOBILE}"
fault = "reset"
''' if reset_rule else ""
    path.write_text(f'''name = "bench"
description = "Benchmark: the demo account with a balance that never runs out"

[[accounts]]
apiid = "{ACCOUNT}"
apikey = "{APIKEY}"
balance = {BALANCE}

[[accounts]]
apiid = "{SMS_ACCOUNT}"
apikey = "{APIKEY}"
balance = {BALANCE}

[[accounts]]
apiid = "{VM_ACCOUNT}"
apikey = "{APIKEY}"
balance = {BALANCE}
{rule}''')
    return path


def default_serve_command() -> list[str]:
    """``ihuyi-sandbox serve`` of this Python's environment, else of PATH, else ``python -m``."""
    beside = Path(sys.executable).with_name("ihuyi-sandbox")  # not resolved: a venv's bin/
    if beside.exists():
        return [str(beside), "serve"]
    found = shutil.which("ihuyi-sandbox")
    return [found, "serve"] if found else [sys.executable, "-m", "ihuyi_sandbox.cli", "serve"]


def start_sandbox(serve_command: Sequence[str], workdir: Path, tag: str, name: str = "sandbox",
                  scenario: Path | None = None, db: str | None = None) -> Server:
    """``<serve_command> --port P --db <workdir>/<tag>.db --scenario <bench scenario>`` (``db``: another
    ``--db``, a PostgreSQL URL), otherwise the defaults; ready once it prints its ``listening on`` line."""
    path = workdir / f"{tag}.db"
    argv = [*serve_command, "--port", str(free_port()), "--db", db or str(path),
            "--scenario", str(scenario or write_scenario(workdir))]
    server = Server(name, argv, workdir / f"{tag}.log")
    server.url = server.wait_for_line(r"listening on (http://\S+)").group(1)
    server.db = None if db else path
    return server


@dataclass(frozen=True)
class JournalCounts:
    """What a stopped sandbox's SQLite file holds. The server may prune the journal (and the
    inbox, a view of it) to its retention, so rows *kept* can be fewer than rows *written*: the
    journal's AUTOINCREMENT high-water mark counts every row ever written, and the balance every
    unit ever taken."""

    written: int                                # journal rows ever written
    kept: int                                   # journal rows still there
    by_code: list[tuple[str, int | None, int]]  # (method, code, rows) of the rows kept
    balance: int | None                         # the bench account's balance left

    @property
    def submit_successes(self) -> int:
        return sum(n for method, code, n in self.by_code if method == "Submit" and code == 2)

    @property
    def units_taken(self) -> int:
        return BALANCE - (self.balance or 0)


def journal_counts(db: Path) -> JournalCounts:
    """The journal and balance of a stopped sandbox, read from its SQLite file read-only."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        def one(sql: str, *args: object) -> int | None:
            row = conn.execute(sql, args).fetchone()
            return row[0] if row else None

        kept = one("SELECT count(*) FROM journal") or 0
        written = (one("SELECT seq FROM sqlite_sequence WHERE name = 'journal'")
                   or one("SELECT max(id) FROM journal") or 0)
        by_code = conn.execute("SELECT method, code, count(*) FROM journal GROUP BY 1, 2 ORDER BY 1, 2").fetchall()
        return JournalCounts(written, kept, by_code,
                             one("SELECT balance FROM accounts WHERE apiid = ?", ACCOUNT))
    finally:
        conn.close()
