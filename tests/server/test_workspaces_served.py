"""Workspaces on a served sandbox: many suites at once, each in its own, each seeing exactly its
own; long polls, receipts and expiry per workspace; the ``workspaces`` command."""

from __future__ import annotations

import json
import multiprocessing
import random
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ihuyi_sandbox._exceptions import BalanceExhaustedError, SandboxError
from ihuyi_sandbox.client import SmsClient
from ihuyi_sandbox.service.records import DEMO_APIKEY
from ihuyi_sandbox.testing import SandboxAPI, running_sandbox, wait_until

CODE_TEXT = "您的验证码是：{}。请不要把验证码泄露给其他人。"


def inline(name: str, balance: int, receipt_url: str = "") -> str:
    url = f'receipt_url = "{receipt_url}"\n' if receipt_url else ""
    return (f'name = "{name}"\ndescription = "a suite\'s own"\n[[accounts]]\napiid = "C00000001"\n'
            f'apikey = "{DEMO_APIKEY}"\nbalance = {balance}\n{url}')


SCENARIOS = {"small": 30, "smaller": 18}


def suite(url: str, number: int, steps: int) -> dict:
    """One test suite of its own, in a process of its own: a workspace, and a loop of sends,
    resets, scenario switches and checks that it sees exactly what it sent since its last reset."""
    rng = random.Random(number)
    api = SandboxAPI(url).create_workspace(inline("small", SCENARIOS["small"]))
    sms = SmsClient(api.account, api.apikey, url)
    balance, sent, ids, checks = SCENARIOS["small"], [], [], 0

    def check() -> None:
        messages = api.messages(limit=1000)
        assert sorted(m["code"] for m in messages) == sorted(sent), (number, "messages")
        assert {m["account"] for m in messages} <= {api.account}, (number, "another's message")
        assert api.get_account()["balance"] == balance - len(sent), (number, "balance")

    for i in range(steps):
        kind = rng.choices(["send", "reset", "switch", "check"], [80, 6, 4, 10])[0]
        if kind == "send":
            code = f"{number}{i:05d}"
            try:
                ids.append(sms.send(f"139{number:02d}{i:06d}", CODE_TEXT.format(code)).id)
                sent.append(code)
            except BalanceExhaustedError:
                assert len(sent) == balance, (number, "4051 before the balance was used up")
        elif kind == "reset":
            api.reset()
            sent = []
        elif kind == "switch":
            name = rng.choice(sorted(SCENARIOS))
            api.use_scenario(inline(name, SCENARIOS[name]))
            balance, sent = SCENARIOS[name], []
        else:
            check()
            checks += 1
    check()
    requests = api.requests(limit=1000)
    assert {r["params"]["account"] for r in requests} <= {api.account}, (number, "another's request")
    api.delete_workspace()
    return {"suite": number, "account": api.account, "ids": ids, "checks": checks + 1}


def test_eight_suites_in_parallel_processes_each_see_exactly_their_own(db_url):
    with running_sandbox("--db", db_url, "--workers", "2") as sandbox:
        own = SandboxAPI(sandbox.url)
        before = own.messages()
        with multiprocessing.get_context("spawn").Pool(8) as pool:
            results = pool.starmap(suite, [(sandbox.url, n, 120) for n in range(8)])
        assert own.messages() == before  # the sandbox's own state saw none of it
        assert own.workspaces() == []
    ids = [i for r in results for i in r["ids"]]
    assert len(ids) == len(set(ids)), "an smsid was issued twice"
    assert len({r["account"] for r in results}) == 8
    assert all(r["checks"] >= 2 for r in results)


def test_a_long_poll_in_one_workspace_wakes_for_its_own_delivery_only(db_url):
    with running_sandbox("--db", db_url, "--workers", "2") as sandbox:
        shared = SandboxAPI(sandbox.url)
        one, two = shared.create_workspace(inline("a", 10)), shared.create_workspace(inline("b", 10))
        with ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(one.latest_message, "13800000001", wait=20)
            time.sleep(0.5)
            SmsClient(two.account, two.apikey, sandbox.url).send("13800000001", CODE_TEXT.format("2222"))
            SmsClient("C00000001", DEMO_APIKEY, sandbox.url).send("13800000001",
                                                                                 CODE_TEXT.format("3333"))
            time.sleep(1.0)
            assert not waiting.done(), "the poll woke for another workspace's delivery"
            SmsClient(one.account, one.apikey, sandbox.url).send("13800000001", CODE_TEXT.format("1111"))
            found = waiting.result(timeout=10)
    assert found["code"] == "1111" and found["account"] == one.account


