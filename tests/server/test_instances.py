"""Several ``serve`` instances on one PostgreSQL database act as one sandbox: the invariants of
the stress test over three of them, a switch or a delivery seen by all, each receipt POSTed once,
and the faults: one instance killed under load, the database restarted under load."""

from __future__ import annotations

import http.server
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager

import pytest

from ihuyi_sandbox.products.voice.answers import parse_xml
from ihuyi_sandbox.storage import masked, open_storage
from ihuyi_sandbox.testing import SandboxAPI, SandboxProcess, running_sandbox, wait_until
from ihuyi_sandbox.testing.postgres import PostgresServer
from ihuyi_sandbox.wire.answers import MalformedBody
from tests.server.test_stress import OK, all_messages, assert_invariants, scenario


@pytest.fixture
def database(postgres_server: PostgresServer) -> str:
    return postgres_server.database(f"instances_{uuid.uuid4().hex[:12]}")


@contextmanager
def instances(count: int, *args: str) -> Iterator[list[SandboxProcess]]:
    """``count`` sandboxes started one after the other with the same arguments (one database)."""
    with ExitStack() as stack:
        yield [stack.enter_context(running_sandbox(*args)) for _ in range(count)]


def submit(sandbox: SandboxProcess, mobile: str, timeout: float = 60) -> tuple[int, int | None, str]:
    """(HTTP status, ihuyi code or None, voice id) of one Submit."""
    status, _, body = sandbox.call("Submit", {**OK, "mobile": mobile}, timeout=timeout)
    if status != 200:
        return status, None, ""
    answer = parse_xml(body)
    return status, answer.code, answer.value


def test_three_instances_under_interleaved_submits_getnums_resets_and_switches_keep_the_invariants(tmp_path,
                                                                                                 database):
    balance = 120
    path = scenario(tmp_path, balance)
    with instances(3, "--db", database, "--scenario", path) as sandboxes:
        apis = [SandboxAPI(s.url) for s in sandboxes]
        rng = random.Random(11)
        plan = [(rng.choices(["submit", "getnum", "reset", "switch"], [85, 12, 2, 1])[0], rng.randrange(3))
                for _ in range(1500)]

        def run(step: tuple[int, tuple[str, int]]) -> tuple[str, int | None, str]:
            i, (kind, which) = step
            if kind == "reset":
                apis[which].reset()
                return kind, 0, ""
            if kind == "switch":
                apis[which].use_scenario(path)
                return kind, 0, ""
            method = "Submit" if kind == "submit" else "GetNum"
            answer = parse_xml(sandboxes[which].call(method, {**OK, "mobile": f"138{i:08d}"}, timeout=60)[2])
            return kind, answer.code, answer.value

        with ThreadPoolExecutor(max_workers=24) as pool:
            results = list(pool.map(run, enumerate(plan)))
        delivered = [all_messages(api) for api in apis]
        accounts = [api.get_account() for api in apis]
    assert delivered[0] == delivered[1] == delivered[2] and accounts[0] == accounts[1] == accounts[2]
    assert_invariants(results, balance, delivered[0], accounts[0], open_storage(database))


def test_concurrent_submits_over_the_instances_never_oversell(tmp_path, database):
    balance, calls = 50, 200
    with instances(3, "--db", database, "--scenario", scenario(tmp_path, balance)) as sandboxes:
        with ThreadPoolExecutor(max_workers=30) as pool:
            results = list(pool.map(lambda i: submit(sandboxes[i % 3], f"139{i:08d}"), range(calls)))
        assert [code for _, code, _ in results].count(2) == min(calls, balance)
        assert {code for _, code, _ in results} == {2, 4051}
        ids = [value for _, code, value in results if code == 2]
        assert len(set(ids)) == len(ids)
        assert SandboxAPI(sandboxes[1].url).get_account()["balance"] == 0


def test_a_switch_or_reset_through_one_instance_is_in_force_on_the_others_and_a_long_poll_wakes(tmp_path,
                                                                                                database):
    with instances(2, "--db", database, "--scenario", scenario(tmp_path, 1000)) as (first, second):
        first_api, second_api = SandboxAPI(first.url), SandboxAPI(second.url)
        first_api.use_scenario("insufficient-balance")
        assert SandboxAPI(second.url).call("GET", "/_sandbox/scenarios")["active"]["name"] == "insufficient-balance"
        assert [submit(second, "13812345678")[1] for _ in range(4)] == [2, 2, 2, 4051]  # the balance of 3, at once
        first_api.reset()
        assert submit(second, "13812345678")[1] == 2  # the reset gave the balance back, on both
        # a long poll on one instance answers when the other delivers (it is told, not polling)
        answered: list[dict] = []
        poll = threading.Thread(target=lambda: answered.append(
            second_api.latest_message("13800001111", wait=30, since=time.time())))
        poll.start()
        time.sleep(0.5)  # the poll is waiting
        assert submit(first, "13800001111")[1] == 2
        poll.join(10)
        assert not poll.is_alive(), "the long poll did not hear of the other instance's delivery"
        assert answered and answered[0]["mobile"] == "13800001111"


class _Receiver(http.server.BaseHTTPRequestHandler):
    posts: list[bytes] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.posts.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"success")

    def log_message(self, *args: object) -> None:
        pass


