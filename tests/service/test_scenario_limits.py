"""Hostile or careless scenarios and bodies: patterns that backtrack, names that reach outside the
scenarios, files that are no files, numbers out of range and nesting without end. Each is refused
with its reason (``file:line: reason`` or HTTP 400), never a stall, a leak or a traceback."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from tests.support import DEMO, VOICE, scenario_text
from ihuyi_sandbox.testing import running_sandbox
from hypothesis import given, settings
from hypothesis import strategies as st

from ihuyi_sandbox.testing.driver import in_process
from ihuyi_sandbox.api.config import Config
from ihuyi_sandbox.service.records import MAX_INTEGER
from ihuyi_sandbox.service.scenarios import MAX_FILE_BYTES, ScenarioError, parse
from ihuyi_sandbox.products.voice.answers import parse_xml

HEAD = 'name = "t"\ndescription = "d"\n'


def run_cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ihuyi_sandbox", *args], capture_output=True, text=True,
                          timeout=timeout)


def send(url: str, method: str, path: str, body: bytes, content_type: str = "application/json",
         timeout: float = 10) -> tuple[int, dict]:
    request = urllib.request.Request(url + path, data=body, method=method, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def put_name(url: str, name: str) -> tuple[int, dict]:
    return send(url, "PUT", "/_sandbox/scenario", json.dumps({"name": name}).encode())


# -- 1. patterns run in linear time -----------------------------------------------------------------
def test_a_backtracking_pattern_is_answered_at_once_and_holds_up_no_other_request(tmp_path):
    path = tmp_path / "evil.toml"
    path.write_text(scenario_text(more='[[rules]]\nmobile_regex = "(a+)+$"\ncode = 407\n'))
    with running_sandbox("--db", str(tmp_path / "s.db"), "--scenario", str(path)) as sandbox:
        answers: list[tuple[int, str, bytes]] = []
        # Python's re takes about 2**n steps on this mobile: days for n = 40
        submit = threading.Thread(target=lambda: answers.append(
            sandbox.call("Submit", {**DEMO, "mobile": "a" * 40 + "!", "content": "1234"}, timeout=20)))
        submit.start()
        assert json.loads(sandbox.get("/_sandbox/health", timeout=5))["status"] == "ok"
        submit.join(timeout=20)
        assert answers and answers[0][0] == 200 and parse_xml(answers[0][2]).code != 407
        # the whole mobile must match, as before
        assert parse_xml(sandbox.call("Submit", {**DEMO, "mobile": "a" * 40, "content": "1234"})[2]).code == 407


def test_a_huge_field_is_matched_by_no_pattern_and_answered_at_once_with_the_contracts_code(tmp_path):
    slow = "[ab]*a[ab]{990}c"  # no DFA fits it: RE2 steps through a thousand states a character
    path = tmp_path / "slow.toml"
    path.write_text(scenario_text(more=f'[[rules]]\nmobile_regex = "{slow}"\ncode = 407\n'
                                       f'[[rules]]\ncontent_regex = "{slow}"\ncode = 407\n'
                                       '[[rules]]\nmobile_regex = "1[0-9]{10}"\ncontent_regex = "[0-9]+"\ncode = 4030\n'))
    huge = "".join(random.Random(0).choices("ab", k=32000))  # a repeating one would find its states cached
    with running_sandbox("--db", str(tmp_path / "s.db"), "--scenario", str(path)) as sandbox:
        started = time.monotonic()
        for _ in range(20):
            assert parse_xml(sandbox.call("Submit", {**DEMO, "mobile": huge, "content": huge})[2]).code == 406
        assert parse_xml(sandbox.call("Submit", {**DEMO, "mobile": "13812345678", "content": huge})[2]).code == 4070
        assert time.monotonic() - started < 3
        assert parse_xml(sandbox.call("Submit", {**DEMO, "mobile": "13812345678", "content": "1234"})[2]).code == 4030


@pytest.mark.parametrize("pattern", [r"(\\d)\\1", "13(?=8)[0-9]+", "(?<!1)3"])
def test_check_refuses_a_pattern_re2_cannot_run_naming_its_line(tmp_path, pattern):
    path = tmp_path / "s.toml"
    path.write_text(HEAD + f'[[rules]]\ncode = 407\nmobile_regex = "{pattern}"\n')
    result = run_cli("scenarios", "check", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{path}:5: bad pattern") and "RE2 syntax" in result.stderr


# -- 2. a name loads only a shipped scenario or a file of the scenarios directory ----------------
@pytest.fixture
def scenarios_dir(tmp_path):
    """The operator's directory, with two good files and every kind of trap."""
    root = tmp_path / "mine"
    (root / "team").mkdir(parents=True)
    (root / "own.toml").write_text(scenario_text(balance=7))
    (root / "team" / "deep.toml").write_text(scenario_text(balance=8))
    outside = tmp_path / "outside.toml"
    outside.write_text(scenario_text(balance=9) + 'secret = "s3cr3t"\n')
    (root / "escape.toml").symlink_to(outside)
    (root / "zero.toml").symlink_to("/dev/zero")
    os.mkfifo(root / "pipe.toml")
    (root / "folder.toml").mkdir()
    (root / "big.toml").write_text(scenario_text() + "#" * MAX_FILE_BYTES)
    return root


