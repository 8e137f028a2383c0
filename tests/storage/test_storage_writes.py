"""Writes under concurrency (storage/sqlite.py, storage/postgres.py: each test runs on both), and the batches of the server's event loop
(``Backend.handle_many``): each request gets exactly its own answer, a failing one fails
alone, and a balance is never oversold."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from ihuyi_sandbox.service.backend import Backend, Outcome, Request
from ihuyi_sandbox.service.products import by_path
from ihuyi_sandbox.service.records import Account, JournalEntry, Seed
from ihuyi_sandbox.service.scenarios import Scenario
from ihuyi_sandbox.storage import SQLiteStorage, Storage, open_storage

BALANCE = 40


def entry(i: int, code: int | None = 2) -> JournalEntry:
    return JournalEntry(time.time(), "127.0.0.1", "Submit",
                        {"account": "A1", "mobile": f"138{i:08d}", "content": "1234"}, code=code)


@pytest.fixture
def storage(db_url) -> Iterator[Storage]:
    store = open_storage(db_url)
    store.reset(Seed(accounts=(Account("A1", "k", BALANCE),)))
    yield store
    store.close()


def test_concurrent_writes_each_get_their_own_answer_and_never_oversell(storage):
    start = threading.Barrier(32)

    def write(i: int) -> str | None:
        start.wait() if i < 32 else None
        if i % 3 == 0:
            storage.record(entry(i, code=4070))
            return "recorded"
        return storage.deliver(entry(i), receipt_url="http://127.0.0.1:9/r" if i % 5 == 0 else "")

    with ThreadPoolExecutor(32) as pool:
        answers = list(pool.map(write, range(300)))
    voiceids = [a for a in answers if a not in (None, "recorded")]
    assert len(voiceids) == BALANCE == len(set(voiceids))
    assert answers.count("recorded") == 100 and answers.count(None) == 200 - BALANCE
    assert storage.account("A1").balance == 0  # type: ignore[union-attr]
    delivered = storage.deliveries(limit=1000)
    assert sorted(d.voiceid for d in delivered) == sorted(voiceids)
    # each delivery went to the mobile of the request that was told its voice id
    by_voiceid = {d.voiceid: d.mobile for d in delivered}
    for i, answer in enumerate(answers):
        if answer not in (None, "recorded"):
            assert by_voiceid[answer] == f"138{i:08d}"
    assert len(storage.journal(limit=1000)) == 100 + BALANCE  # exhausted Submits are journaled by the backend
    assert {r.voiceid for r in storage.receipts(limit=1000)} <= set(voiceids)


def test_a_failing_write_fails_alone_and_its_neighbours_commit(storage):
    """A write that raises (here: a journal row SQLite refuses) gets its own error; the writes
    committed with it are kept."""
    failing = entry(1)._replace(client_ip=None)  # type: ignore[arg-type]  # a NOT NULL column
    errors: list[BaseException] = []

    def write(e: JournalEntry) -> str | None:
        try:
            return storage.deliver(e)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
            return None

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(write, [failing, *(entry(i) for i in range(2, 10))]))
    assert answers[0] is None and len(errors) == 1 and "null" in str(errors[0]).lower()
    assert all(answers[1:]) and storage.account("A1").balance == BALANCE - 8  # type: ignore[union-attr]
    assert len(storage.deliveries(limit=100)) == 8


SUBMIT = {"account": "A1", "password": "k", "content": "1234"}
VOICE = by_path()["/webservice/voice.php"]


def submit(params: dict) -> Request:
    return Request((VOICE,), "Submit", params, "127.0.0.1")


@pytest.fixture
def backend(db_url) -> Iterator[Backend]:
    seed = Seed(accounts=(Account("A1", "k", 4),))
    backend = Backend(open_storage(db_url), Scenario(name="t", description="", seed=seed))
    backend.start(keep_state=False)
    yield backend
    backend.storage.close()


def test_a_batch_never_oversells_and_answers_in_order(backend):
    calls = [submit({**SUBMIT, "mobile": f"1381234{i:04d}"}) for i in range(10)]
    outcomes = backend.handle_many(calls)
    assert [o.answer.code for o in outcomes if isinstance(o, Outcome)] == [2] * 4 + [4051] * 6
    messages = backend.storage.deliveries(limit=100)
    assert sorted(m.mobile for m in messages) == [f"1381234{i:04d}" for i in range(4)]
    assert len(backend.storage.journal(limit=100)) == 10


def test_a_failing_request_in_a_batch_fails_alone(backend):
    broken = {**SUBMIT, "mobile": "13812340000", "content": object()}  # not JSON: the journal refuses it
    calls = [submit({**SUBMIT, "mobile": "13812340001"}), submit(broken), submit({**SUBMIT, "mobile": "13812340002"})]
    first, failed, last = backend.handle_many(calls)  # type: ignore[arg-type]
    assert isinstance(failed, TypeError)
    assert isinstance(first, Outcome) and isinstance(last, Outcome) and first.answer.code == last.answer.code == 2
    assert backend.storage.account("A1").balance == 2  # type: ignore[union-attr]
    assert sorted(m.mobile for m in backend.storage.deliveries()) == ["13812340001", "13812340002"]


def test_a_lease_is_one_owners_until_it_runs_out_and_is_renewed_before(storage):
    assert storage.hold_lease("x", "a", now=100.0, ttl=5.0)
    assert not storage.hold_lease("x", "b", now=101.0, ttl=5.0)
    assert storage.hold_lease("x", "a", now=102.0, ttl=5.0)  # kept as it is: more than half of it left
    assert not storage.hold_lease("x", "b", now=104.9, ttl=5.0)  # a's until 105
    assert storage.hold_lease("x", "a", now=103.0, ttl=5.0)  # 2 s left: renewed, until 108
    assert not storage.hold_lease("x", "b", now=107.0, ttl=5.0)
    assert storage.hold_lease("x", "b", now=108.5, ttl=5.0)  # ran out: the next owner takes it
    assert not storage.hold_lease("x", "a", now=109.0, ttl=5.0)


def test_a_receipt_cut_short_by_a_crash_counts_as_a_failed_attempt_and_is_sent_again(storage):
    voiceid = storage.deliver(entry(1), receipt_url="http://127.0.0.1:9/r", report_at=100.0)

    def claim(now: float, stale_before: float) -> list:
        return storage.claim_receipts(now, limit=10, stale_before=stale_before, max_attempts=3, retry_seconds=60.0)

    assert claim(50.0, 0.0) == []  # not due yet
    (claimed,) = claim(100.0, 0.0)
    assert (claimed.voiceid, claimed.status, claimed.attempts) == (voiceid, "sending", 1)
    assert claim(150.0, 99.0) == []  # still being sent: claimed at 100
    assert claim(200.0, 150.0) == []  # never finished: that attempt failed, the next one in 60 s
    (receipt,) = storage.receipts(voiceid=voiceid)
    assert (receipt.status, receipt.next_at) == ("pending", 260.0) and "interrupted" in receipt.history[0].error
    (again,) = claim(260.0, 150.0)
    assert (again.voiceid, again.attempts) == (voiceid, 2)


def test_a_transaction_whose_rollback_fails_does_not_swallow_the_writes_after_it(tmp_path):
    """Even a failed ROLLBACK must not leave the connection inside its transaction: the next
    writes of the thread would join it and never be committed, answered yet lost."""
    path = str(tmp_path / "s.db")
    storage = SQLiteStorage(path)
    storage.reset(Seed(accounts=(Account("A1", "k", BALANCE),)))
    with storage._connection() as db:  # fault injection: this connection's every ROLLBACK is refused
        db.set_authorizer(lambda action, operation, *_: sqlite3.SQLITE_DENY
                          if action == sqlite3.SQLITE_TRANSACTION and operation == "ROLLBACK" else sqlite3.SQLITE_OK)

    with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
        with storage.transaction():
            storage.record(entry(1, code=4070))
            raise RuntimeError("a bug in the middle of a batch")
    voiceid = storage.deliver(entry(2))

    other = SQLiteStorage(path)  # what every other connection (another worker, a restart) reads
    assert [(e.mobile, e.voiceid) for e in other.journal()] == [(entry(2).mobile, voiceid)]
    assert other.account("A1").balance == BALANCE - 1


def test_a_request_carrying_nul_characters_is_journaled_and_found_again(storage):
    """PostgreSQL's text holds no NUL, SQLite's does: either way the request is journaled with its
    parameters whole, and a search by the same values finds it."""
    params = {"account": "A\x001", "mobile": "138\x00", "content": "12\x0034"}
    storage.record(JournalEntry(time.time(), "127.0.0.1", "Submit", params, code=405))
    assert storage.facts("A\x001", "138\x00", "127.0.0.1").account is None
    (found,) = storage.journal(account="A\x001", mobile="138\x00")
    assert found.params == params and found.code == 405
