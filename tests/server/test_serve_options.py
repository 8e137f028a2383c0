"""``ihuyi-sandbox serve``'s options and address, refused as a process: one line, exit status 2,
nothing created; and never two servers on one port."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest

from ihuyi_sandbox.testing import SandboxProcess, running_sandbox


def serve(*args: str, db) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ihuyi_sandbox", "serve", "--db", str(db), *args],
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
    (["--keep-requests", "0"], ["--keep-requests", "from 1 to"]),
    (["--workers", "two"], ["--workers", "two"]),
    (["--workers", "100000"], ["--workers", "64"]),
    (["--threads", "0"], ["--threads"]),
    (["--idle-timeout", "1e17"], ["--idle-timeout", "86400"]),
    (["--body-timeout", "inf"], ["--body-timeout"]),
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
    with running_sandbox("--db", str(tmp_path / "first.db")) as first:
        port = first.address[1]
        db = tmp_path / "second" / "s.db"
        refused(serve("--port", str(port), db=db), db, str(port), "in use")
        # every call still reaches the first one's database
        dbs = {json.loads(first.get("/_sandbox/health"))["db"] for _ in range(20)}
        assert dbs == {str(tmp_path / "first.db")}


def test_sandboxes_started_together_on_one_port_give_one_server(tmp_path):
    for attempt in range(3):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        both = [subprocess.Popen([sys.executable, "-m", "ihuyi_sandbox", "serve", "--port", str(port), "--db",
                                  str(tmp_path / f"{attempt}-{i}.db")], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, start_new_session=True) for i in range(2)]
        try:
            deadline = time.monotonic() + 30
            while all(p.poll() is None for p in both) and time.monotonic() < deadline:
                time.sleep(0.1)
            refused = [p for p in both if p.poll() == 2]
            assert len(refused) == 1, [p.poll() for p in both]
            assert "in use" in refused[0].stderr.read()
            dbs: list[str] = []
            while len(dbs) < 20 and time.monotonic() < deadline:  # every call reaches the one database
                try:
                    dbs.append(json.loads(SandboxProcess(f"http://127.0.0.1:{port}", both[0]).get("/_sandbox/health", timeout=2))["db"])
                except OSError:
                    time.sleep(0.25)
            assert len(dbs) == 20 and len(set(dbs)) == 1
        finally:
            for process in both:
                SandboxProcess("", process).stop()


def test_a_database_that_cannot_be_written_is_refused_in_a_line_or_two(tmp_path):
    result = serve("--port", "0", db="/dev/null")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "/dev/null cannot be used" in result.stderr


def test_host_may_be_a_name_such_as_localhost(tmp_path):
    with running_sandbox("--db", str(tmp_path / "s.db"), "--host", "localhost") as sandbox:
        assert sandbox.url.startswith("http://127.0.0.1:")
        assert json.loads(sandbox.get("/_sandbox/health"))["status"] == "ok"