def test_a_name_loads_only_shipped_scenarios_and_regular_files_inside_the_scenarios_dir(tmp_path, scenarios_dir):
    outside = tmp_path / "outside.toml"
    with running_sandbox("--db", str(tmp_path / "s.db"), "--threads", "2",
                       "--scenarios-dir", str(scenarios_dir)) as sandbox:
        for name, balance in (("own", 7), ("own.toml", 7), ("team/deep", 8), ("insufficient-balance", 3)):
            status, body = put_name(sandbox.url, name)
            assert status == 200, (name, body)
            assert parse_xml(sandbox.call("GetNum", DEMO)[2]).value == str(balance)
        refused = {}
        for name in ("/etc/passwd", "/proc/self/environ", "/dev/zero", str(outside), "../outside",
                     "../outside.toml", "team/../../outside", "escape", "zero", "pipe", "pipe.toml",
                     "folder", "nothing-here", "team", ""):
            refused[name] = put_name(sandbox.url, name)
        assert len({json.dumps(answer) for answer in refused.values()}) == 1, refused
        status, body = refused["/etc/passwd"][0], json.dumps(refused["/etc/passwd"][1])
        assert status == 400, body
        assert "s3cr3t" not in body and "root:" not in body and "No such file" not in body
        assert "insufficient-balance" in body and "--scenarios-dir" in body
        # the operator's own files may say what is wrong with them
        status, body = put_name(sandbox.url, "big")
        assert status == 400 and body["problems"] == [f"{scenarios_dir / 'big.toml'}:1: larger than 1024 KiB, "
                                                      "the most a scenario may be"]
        # nothing was left waiting on the FIFO: both threads still answer
        for _ in range(4):
            assert json.loads(sandbox.get("/_sandbox/health", timeout=5))["status"] == "ok"
        listed = json.loads(sandbox.get("/_sandbox/scenarios"))["available"]
        assert {"own", "default"} <= {a["name"] for a in listed}
        assert not {"escape", "zero", "pipe", "folder"} & {a["name"] for a in listed}


def test_without_a_scenarios_dir_a_name_loads_no_file(tmp_path):
    path = tmp_path / "own.toml"
    path.write_text(scenario_text(balance=7))
    with running_sandbox("--db", str(tmp_path / "s.db")) as sandbox:
        status, body = put_name(sandbox.url, str(path))
        assert status == 400 and "without --scenarios-dir" in json.dumps(body)
        assert put_name(sandbox.url, "blacklist")[0] == 200


def test_every_file_read_refuses_what_is_not_a_small_regular_file(tmp_path, scenarios_dir):
    for name, reason in (("pipe.toml", "not a regular file"), ("folder.toml", "not a regular file"),
                         ("big.toml", "larger than 1024 KiB")):
        path = scenarios_dir / name
        result = run_cli("scenarios", "check", str(path))
        assert result.returncode == 1 and result.stderr.startswith(f"{path}:1: {reason}")
        assert len(result.stderr.splitlines()) == 1
        result = run_cli("serve", "--port", "0", "--db", str(tmp_path / "s.db"), "--scenario", str(path))
        assert result.returncode == 2 and f"{path}:1: {reason}" in result.stderr
    result = run_cli("scenarios", "check", "/dev/zero")
    assert (result.returncode, result.stderr) == (1, "/dev/zero:1: not a regular file\n")


