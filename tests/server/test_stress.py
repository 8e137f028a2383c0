"""Invariants under load against a real multi-worker server: concurrency, and a kill -9."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from tests.support import DEMO, scenario_text
from ihuyi_sandbox.testing import running_sandbox

from ihuyi_sandbox.storage import SQLiteStorage, Storage
from ihuyi_sandbox.testing import SandboxAPI
from ihuyi_sandbox.products.voice.answers import parse_xml
from ihuyi_sandbox.wire.answers import MalformedBody

OK = {**DEMO, "content": "1234"}


def scenario(tmp_path, balance: int) -> str:
    path = tmp_path / "stress.toml"
    path.write_text(scenario_text(balance=balance))
    return str(path)


def all_messages(api: SandboxAPI) -> list[dict]:
    found, before = [], None
    while True:
        page = api.messages(limit=1000, before=before)
        found += page
        if len(page) < 1000:
            return found
        before = page[-1]["id"]


def test_interleaved_submits_getnums_resets_and_switches_keep_the_invariants(tmp_path):
    balance = 150
    db = tmp_path / "s.db"
    path = scenario(tmp_path, balance)
    with running_sandbox("--db", str(db), "--workers", "3", "--scenario", path) as sandbox:
        api = SandboxAPI(sandbox.url)
        rng = random.Random(7)
        plan = [rng.choices(["submit", "getnum", "reset", "switch"], [85, 12, 2, 1])[0] for _ in range(3000)]

        def run(step: tuple[int, str]) -> tuple[str, int, str]:
            i, kind = step
            if kind == "reset":
                api.reset()
                return kind, 0, ""
            if kind == "switch":
                api.use_scenario(path)
                return kind, 0, ""
            method = "Submit" if kind == "submit" else "GetNum"
            answer = parse_xml(sandbox.call(method, {**OK, "mobile": f"138{i:08d}"}, timeout=60)[2])
            return kind, answer.code, answer.value

        with ThreadPoolExecutor(max_workers=32) as pool:
            results = list(pool.map(run, enumerate(plan)))
        delivered = all_messages(api)
        account = api.get_account()
    assert_invariants(results, balance, delivered, account, SQLiteStorage(str(db)))


def assert_invariants(results: list[tuple[str, int, str]], balance: int, delivered: list[dict], account: dict,
                      storage: Storage) -> None:
    """After a run of ``(kind, code, voice id)`` results with resets among them: no voice id
    issued twice, no more successes than the balances allowed, and in the state after the last
    reset successes within the balance, each with one delivery and one journal entry carrying the
    same voice id."""
    resets = sum(kind in ("reset", "switch") for kind, _, _ in results)
    ids = [value for kind, code, value in results if kind == "submit" and code == 2]
    assert len(ids) == len(set(ids)), "a voice id was issued twice"
    assert len(ids) <= balance * (resets + 1)
    assert {code for kind, code, _ in results if kind == "submit"} <= {2, 4051}
    journal_ok = [e for e in storage.journal(limit=100000) if e.method == "Submit" and e.code == 2]
    storage.close()
    assert len(delivered) <= balance
    assert account["balance"] == balance - len(delivered)
    assert sorted(e.voiceid for e in journal_ok) == sorted(m["voiceid"] for m in delivered)
    assert {m["voiceid"] for m in delivered} <= set(ids)


def test_kill_9_during_load_loses_nothing_acknowledged(tmp_path):
    balance = 1_000_000
    db = tmp_path / "s.db"
    path = scenario(tmp_path, balance)
    acknowledged: list[str] = []
    stop = threading.Event()
    with running_sandbox("--db", str(db), "--workers", "2", "--scenario", path) as sandbox:
        def load(worker: int) -> None:
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    answer = parse_xml(sandbox.call("Submit", {**OK, "mobile": f"137{worker:02d}{i:06d}"}, timeout=5)[2])
                except (OSError, MalformedBody):
                    continue  # the server is gone: nothing acknowledged
                if answer.code == 2:
                    acknowledged.append(answer.value)

        threads = [threading.Thread(target=load, args=(n,)) for n in range(16)]
        for thread in threads:
            thread.start()
        time.sleep(2.0)

        os.killpg(sandbox.process.pid, signal.SIGKILL)  # the arbiter and every worker at once
        sandbox.process.wait(10)
        stop.set()
        for thread in threads:
            thread.join(10)
    assert len(acknowledged) > 50, "the load did not get going"
    with running_sandbox("--db", str(db), "--workers", "2", "--scenario", path) as sandbox:
        api = SandboxAPI(sandbox.url)
        delivered = all_messages(api)
        account = api.get_account()
    ids = [m["voiceid"] for m in delivered]
    assert len(ids) == len(set(ids))
    assert set(acknowledged) <= set(ids), "an acknowledged success is missing after the restart"
    assert account["balance"] == balance - len(delivered)
