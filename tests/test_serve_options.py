"""``ihuyi-sandbox serve``'s options and address, refused as a process: one line, exit status 2,
nothing created; and never two servers on one port."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest
from helpers import serve_process


def serve(*args: str, db) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ihuyi_sandbox.cli", "serve", "--db", str(db), *args],
                          capture_output=True, text=True, timeout=60)


def refused(result: subprocess.CompletedProcess[str], db, *words: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert all(word in lines[0] for word in words), lines[0]
    assert not db.parent.exists(), "nothing may be created for a refused start"


@pytest.mark.parametrize("args, words", [
    (["--port", "70000"], ["--port", "70000", "65535"]),
    (["--port", "-1"], ["--port", "-1"]),
    (["--port", "eighty"], ["--port", "eighty"]),
    (["--keep-days", "-1"], ["--keep-days", "more than 0"]),
    (["--keep-days", "nan"], ["--keep-days"]),
    (["--keep-requests", "0"], ["--keep-requests", "1 or more"]),
    (["--workers", "two"], ["--workers", "two"]),
    (["--host", "no-such-host.invalid"], ["--host", "no-such-host.invalid"]),
])
def test_an_option_out_of_range_is_one_line_and_exit_status_2(tmp_path, args, words):
    db = tmp_path / "new" / "s.db"
    refused(serve(*args, db=db), db, *words)


def test_a_port_another_program_holds_is_refused_before_the_database_is_made(tmp_path):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        db = tmp_path / "new" / "s.db"
        refused(serve("--port", str(port), db=db), db, str(port), "in use")


def test_a_second_sandbox_on_the_port_of_a_running_one_does_not_start(tmp_path):
    with serve_process("--db", str(tmp_path / "first.db")) as first:
        port = first.address[1]
        db = tmp_path / "second" / "s.db"
        refused(serve("--port", str(port), db=db), db, str(port), "in use")
        # every call still reaches the first one's database
        dbs = {json.loads(first.get("/_sandbox/health"))["db"] for _ in range(20)}
        assert dbs == {str(tmp_path / "first.db")}


def test_host_may_be_a_name_such_as_localhost(tmp_path):
    with serve_process("--db", str(tmp_path / "s.db"), "--host", "localhost") as sandbox:
        assert sandbox.url.startswith("http://127.0.0.1:")
        assert json.loads(sandbox.get("/_sandbox/health"))["status"] == "ok"