# -- 5. numbers in range, nesting bounded --------------------------------------------------------
@pytest.mark.parametrize(("body", "line", "reason"), [
    ("[[accounts]]\napiid = 'V1'\napikey = 'k'\nbalance = 99999999999999999999\n", 6, "balance must be between 0 and"),
    (f"[[accounts]]\napiid = 'V1'\napikey = 'k'\nbalance = {MAX_INTEGER + 1}\n", 6, "balance must be between 0 and"),
    (f"[[rules]]\ncode = 0\nnth = {2**63}\n", 5, "nth must be between 1 and"),
    (f"[[rules]]\ncode = 0\nevery = {2**64}\n", 5, "every must be between 1 and"),
    (f"[[rules]]\ncode = 0\nfrom_call = {2**63}\n", 5, "from_call must be between 1 and"),
    (f"[[rules]]\ncode = 0\nuntil_call = {2**63}\n", 5, "until_call must be between 1 and"),
    (f"[[rules]]\ncode = 0\nafter_successes = {2**63}\n", 5, "after_successes must be between 0 and"),
    (f"[[rules]]\ncode = 0\ntimes = {2**63}\n", 5, "times must be between 1 and"),
    (f"[[rules]]\ncode = 0\nlimit = {{ count = {2**63}, window_seconds = 1 }}\n", 5, "limit.count must be"),
    ("[[rules]]\ncode = 0\nlimit = { count = 1, window_seconds = 1e300 }\n", 5, "limit.window_seconds must be"),
    ("[[rules]]\ncode = 0\nlimit = { count = 1, window_seconds = nan }\n", 5, "limit.window_seconds must be"),
    (f"[settings]\nrandom_seed = {2**63}\n", 4, "random_seed must be between"),
    (f"[settings]\npassword_skew = {2**63}\n", 4, "password_skew must be between 0 and 86400"),
    (f"[[rules]]\ncode = {2**64}\n", 4, "unknown code"),
    ("x = " + "9" * 5000 + "\n", 1, "invalid TOML"),
    ("x = " + "[" * 1000 + "]" * 1000 + "\n", 3, "nested more than 16 deep"),
    ("x = " + "{a = " * 1000 + "1" + "}" * 1000 + "\n", 3, "nested more than 16 deep"),
    ("x = " + "[" * 30 + "]" * 30 + "\n", 3, "nested more than 16 deep"),
    # 10. latency is bounded like hang_seconds
    ("[[rules]]\nlatency_ms = 100000000000000000000\n", 4, "latency_ms must be milliseconds (an integer from 0 to 120000)"),
    ("[[rules]]\nlatency_ms = 120001\n", 4, "latency_ms must be milliseconds"),
    ("[[rules]]\nlatency_ms = [0, 100000000000000000000]\n", 4, "latency_ms must be milliseconds"),
])
def test_every_number_out_of_range_and_any_nesting_is_refused_with_its_line(body, line, reason):
    with pytest.raises(ScenarioError) as caught:
        parse(HEAD + body, "s.toml")
    assert any(p.startswith(f"s.toml:{line}: ") and reason in p for p in caught.value.problems), caught.value.problems


def test_the_largest_numbers_are_accepted():
    scenario = parse(scenario_text(balance=MAX_INTEGER, more="[[rules]]\nlatency_ms = 120000\n"))
    assert scenario.seed.accounts[0].balance == MAX_INTEGER and scenario.rules[0].latency_ms == (120000, 120000)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=-(2**70), max_value=2**70) | st.sampled_from([0, MAX_INTEGER, MAX_INTEGER + 1]))
def test_a_balance_the_check_passes_is_one_the_server_holds(balance):
    try:
        scenario = parse(scenario_text(balance=balance))
    except ScenarioError as error:
        assert not 0 <= balance <= MAX_INTEGER and "balance must be between 0 and" in str(error)
        return
    client = in_process(Config(db=":memory:", scenario=scenario))
    answer = client.post(f"{VOICE}?method=GetNum", data=DEMO).data
    assert parse_xml(answer).value == str(balance)


