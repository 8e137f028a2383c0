"""``ihuyi-sandbox serve`` as a real process: banner, health, restart, signals, raw bytes."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys

import pytest
from tests.support import DEMO
from ihuyi_sandbox.testing import SandboxAPI, running_sandbox

from ihuyi_sandbox.products.voice.answers import parse_xml

OK = {**DEMO, "mobile": "13812345678", "content": "1234"}


def test_banner_names_the_url_and_the_demo_account_and_health_answers(tmp_path):
    with running_sandbox("--db", str(tmp_path / "s.db")) as sandbox:
        assert sandbox.url.startswith("http://127.0.0.1:")
        assert "APIID V00000001" in sandbox.banner and "APIKEY 0123456789abcdef0123456789abcdef" in sandbox.banner
        health = json.loads(sandbox.get("/_sandbox/health"))
        assert health["status"] == "ok" and health["db"] == str(tmp_path / "s.db")


def test_restart_keeps_balances_deliveries_journal_and_never_reuses_a_voice_id(tmp_path):
    db = str(tmp_path / "s.db")
    ids = set()
    with running_sandbox("--db", db) as sandbox:
        for _ in range(3):
            ids.add(parse_xml(sandbox.call("Submit", OK)[2]).value)
    with running_sandbox("--db", db) as sandbox:
        assert parse_xml(sandbox.call("GetNum", DEMO)[2]).value == "997"
        for _ in range(3):
            ids.add(parse_xml(sandbox.call("Submit", OK)[2]).value)
        assert parse_xml(sandbox.call("GetNum", DEMO)[2]).value == "994"
    assert len(ids) == 6 and "0" not in ids


def test_sigterm_stops_cleanly(tmp_path):
    with running_sandbox("--db", str(tmp_path / "s.db"), "--workers", "2") as sandbox:
        sandbox.call("GetNum", DEMO)
        assert sandbox.stop(signal.SIGTERM) == 0  # to the whole group, as systemd does


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_the_server_alone_stops_it_cleanly(tmp_path, sig):
    with running_sandbox("--db", str(tmp_path / "s.db"), "--workers", "2") as sandbox:
        sandbox.call("GetNum", DEMO)
        sandbox.process.send_signal(sig)  # as docker stop does, to the main process only
        assert sandbox.process.wait(timeout=30) == 0


def test_raw_utf8_body_through_the_real_server(tmp_path):
    with running_sandbox("--db", str(tmp_path / "s.db")) as sandbox:
        host, port = sandbox.url.removeprefix("http://").split(":")
        body = "account=用户名&password=密码&mobile=13612345678&content=1125".encode()
        with socket.create_connection((host, int(port)), timeout=5) as conn:
            conn.sendall(b"POST /webservice/voice.php?method=Submit HTTP/1.1\r\nHost: api.voice.ihuyi.com\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n"
                         b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
        head, _, answer = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200") and parse_xml(answer).code == 405


def test_a_memory_db_is_a_throw_away_file_every_worker_shares_removed_at_the_end():
    with running_sandbox("--db", ":memory:", "--workers", "2") as sandbox:
        db = re.search(r"database +(\S+)", sandbox.banner).group(1)
        answers = [parse_xml(sandbox.call("Submit", {**DEMO, "mobile": "13800000001", "content": "1234"})[2])
                   for _ in range(6)]
        assert os.path.exists(db)
        assert len(SandboxAPI(sandbox.url).messages()) == 6
    assert {a.code for a in answers} == {2}
    assert not os.path.exists(os.path.dirname(db)), "the throw-away database was left behind"


@pytest.mark.parametrize("content, reason", [(b"not a database at all, just text" * 100, "file is not a database"),
                                             (None, "newer ihuyi-sandbox (schema version 99)")])
def test_a_database_that_cannot_be_used_is_refused_with_a_reason(tmp_path, content, reason):
    db = tmp_path / "state.db"
    if content is None:
        connection = sqlite3.connect(db)
        connection.execute("PRAGMA user_version = 99")
        connection.close()
    else:
        db.write_bytes(content)
    result = subprocess.run([sys.executable, "-m", "ihuyi_sandbox", "serve", "--db", str(db), "--port", "0"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert result.stderr.startswith(f"ihuyi-sandbox: the database {db} cannot be used: ")
    assert reason in result.stderr and "Traceback" not in result.stderr
