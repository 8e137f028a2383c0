"""A database written by an earlier version of the sandbox opens in this one with nothing lost:
the inbox, the journal, the balances and the ids carry on (storage/sqlite.py, ``_create_schema``)."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from ihuyi_sandbox.service.records import Account, JournalEntry, Workspace
from ihuyi_sandbox.storage import SQLiteStorage

#: the schema of version 1 (up to November 2026), as those versions created it
SCHEMA_V1 = (Path(__file__).resolve().parents[1] / "data" / "schema_v1.sql").read_text()


def params(mobile: str, content: str) -> str:
    return json.dumps({"account": "A1", "password": "***", "mobile": mobile, "content": content})


@pytest.fixture
def v1_database(tmp_path: Path) -> str:
    """A version-1 database holding two deliveries, one refused Submit and one GetNum, written
    the way version 1 wrote them (its trigger filled the deliveries table and the voice ids)."""
    path = str(tmp_path / "v1.db")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(SCHEMA_V1)
    db.execute("INSERT INTO accounts (apiid, apikey, balance) VALUES ('A1', 'k', 10)")
    insert = ("INSERT INTO journal (time, client_ip, method, account, mobile, params, code, voiceid, fault, outcome) "
              "VALUES (?, '127.0.0.1', ?, 'A1', ?, ?, ?, ?, NULL, ?)")
    db.execute(insert, (1_700_000_000.5, "Submit", "13800000001", params("13800000001", "1111"), 2, "0", "answered"))
    db.execute(insert, (1_700_000_001.5, "Submit", "13800000002", params("13800000002", "2222"), 4070, "0", None))
    db.execute(insert, (1_700_000_002.5, "GetNum", "", params("", ""), 2, "9", None))
    db.execute(insert, (1_700_000_003.5, "Submit", "13800000001", params("13800000001", "3333"), 2, "0", "busy"))
    db.close()
    return path


def v1_deliveries(path: str) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT voiceid, account, mobile, content, time, id, outcome FROM deliveries "
                          "ORDER BY id DESC").fetchall()
    finally:
        db.close()


def test_a_version_1_database_keeps_its_inbox_journal_and_balances(v1_database):
    before = v1_deliveries(v1_database)
    storage = SQLiteStorage(v1_database)

    assert [(d.voiceid, d.account, d.mobile, d.content, d.time, d.id, d.outcome)
            for d in storage.deliveries()] == before
    inbox = storage.deliveries(mobile="13800000001")
    assert [(d.voiceid, d.content, d.outcome, d.id) for d in inbox] == [
        ("17000000030000000004", "3333", "busy", 4), ("17000000000000000001", "1111", "answered", 1)]
    assert storage.count_deliveries(account="A1") == 2
    assert [(e.id, e.code, e.voiceid) for e in storage.journal()] == [
        (4, 2, "17000000030000000004"), (3, 2, "9"), (2, 4070, "0"), (1, 2, "17000000000000000001")]
    assert storage.account("A1").balance == 8  # 10 less the two deliveries


def test_a_version_1_database_carries_on_with_new_submits(v1_database):
    storage = SQLiteStorage(v1_database)
    now = time.time()

    voiceid = storage.deliver(JournalEntry(now, "127.0.0.1", "Submit",
                                           {"account": "A1", "mobile": "13800000001", "content": "4444"},
                                           code=2, outcome="answered"))

    assert voiceid == "%010d%010d" % (now, 5)  # ids carry on after the old ones
    assert [d.content for d in storage.deliveries(mobile="13800000001")] == ["4444", "3333", "1111"]
    assert storage.journal(limit=1)[0].voiceid == voiceid
    assert storage.account("A1").balance == 7


def test_an_upgraded_database_opens_again_unchanged(v1_database):
    SQLiteStorage(v1_database).close()
    storage = SQLiteStorage(v1_database)  # already at this version: nothing to do twice

    assert [d.content for d in storage.deliveries()] == ["3333", "1111"]


def test_a_database_from_a_newer_version_is_refused_with_its_reason(tmp_path):
    path = str(tmp_path / "new.db")
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()

    with pytest.raises(sqlite3.DatabaseError, match="newer ihuyi-sandbox .schema version 99.*up to 4"):
        SQLiteStorage(path)


@pytest.mark.parametrize("user_version", [0, 1, 2])
def test_a_file_of_someone_else_s_tables_is_refused_and_left_as_it_is(tmp_path, user_version):
    """Whatever schema number another program gave its file (many set 1)."""
    path = str(tmp_path / "other.db")
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE deliveries (id INTEGER PRIMARY KEY, parcel TEXT)")
    db.execute("INSERT INTO deliveries (parcel) VALUES ('a sofa')")
    db.execute(f"PRAGMA user_version = {user_version}")
    db.commit()
    db.close()

    with pytest.raises(sqlite3.DatabaseError,
                       match=rf"tables that ihuyi-sandbox did not write \(deliveries; schema version {user_version}\)"):
        SQLiteStorage(path)
    db = sqlite3.connect(path)
    assert db.execute("SELECT parcel FROM deliveries").fetchall() == [("a sofa",)]
    assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # not even switched to WAL
    db.close()


def test_a_delivery_without_content_reads_as_an_empty_code(tmp_path):
    """A scenario may force a success on a Submit that sent no content: the inbox says "" (a
    string, as its schema promises), not null."""
    storage = SQLiteStorage(str(tmp_path / "s.db"))
    storage.create_account(Account("A1", "k", 5))

    storage.deliver(JournalEntry(time.time(), "127.0.0.1", "Submit", {"account": "A1", "mobile": "13800000001"},
                                 code=2, outcome="answered"))

    assert [d.content for d in storage.deliveries(mobile="13800000001")] == [""]


def test_a_file_with_the_sandbox_s_tables_and_others_is_refused(tmp_path):
    path = str(tmp_path / "mixed.db")
    SQLiteStorage(path).close()
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    db.commit()
    db.close()

    with pytest.raises(sqlite3.DatabaseError, match="did not write .*invoices"):
        SQLiteStorage(path)


def test_a_dumped_and_restored_database_opens_with_its_deliveries(tmp_path):
    """A copy made with ``.dump`` (here ``iterdump``) loses the schema's number, not its data."""
    original = SQLiteStorage(str(tmp_path / "a.db"))
    original.create_account(Account("A1", "k", 5))
    voiceid = original.deliver(JournalEntry(time.time(), "127.0.0.1", "Submit",
                                            {"account": "A1", "mobile": "13800000001", "content": "1234"},
                                            code=2, outcome="answered"))
    source = sqlite3.connect(str(tmp_path / "a.db"))
    copy = sqlite3.connect(str(tmp_path / "copy.db"))
    copy.executescript("".join(source.iterdump()))
    source.close()
    copy.close()

    restored = SQLiteStorage(str(tmp_path / "copy.db"))

    assert [(d.voiceid, d.content) for d in restored.deliveries()] == [(voiceid, "1234")]
    assert restored.account("A1").balance == 4