@pytest.mark.parametrize("text", [
    HEAD + "x = " + "[" * 1000 + "]" * 1000 + "\n",
    scenario_text(balance=99999999999999999999),
    scenario_text(more="[[rules]]\nlatency_ms = 100000000000000000000\n"),
])
def test_check_and_serve_refuse_the_same_file_with_a_line_and_no_traceback(tmp_path, text):
    path = tmp_path / "s.toml"
    path.write_text(text)
    check = run_cli("scenarios", "check", str(path))
    assert check.returncode == 1 and "Traceback" not in check.stderr
    (reason,) = check.stderr.splitlines()
    assert reason.startswith(f"{path}:")
    serve = run_cli("serve", "--port", "0", "--db", str(tmp_path / "s.db"), "--scenario", str(path))
    assert serve.returncode == 2 and "Traceback" not in serve.stderr and reason in serve.stderr.splitlines()


def test_the_api_refuses_big_integers_and_deep_nesting_with_400(tmp_path):
    with running_sandbox("--db", str(tmp_path / "s.db")) as sandbox:
        for value in (2**63, 10**30, -1):
            status, body = send(sandbox.url, "PATCH", "/_sandbox/accounts/V00000001",
                                json.dumps({"balance": value}).encode())
            assert status == 400 and "balance must be between 0 and 9223372036854775807" in body["error"]
            status, body = send(sandbox.url, "POST", "/_sandbox/accounts",
                                json.dumps({"apiid": "V9", "apikey": "k", "balance": value}).encode())
            assert status == 400 and "balance must be between 0" in body["error"]
        status, _ = send(sandbox.url, "PATCH", "/_sandbox/accounts/V00000001",
                         json.dumps({"balance": MAX_INTEGER}).encode())
        assert status == 200 and parse_xml(sandbox.call("GetNum", DEMO)[2]).value == str(MAX_INTEGER)
        for deep in (b"[" * 20000 + b"]" * 20000, b'{"a":' * 20 + b"1" + b"}" * 20):
            for method, path in (("PATCH", "/_sandbox/accounts/V00000001"), ("PUT", "/_sandbox/scenario")):
                status, body = send(sandbox.url, method, path, deep)
                assert status == 400 and "nested more than 16 deep" in body["error"], (method, path, body)
        toml = HEAD + "x = " + "[" * 1000 + "]" * 1000 + "\n"
        status, body = send(sandbox.url, "PUT", "/_sandbox/scenario", toml.encode(), "application/toml")
        assert status == 400 and body["problems"] == ["<inline>:3: tables and arrays nested more than 16 deep"]
        assert json.loads(sandbox.get("/_sandbox/health"))["status"] == "ok"


#: a scenario wrong on every rule: one problem for each of its ``n`` rules
def wrong_rules(n: int) -> str:
    return HEAD + "[[rules]]\nx = 1\n" * n


def test_check_of_a_file_wrong_on_every_line_is_prompt_and_reports_the_first_problems(tmp_path):
    path = tmp_path / "wrong.toml"
    path.write_text(wrong_rules(8000))
    check = run_cli("scenarios", "check", str(path), timeout=60)
    assert check.returncode == 1 and "Traceback" not in check.stderr
    *reasons, more = check.stderr.splitlines()
    assert len(reasons) == 50 and more == "... and 7950 more problems"
    assert reasons[0].startswith(f"{path}:4: unknown key 'x'") and reasons[-1].startswith(f"{path}:102: ")


def test_the_api_refuses_a_file_wrong_on_every_line_promptly_with_the_first_problems(tmp_path):
    text = wrong_rules((Config.max_body - len(HEAD)) // len("[[rules]]\nx = 1\n"))
    with running_sandbox("--db", str(tmp_path / "s.db")) as sandbox:
        status, body = send(sandbox.url, "PUT", "/_sandbox/scenario", text.encode(), "application/toml", timeout=15)
        assert status == 400 and len(body["problems"]) == 51
        assert body["problems"][0].startswith("<inline>:4: unknown key 'x'")
        assert body["problems"][-1] == f"... and {text.count('[[rules]]') - 50} more problems"