class _Receiver(BaseHTTPRequestHandler):
    got: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        length = int(self.headers.get("Content-Length", 0))
        from urllib.parse import parse_qsl
        _Receiver.got.append(dict(parse_qsl(self.rfile.read(length).decode())))
        body = b"success"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_workspace_s_receipts_are_pushed_and_listed_in_it(db_url):
    _Receiver.got = []  # this test's pushes only (it runs on each backend)
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/receipt"
    try:
        with running_sandbox("--db", db_url, "--workers", "2") as sandbox:
            api = SandboxAPI(sandbox.url).create_workspace(inline("receipts", 10, receipt_url=url))
            smsid = SmsClient(api.account, api.apikey, sandbox.url).send("13800000001", CODE_TEXT.format("1234")).id
            api.flush_receipts()
            assert wait_until(lambda: [r["status"] for r in api.receipts()] == ["sent"], 15)
            assert SandboxAPI(sandbox.url).receipts() == []
    finally:
        receiver.shutdown()
    assert [g.get("smsid") or g.get("voiceid") for g in _Receiver.got] == [smsid]


def test_an_unused_workspace_is_removed_after_its_idle_time(tmp_path):
    with running_sandbox("--db", str(tmp_path / "s.db"), "--workspace-idle", "1") as sandbox:
        shared = SandboxAPI(sandbox.url)
        made = shared.create_workspace()
        assert [w["id"] for w in shared.workspaces()] == [made.workspace]
        assert wait_until(lambda: shared.workspaces() == [], 20)
        with pytest.raises(SandboxError, match="HTTP 404"):
            made.messages()
    assert not list((tmp_path / "s.db.workspaces").glob("*.db")), "its store was left behind"


def test_the_banner_prints_the_workspace_limits(tmp_path):
    with running_sandbox("--db", str(tmp_path / "s.db"), "--max-workspaces", "7", "--workspace-idle", "600") as sandbox:
        banner = sandbox.banner
    assert "/_sandbox/workspaces  (at most 7, each removed after 600 s unused)" in banner


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ihuyi_sandbox", "workspaces", *args], capture_output=True,
                          text=True, timeout=60)


def test_the_workspaces_command_creates_lists_and_deletes(tmp_path):
    scenario = tmp_path / "mine.toml"
    scenario.write_text(inline("mine", 5))
    with running_sandbox("--db", str(tmp_path / "s.db"), "--admin-token", "t0ken") as sandbox:
        made = cli("create", "--url", sandbox.url, "--token", "t0ken", "--toml", str(scenario))
        assert made.returncode == 0, made.stderr
        workspace = json.loads(made.stdout)
        listed = cli("list", "--url", sandbox.url, "--token", "t0ken")
        refused = cli("list", "--url", sandbox.url)
        deleted = cli("delete", "--url", sandbox.url, "--token", workspace["token"], workspace["id"])
        again = cli("delete", "--url", sandbox.url, "--token", "t0ken", workspace["id"])
    assert [a["balance"] for a in workspace["accounts"]] == [5] and workspace["scenario"] == "mine"
    assert [w["id"] for w in json.loads(listed.stdout)["workspaces"]] == [workspace["id"]]
    assert refused.returncode == 1 and "HTTP 401" in refused.stderr
    assert deleted.returncode == 0 and json.loads(deleted.stdout)["status"] == "deleted"
    assert again.returncode == 1 and f"no workspace '{workspace['id']}'" in again.stderr
    down = cli("list", "--url", "http://127.0.0.1:9")
    assert down.returncode == 1 and "no answer from the sandbox at http://127.0.0.1:9" in down.stderr


def test_workspaces_created_at_once_by_two_workers_stop_at_the_limit(tmp_path):
    """The limit is counted where the workspace is written: forty creations at once, across two
    workers sharing the database, give exactly three workspaces and 37 clear refusals."""
    with running_sandbox("--db", str(tmp_path / "s.db"), "--workers", "2", "--max-workspaces", "3") as sandbox:
        def create(_: int) -> str:
            try:
                return str(SandboxAPI(sandbox.url).create_workspace(inline("small", 5)).workspace)
            except SandboxError as refused:
                return str(refused)

        with ThreadPoolExecutor(40) as pool:
            answers = list(pool.map(create, range(40)))
        listed = [w["id"] for w in SandboxAPI(sandbox.url).workspaces()]
    refusals = [a for a in answers if "HTTP 409" in a]
    assert len(refusals) == 37, answers
    assert all("most workspaces (3, set by --max-workspaces)" in a for a in refusals), refusals
    assert sorted(set(answers) - set(refusals)) == sorted(listed) and len(listed) == 3
