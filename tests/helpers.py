"""Running sandboxes for the tests: a real ``ihuyi-sandbox serve`` process, or the app served
in a thread (for settings a test chooses)."""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
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
from ihuyi_sandbox.testing import SandboxProcess, running_sandbox

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

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.url.removeprefix("http://").rsplit(":", 1)
        return host, int(port)

    def raw(self, request: bytes) -> bytes:
        """Everything the server sends back to ``request`` (raw bytes, which should close the connection)."""
        with socket.create_connection(self.address, timeout=10) as conn:
            conn.sendall(request)
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
        return data


@contextmanager
def serve_process(*args: str, env: Mapping[str, str] | None = None) -> Iterator[Sandbox]:
    """``ihuyi-sandbox serve --port 0 ARGS`` as a process; yields once it prints its URL."""
    with running_sandbox(*args, env=env) as running:
        yield Sandbox(running.url, running.process, running.banner, running.lines)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> int:
    return SandboxProcess("", process).stop(sig)


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


def scenario_text(*, balance: int = 1000, settings: str = "", account: str = "", more: str = "") -> str:
    """A scenario's TOML with the demo account: ``settings`` and ``account`` are extra lines for
    those tables, ``more`` comes after (other accounts, rules). Without ``settings`` the demo
    account's ``balance`` is on line 6."""
    text = 'name = "test"\ndescription = "made by a test"\n'
    if settings:
        text += "[settings]\n" + settings
    return (text + f'[[accounts]]\napiid = "{DEMO_APIID}"\napikey = "{DEMO_APIKEY}"\nbalance = {balance}\n'
            + account + more)
