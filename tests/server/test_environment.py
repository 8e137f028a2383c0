"""Every ``serve`` option also read from its ``IHUYI_SANDBOX_*`` variable (server/environment.py):
named in ``--help``, the command line winning, a value its option refuses answered in one line
naming the variable, as a process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ihuyi_sandbox.server.cli import build_parser
from ihuyi_sandbox.server.environment import unreadable
from ihuyi_sandbox.testing import SandboxAPI, SandboxError, running_sandbox


def command(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ihuyi_sandbox", *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, **(env or {})})


def test_serve_help_names_a_variable_for_every_option():
    help_text = command("serve", "--help").stdout
    options = set(re.findall(r"^  (--[a-z-]+)", help_text, re.MULTILINE)) - {"--help"}
    assert {"--port", "--scenario", "--fresh", "--allowed-host", "--tls-cert", "--url-file"} <= options
    flat = " ".join(help_text.split())
    for option in options:
        assert f"[$IHUYI_SANDBOX_{option[2:].upper().replace('-', '_')}]" in flat, option
    assert "the command line wins" in flat


def status(sandbox, path: str, host: str, token: str) -> int:
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
               "Connection: close\r\n\r\n").encode()
    return int(sandbox.raw(request).split(b" ", 2)[1])


def test_variables_set_the_options_and_the_command_line_wins(tmp_path):
    env = {"IHUYI_SANDBOX_SCENARIO": "blacklist", "IHUYI_SANDBOX_ADMIN_TOKEN": "sesame",
           "IHUYI_SANDBOX_ALLOWED_HOST": "a.example, b.example", "IHUYI_SANDBOX_FRESH": "yes",
           "IHUYI_SANDBOX_KEEP_DAYS": "2", "IHUYI_SANDBOX_URL_FILE": str(tmp_path / "url")}
    with running_sandbox("--db", str(tmp_path / "s.db"), env=env) as sandbox:
        assert "scenario      blacklist:" in sandbox.banner and "(admin token required)" in sandbox.banner
        assert (tmp_path / "url").read_text(encoding="utf-8").strip() == sandbox.url
        with pytest.raises(SandboxError):
            SandboxAPI(sandbox.url).messages()
        assert SandboxAPI(sandbox.url, admin_token="sesame").messages() == []
        port = sandbox.address[1]
        assert status(sandbox, "/_sandbox/messages", f"b.example:{port}", "sesame") == 200
        assert status(sandbox, "/_sandbox/messages", f"c.example:{port}", "sesame") != 200
    with running_sandbox("--db", str(tmp_path / "t.db"), "--scenario", "default", env=env) as sandbox:
        assert "scenario      default:" in sandbox.banner


@pytest.mark.parametrize(("variable", "value", "words"), [
    ("IHUYI_SANDBOX_PORT", "eighty", ["$IHUYI_SANDBOX_PORT='eighty'", "whole number"]),
    ("IHUYI_SANDBOX_KEEP_DAYS", "-1", ["$IHUYI_SANDBOX_KEEP_DAYS='-1'", "more than 0"]),
    ("IHUYI_SANDBOX_WORKERS", "100000", ["$IHUYI_SANDBOX_WORKERS", "from 1 to 64"]),
    ("IHUYI_SANDBOX_FRESH", "maybe", ["$IHUYI_SANDBOX_FRESH='maybe'", "--fresh is a flag", "true"]),
])
def test_a_value_its_option_refuses_is_one_line_naming_the_variable(tmp_path, variable, value, words):
    db = tmp_path / "new" / "s.db"
    done = command("serve", "--db", str(db), env={variable: value})
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert all(word in lines[0] for word in words), lines[0]
    assert not db.parent.exists()


def test_a_bad_serve_variable_leaves_the_other_commands_alone():
    done = command("scenarios", "list", env={"IHUYI_SANDBOX_PORT": "eighty"})
    assert done.returncode == 0 and "default" in done.stdout


SERVE_VARIABLES = ["IHUYI_SANDBOX_PORT", "IHUYI_SANDBOX_WORKERS", "IHUYI_SANDBOX_KEEP_DAYS", "IHUYI_SANDBOX_FRESH",
                   "IHUYI_SANDBOX_ALLOWED_HOST", "IHUYI_SANDBOX_IDLE_TIMEOUT", "IHUYI_SANDBOX_SCENARIO"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SERVE_VARIABLES),
       st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30))
def test_any_value_of_any_variable_is_an_option_s_value_or_refused_never_a_crash(name, value):
    with mock.patch.dict(os.environ, {name: value}):
        args = build_parser().parse_args(["serve"])
    bad = unreadable(args)
    if bad is not None:
        assert bad.variable == name and bad.value == value and bad.reason
    else:
        assert vars(args)[name.removeprefix("IHUYI_SANDBOX_").lower()] is not None