def test_a_version_1_database_whose_first_start_stopped_half_way_is_completed(tmp_path):
    """Version 1 created its tables one statement at a time: a first start killed in the middle
    left some of them, and no data."""
    path = str(tmp_path / "half.db")
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(SCHEMA_V1[:SCHEMA_V1.index("CREATE TABLE IF NOT EXISTS journal")])
    db.close()

    storage = SQLiteStorage(path)
    storage.create_account(Account("A1", "k", 5))
    storage.deliver(JournalEntry(time.time(), "127.0.0.1", "Submit",
                                 {"account": "A1", "mobile": "13800000001", "content": "1234"}, code=2))

    assert [d.content for d in storage.deliveries()] == ["1234"]


def test_a_version_3_database_gains_the_workspace_registry_and_keeps_its_state(tmp_path):
    """Version 3 (the family) had no workspaces: its accounts and deliveries stay, and the
    registry is there after the upgrade."""
    path = str(tmp_path / "v3.db")
    storage = SQLiteStorage(path)
    storage.create_account(Account("C1", "k", 5))
    storage.deliver(JournalEntry(time.time(), "127.0.0.1", "Submit",
                                 {"account": "C1", "mobile": "13800000001", "content": "1234"}, code=2))
    storage.close()
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript("DROP TABLE workspaces; DROP TABLE workspace_accounts; PRAGMA user_version = 3;")
    db.close()

    upgraded = SQLiteStorage(path)

    assert upgraded.account("C1").balance == 4
    assert [d.content for d in upgraded.deliveries()] == ["1234"]
    assert upgraded.add_workspace(Workspace("w1", 1.0, 1.0)).slot == 1
    assert upgraded.claim_apiids("w1", {"C1": "C2", "C9": "C1"}) == {"C1": "C2"}  # C1 is an account already
    assert upgraded.facts("C2", "", "").workspace == "w1"
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone() == (4,)
