"""Scenarios against a real server process: faults on the socket, multi-worker switching, file
reload, and the concurrency invariants."""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from tests.support import DEMO, scenario_text
from ihuyi_sandbox.testing import running_sandbox

from ihuyi_sandbox.storage import SQLiteStorage
from ihuyi_sandbox.products.voice.answers import parse_xml
from ihuyi_sandbox.wire.answers import MalformedBody

OK = {**DEMO, "content": "1234"}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with running_sandbox("--db", str(tmp_path_factory.mktemp("faults") / "s.db"), "--workers", "2") as running:
        yield running


def balance(sandbox) -> int:
    return int(parse_xml(sandbox.call("GetNum", DEMO)[2]).value)


def test_reset_closes_the_connection_without_an_answer(sandbox):
    before = balance(sandbox)
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected, urllib.error.URLError)):
        sandbox.call("Submit", {**OK, "mobile": "13900011002"})
    assert balance(sandbox) == before


def test_hang_outlasts_the_clients_timeout(sandbox):
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        sandbox.call("Submit", {**OK, "mobile": "13900011001"}, timeout=1)


def test_slow_answers_after_its_latency(sandbox):
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        sandbox.call("Submit", {**OK, "mobile": "13900011000"}, timeout=1)
    started = time.monotonic()
    status, _, body = sandbox.call("Submit", {**OK, "mobile": "13900011000"}, timeout=10)
    assert status == 200 and parse_xml(body).code == 2 and time.monotonic() - started >= 3


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_gateway_errors_answer_an_html_page(sandbox, status):
    before = balance(sandbox)
    got, content_type, body = sandbox.call("Submit", {**OK, "mobile": f"1390001{status:04d}"})
    assert (got, content_type) == (status, "text/html")
    assert f"<title>{status} ".encode() in body and b"nginx" in body
    assert balance(sandbox) == before


@pytest.mark.parametrize("mobile", ["13900011003", "13900011004", "13900011005"])
def test_spoiled_bodies_come_after_a_real_delivery(sandbox, mobile):
    before = balance(sandbox)
    status, content_type, body = sandbox.call("Submit", {**OK, "mobile": mobile})
    assert (status, content_type) == (200, "text/xml; charset=utf-8")
    with pytest.raises(MalformedBody):
        parse_xml(body)
    assert balance(sandbox) == before - 1


def test_wrong_content_type(sandbox):
    status, content_type, body = sandbox.call("Submit", {**OK, "mobile": "13900011006"})
    assert (status, content_type) == (200, "text/html; charset=utf-8") and parse_xml(body).code == 2


def test_magic_codes_over_the_wire(sandbox):
    for code in (0, 406, 4030, 4051, 408, 407):
        assert parse_xml(sandbox.call("Submit", {**OK, "mobile": f"1390000{code:04d}"})[2]).code == code


def put_scenario(sandbox, spec: dict) -> dict:
    request = urllib.request.Request(f"{sandbox.url}/_sandbox/scenario", data=json.dumps(spec).encode(),
                                     method="PUT", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_a_switch_reaches_every_worker_and_resets_the_state(tmp_path):
    with running_sandbox("--db", str(tmp_path / "s.db"), "--workers", "2") as sandbox:
        sandbox.call("Submit", {**OK, "mobile": "13812345678"})
        put_scenario(sandbox, {"name": "insufficient-balance"})
        assert {balance(sandbox) for _ in range(30)} == {3}
        codes = [parse_xml(sandbox.call("Submit", {**OK, "mobile": "13812345678"})[2]).code for _ in range(5)]
        assert codes == [2, 2, 2, 4051, 4051]
        urllib.request.urlopen(urllib.request.Request(f"{sandbox.url}/_sandbox/reset", method="POST"), timeout=10)
        assert {balance(sandbox) for _ in range(30)} == {3}


SCENARIO = scenario_text(balance=100, more="[[rules]]\ncode = {code}\n")


def test_editing_the_active_file_reloads_its_rules_and_a_bad_edit_keeps_them(tmp_path):
    path = tmp_path / "editable.toml"
    path.write_text(SCENARIO.format(code=407))
    with running_sandbox("--db", str(tmp_path / "s.db"), "--workers", "2", "--scenario", str(path)) as sandbox:
        submit = lambda: parse_xml(sandbox.call("Submit", {**OK, "mobile": "13812345678"})[2]).code  # noqa: E731
        assert submit() == 407
        path.write_text(SCENARIO.format(code=4030))
        assert wait_for(lambda: all(submit() == 4030 for _ in range(6)))
        path.write_text(SCENARIO.format(code=1))
        time.sleep(2.5)
        assert {submit() for _ in range(10)} == {4030}
        assert wait_for(lambda: "keeps its old rules" in sandbox.output() and ":8: unknown code 1" in sandbox.output())


def test_an_edit_wrong_on_every_line_keeps_the_rules_with_one_warning_and_holds_up_no_request(tmp_path):
    path = tmp_path / "editable.toml"
    path.write_text(SCENARIO.format(code=407))
    with running_sandbox("--db", str(tmp_path / "s.db"), "--scenario", str(path)) as sandbox:
        submit = lambda: parse_xml(sandbox.call("Submit", {**OK, "mobile": "13812345678"}, timeout=5)[2]).code  # noqa: E731
        assert submit() == 407
        path.write_text(SCENARIO.format(code=407) + "[[rules]]\nx = 1\n" * 4000)
        assert wait_for(lambda: submit() == 407 and "keeps its old rules" in sandbox.output())
        (warning,) = [line for line in sandbox.output().splitlines() if "unknown key" in line]
        assert "keeps its old rules" in warning and "(and 3999 more: ihuyi-sandbox scenarios check" in warning
        assert {submit() for _ in range(5)} == {407}


def wait_for(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_concurrent_submits_never_oversell_the_balance(tmp_path):
    path = tmp_path / "fifty.toml"
    path.write_text(SCENARIO.replace("balance = 100", "balance = 50").split("[[rules]]")[0])
    db = tmp_path / "s.db"
    with running_sandbox("--db", str(db), "--workers", "2", "--scenario", str(path)) as sandbox:
        def one(i: int) -> tuple[int, str]:
            answer = parse_xml(sandbox.call("Submit", {**OK, "mobile": f"138{i:08d}"}, timeout=30)[2])
            return answer.code, answer.value

        with ThreadPoolExecutor(max_workers=40) as pool:
            results = list(pool.map(one, range(200)))
    codes = [code for code, _ in results]
    assert codes.count(2) == 50 and codes.count(4051) == 150
    ids = [voiceid for code, voiceid in results if code == 2]
    assert len(set(ids)) == 50
    storage = SQLiteStorage(str(db))
    assert len(storage.journal(limit=1000)) == 200
    assert sorted(d.voiceid for d in storage.deliveries(limit=1000)) == sorted(ids)
    assert storage.account("V00000001").balance == 0
