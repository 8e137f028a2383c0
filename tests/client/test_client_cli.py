"""``ihuyi-sandbox send`` and ``ihuyi-sandbox balance`` as processes against a running sandbox."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
from ihuyi_sandbox.testing import running_sandbox

from ihuyi_sandbox.service.records import DEMO_APIID, DEMO_APIKEY

SENT = re.compile(r"sent: voice id [1-9][0-9]* \(code 2 提交成功\)\n")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("client-cli") / "sandbox.db"
    with running_sandbox("--db", str(db), "--scenario", "default", "--fresh") as running:
        yield running.url


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The command with only the given IHUYI_* variables set."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("IHUYI_")}
    return subprocess.run([sys.executable, "-m", "ihuyi_sandbox", *args], env={**clean, **(env or {})},
                          capture_output=True, text=True, encoding="utf-8", timeout=60)


def environment(url: str, apikey: str = DEMO_APIKEY) -> dict[str, str]:
    return {"IHUYI_ACCOUNT": DEMO_APIID, "IHUYI_APIKEY": apikey, "IHUYI_URL": url}


def test_send_with_the_environment(sandbox):
    done = run("send", "--mobile", "13812345678", "--code", "1234", env=environment(sandbox))
    assert (done.returncode, done.stderr) == (0, "") and SENT.fullmatch(done.stdout)


@pytest.mark.parametrize("extra", [[], ["--format", "json"], ["--dynamic-password"],
                                   ["--format", "json", "--dynamic-password", "--timeout", "5"]])
def test_send_with_options(sandbox, extra):
    done = run("send", "--account", DEMO_APIID, "--apikey", DEMO_APIKEY, "--url", sandbox,
               "--mobile", "13812345678", "--code", "567890", *extra)
    assert (done.returncode, done.stderr) == (0, "") and SENT.fullmatch(done.stdout)


def test_options_win_over_the_environment(sandbox):
    done = run("balance", "--apikey", DEMO_APIKEY, env=environment(sandbox, apikey="wrong"))
    assert done.returncode == 0 and re.fullmatch(r"balance: [0-9]+\n", done.stdout)


@pytest.mark.parametrize("format", ["xml", "json"])
def test_balance_goes_down_by_one_per_call(sandbox, format):
    env = environment(sandbox)
    before = run("balance", "--format", format, env=env)
    assert before.returncode == 0 and before.stderr == ""
    run("send", "--mobile", "13812345678", "--code", "1234", env=env)
    after = run("balance", "--format", format, env=env)
    left = int(before.stdout.removeprefix("balance: "))
    assert after.stdout == f"balance: {left - 1}\n"


@pytest.mark.parametrize(("args", "expected"), [
    (["send", "--mobile", "13900004051", "--code", "1234"], "error 4051: 剩余条数不足\n"),
    (["send", "--mobile", "13900004030", "--code", "1234"], "error 4030: 手机号码已被列入黑名单\n"),
    (["send", "--mobile", "12345", "--code", "1234"], "error 406: 手机格式不正确\n"),
    (["send", "--mobile", "13812345678", "--code", "12"], "error 4070: 语音验证码内容必须为4-6位数字\n"),
    (["balance", "--apikey", "wrong"], "error 405: 用户名或密码不正确\n"),
])
def test_an_ihuyi_error_prints_its_code_and_message_and_exits_1(sandbox, args, expected):
    done = run(*args, env=environment(sandbox))
    assert (done.returncode, done.stdout, done.stderr) == (1, "", expected)


@pytest.mark.parametrize(("mobile", "words"), [
    ("13900010503", "transport error: HTTP 503 from http://"),
    ("13900011002", "transport error: connection"),
    ("13900011004", "transport error: body is not a contract answer"),
    ("13900011000", "transport error: no answer within 1.0 s"),
])
def test_a_transport_error_is_said_plainly_and_exits_1(sandbox, mobile, words):
    done = run("send", "--mobile", mobile, "--code", "1234", "--timeout", "1", env=environment(sandbox))
    assert (done.returncode, done.stdout) == (1, "") and done.stderr.startswith(words)


def test_a_url_with_nothing_listening_is_a_transport_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = run("balance", env=environment(f"http://127.0.0.1:{port}"))
    assert done.returncode == 1 and done.stderr.startswith("transport error: connection refused")


@pytest.mark.parametrize(("unset", "words"), [("IHUYI_ACCOUNT", "--account"), ("IHUYI_APIKEY", "--apikey")])
@pytest.mark.parametrize("command", [["balance"], ["send", "--mobile", "13812345678", "--code", "1234"]])
def test_missing_credentials_are_a_usage_error(sandbox, command, unset, words):
    env = environment(sandbox)
    del env[unset]
    done = run(*command, env=env)
    assert done.returncode == 2 and done.stdout == ""
    assert "(see ihuyi-sandbox " in done.stderr and len(done.stderr.splitlines()) == 1 and words in done.stderr and unset in done.stderr


@pytest.mark.parametrize("args", [["--url", "not a url"], ["--timeout", "0"], ["--timeout", "soon"],
                                  ["--format", "yaml"]])
def test_bad_options_are_a_usage_error(sandbox, args):
    done = run("balance", *args, env=environment(sandbox))
    assert done.returncode == 2 and "(see ihuyi-sandbox balance --help)" in done.stderr


def test_help_lists_the_client_commands():
    done = run("--help")
    assert done.returncode == 0 and "send" in done.stdout and "balance" in done.stdout