def test_each_receipt_is_posted_once_whichever_instance_sends_it(tmp_path, database):
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.posts = []
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    path = tmp_path / "receipts.toml"
    path.write_text(f'name = "receipts"\ndescription = "t"\n[settings]\nreceipt_delay_seconds = 0\n'
                    f'[[accounts]]\napiid = "{OK["account"]}"\napikey = "{OK["password"]}"\nbalance = 1000\n'
                    f'receipt_url = "http://127.0.0.1:{receiver.server_port}/r"\n')
    try:
        with instances(3, "--db", database, "--scenario", str(path)) as sandboxes:
            with ThreadPoolExecutor(max_workers=12) as pool:
                results = list(pool.map(lambda i: submit(sandboxes[i % 3], f"137{i:08d}"), range(60)))
            ids = {value for _, code, value in results if code == 2}
            assert len(ids) == 60
            api = SandboxAPI(sandboxes[2].url)
            assert wait_until(lambda: all(r["status"] == "sent" for r in api.receipts(limit=1000))
                              and len(api.receipts(limit=1000)) == 60, 30)
            time.sleep(1.0)  # a second sender, if there were one, would have posted by now
    finally:
        receiver.shutdown()
    posted = [p.decode() for p in _Receiver.posts]
    assert len(posted) == 60 and {next(v for v in ids if v in p) for p in posted} == ids


def _load(sandboxes: list[SandboxProcess], stop: threading.Event, acknowledged: list[str],
          statuses: list[tuple[int, int | None]], threads: int = 12, timeout: float = 5) -> list[threading.Thread]:
    def run(worker: int) -> None:
        i = 0
        while not stop.is_set():
            i += 1
            try:
                status, code, value = submit(sandboxes[(worker + i) % len(sandboxes)], f"136{worker:02d}{i:06d}",
                                             timeout)
            except (OSError, MalformedBody):
                continue  # that instance is gone: nothing acknowledged
            statuses.append((status, code))
            if code == 2:
                acknowledged.append(value)

    started = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for thread in started:
        thread.start()
    return started


def test_kill_9_of_one_instance_under_load_loses_nothing_and_the_others_keep_serving(tmp_path, database):
    acknowledged: list[str] = []
    statuses: list[tuple[int, int | None]] = []
    stop = threading.Event()
    with instances(2, "--db", database, "--scenario", scenario(tmp_path, 1_000_000)) as (doomed, survivor):
        threads = _load([doomed, survivor], stop, acknowledged, statuses)
        time.sleep(1.5)
        os.killpg(doomed.process.pid, signal.SIGKILL)
        doomed.process.wait(10)
        before = len(acknowledged)
        time.sleep(1.5)
        stop.set()
        for thread in threads:
            thread.join(10)
        assert len(acknowledged) > before + 20, "the surviving instance stopped serving"
        delivered = all_messages(SandboxAPI(survivor.url))
        account = SandboxAPI(survivor.url).get_account()
    assert before > 20, "the load did not get going"
    ids = [m["voiceid"] for m in delivered]
    assert len(ids) == len(set(ids))
    assert set(acknowledged) <= set(ids), "an acknowledged success is missing"
    assert account["balance"] == 1_000_000 - len(delivered)
    assert {code for status, code in statuses} <= {2}


def test_a_database_restart_under_load_fails_requests_with_503_and_the_sandbox_recovers(tmp_path, database,
                                                                                        postgres_server):
    acknowledged: list[str] = []
    statuses: list[tuple[int, int | None]] = []
    stop = threading.Event()
    with instances(2, "--db", database, "--scenario", scenario(tmp_path, 1_000_000)) as sandboxes:
        threads = _load(sandboxes, stop, acknowledged, statuses, threads=8, timeout=20)
        time.sleep(1.0)
        postgres_server.stop("immediate")  # as a crash: the connections are cut
        failed = wait_until(lambda: (503, None) in statuses, 20)
        time.sleep(0.5)
        unhealthy = _health(sandboxes[0])
        down = len(statuses)
        postgres_server.start()
        recovered = wait_until(lambda: statuses[-20:] == [(200, 2)] * 20 and len(statuses) > down + 20, 30)
        healthy = _health(sandboxes[0])
        stop.set()
        for thread in threads:
            thread.join(10)
        assert recovered, f"the sandbox did not recover: {statuses[-5:]}"
        delivered = all_messages(SandboxAPI(sandboxes[0].url))
        account = SandboxAPI(sandboxes[1].url).get_account()
    assert failed, "no request failed while the database was down"
    # the health check says so while the database is down, and the reason, and is well again after
    assert unhealthy.returncode == 1 and "/_sandbox/health: 503 " in unhealthy.stderr, unhealthy.stderr
    assert f"the sandbox cannot reach its database {masked(database)}: " in unhealthy.stderr, unhealthy.stderr
    assert healthy.returncode == 0, healthy.stderr
    assert set(statuses) <= {(200, 2), (503, None)}, "a request got something but a success or a 503"
    ids = [m["voiceid"] for m in delivered]
    assert len(ids) == len(set(ids))
    assert set(acknowledged) <= set(ids), "an acknowledged success is missing"
    assert account["balance"] == 1_000_000 - len(delivered)


def _health(sandbox: SandboxProcess) -> subprocess.CompletedProcess[str]:
    """``ihuyi-sandbox health --url`` of ``sandbox``, as a container's HEALTHCHECK runs it."""
    return subprocess.run([sys.executable, "-m", "ihuyi_sandbox", "health", "--url", sandbox.url, "--timeout", "10"],
                          capture_output=True, text=True, timeout=60)
