"""Running sandboxes for the tests: a real ``ihuyi-sandbox serve`` process, or the app served
in a thread (for settings a test chooses)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask.testing import FlaskClient
from werkzeug.serving import make_server

from ihuyi_sandbox.app import create_app
from ihuyi_sandbox.config import Config
from ihuyi_sandbox.model import DEMO_APIID, DEMO_APIKEY, Seed, Settings
from ihuyi_sandbox.scenario import Scenario, parse

DEMO = {"account": DEMO_APIID, "password": DEMO_APIKEY}
VOICE = "/webservice/voice.php"


@dataclass
class Sandbox:
    url: str
    process: subprocess.Popen | None = None
    banner: str = ""
    lines: list[str] = field(default_factory=list)

    def output(self) -> str:
        """Everything the server process printed so far."""
        return "".join(self.lines)

    def call(self, method: str, params: Mapping[str, str] | None = None, *, post: bool = True,
             timeout: float = 10) -> tuple[int, str, bytes]:
        """(status, Content-Type, body) of a provider call."""
        data = urllib.parse.urlencode(params or {}).encode()
        url = f"{self.url}{VOICE}?method={method}"
        request = urllib.request.Request(url, data=data) if post else urllib.request.Request(f"{url}&{data.decode()}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.headers["Content-Type"], response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers["Content-Type"], error.read()

    def get(self, path: str, timeout: float = 10) -> bytes:
        with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
            return response.read()


@contextmanager
def serve_process(*args: str, env: Mapping[str, str] | None = None, timeout: float = 30) -> Iterator[Sandbox]:
    """``ihuyi-sandbox serve --port 0 ARGS`` as a process; yields once it prints its URL."""
    command = [sys.executable, "-m", "ihuyi_sandbox.cli", "serve", "--port", "0", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, **(env or {})}, start_new_session=True)
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    url = None
    assert process.stdout is not None
    while url is None:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"sandbox exited before listening:\n{''.join(lines)}")
        lines.append(line)
        found = re.search(r"listening on (http://\S+)", line)
        url = found.group(1) if found else None
        if time.monotonic() > deadline:
            raise RuntimeError("sandbox did not start in time")
    threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
    time.sleep(0.05)
    sandbox = Sandbox(url, process, "".join(lines), lines)
    try:
        yield sandbox
    finally:
        stop(process)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> int:
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            return process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            return process.wait()
    return process.returncode


@contextmanager
def serve_thread(config: Config) -> Iterator[Sandbox]:
    """The app for ``config`` on a free loopback port, served from a thread of this process."""
    server = make_server("127.0.0.1", 0, create_app(config), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Sandbox(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join()


def scenario_of(seed: Seed | None = None, settings: Settings | None = None, text: str = "") -> Scenario:
    """A scenario with the given state and settings and no rules (``text``: TOML with rules)."""
    if text:
        return parse(text)
    return Scenario("test", "made by a test", seed or Seed(), settings or Settings())


def new_client(seed: Seed | None = None, settings: Settings | None = None, text: str = "") -> FlaskClient:
    """A Flask test client on a fresh in-memory sandbox with the given seed and settings."""
    return create_app(Config(db=":memory:", scenario=scenario_of(seed, settings, text))).test_client()
