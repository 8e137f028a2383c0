"""A full disk, made with RLIMIT_FSIZE on the server's processes (Python ignores SIGXFSZ, so a
write past the limit fails with EFBIG, which SQLite reports as a disk I/O error), then lifted."""

from __future__ import annotations

import json
import re
import resource
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from tests.support import DEMO

from ihuyi_sandbox._banner import BANNER_END
from ihuyi_sandbox.testing import SandboxAPI, SandboxProcess, wait_until
from ihuyi_sandbox.products.voice.answers import parse_xml

LIMIT = 1024 * 1024


def pad(n: int) -> str:
    """Journaled with the request: big ones fill the disk in a few dozen; the small ones between
    them still fit for a while, as on a nearly full disk."""
    return "x" * 50_000 if n % 2 else "y" * (n % 7) * 500


def limited_sandbox(db: Path) -> SandboxProcess:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, resource.RLIM_INFINITY))

    process = subprocess.Popen([sys.executable, "-m", "ihuyi_sandbox", "serve", "--port", "0", "--db", str(db)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
                               preexec_fn=limit)
    running = SandboxProcess("", process)

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            running.lines.append(line)

    threading.Thread(target=read, daemon=True).start()
    assert wait_until(lambda: any(line.rstrip("\n") == BANNER_END for line in running.lines), 30), running.output()
    running.url = re.search(r"listening on (http://\S+)", running.output()).group(1)
    return running


def lift_limit(pgid: int) -> None:
    """Every process of the server's group (the arbiter and its workers) may write again."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            resource.prlimit(int(stat.parent.name), resource.RLIMIT_FSIZE,
                             (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def submit(sandbox: SandboxProcess, n: int) -> tuple[int, bytes]:
    status, _, body = sandbox.call("Submit", {**DEMO, "mobile": "13812345678", "content": f"{n % 9000 + 1000}",
                                             "pad": pad(n)})
    return status, body


def sandbox_call(url: str, method: str, path: str, body: dict | None) -> tuple[int, dict]:
    request = urllib.request.Request(url + path, data=None if body is None else json.dumps(body).encode(),
                                     method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the server's processes in /proc")
def test_a_full_disk_is_one_line_a_clear_503_and_nothing_acknowledged_is_lost(tmp_path):
    running = limited_sandbox(tmp_path / "s.db")
    try:
        sandbox = running
        acknowledged: list[str] = []
        refused: list[bytes] = []
        n = 0

        def pressure(seconds: float, *, successes: int = 10**6) -> None:
            """Submits for ``seconds``, or until ``successes`` more are acknowledged (the balance is 1000)."""
            nonlocal n
            deadline, enough = time.monotonic() + seconds, len(acknowledged) + successes
            while time.monotonic() < deadline and len(acknowledged) < enough:
                n += 1
                status, body = submit(sandbox, n)
                if status == 200:
                    answer = parse_xml(body)
                    assert answer.code == 2, body
                    acknowledged.append(answer.value)
                else:
                    assert status == 503, body
                    refused.append(body)

        assert wait_until(lambda: (pressure(0.5), len(refused) > 0)[1], 30), "the disk never filled"
        pressure(2)  # a spell of failures, not one
        assert refused[0].startswith(b"the sandbox cannot write its database: disk I/O error;"), refused[0]
        status, answer = sandbox_call(running.url, "POST", "/_sandbox/accounts",
                                      {"apiid": "V2", "apikey": "k" * 60_000})
        assert status == 503 and answer["error"].startswith("the sandbox cannot write its database"), answer
        assert SandboxAPI(running.url).messages(limit=1)  # reads still work
        pressure(0.3)  # a failure within the last second: the health check says so, and why
        status, health = sandbox_call(running.url, "GET", "/_sandbox/health", None)
        assert status == 503 and health["error"] == f"the sandbox cannot write its database {tmp_path / 's.db'}: " \
                                                   "disk I/O error", health

        before = len(acknowledged)
        lift_limit(running.process.pid)
        assert wait_until(lambda: (pressure(0.2, successes=20), "writes its database" in running.output())[1],
                          10), running.output()
        assert len(acknowledged) > before
        assert sandbox_call(running.url, "GET", "/_sandbox/health", None)[0] == 200

        output = running.output()
        assert output.count("cannot write its database") == 1, output
        assert output.count("writes its database") == 1 and "Traceback" not in output, output
        inbox = {m["voiceid"] for m in SandboxAPI(running.url).messages(limit=1000)}
        assert set(acknowledged) <= inbox
    finally:
        running.stop()
