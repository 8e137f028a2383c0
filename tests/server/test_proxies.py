"""Proxy variables in the environment (corporate machines, CI runners) never carry the sandbox's
loopback traffic away: the banner's own health check, the pytest plugin, ``SandboxAPI``, receipts
to a loopback receiver and the Dockerfile's HEALTHCHECK all go direct."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from tests.support import DEMO
from ihuyi_sandbox.testing import running_sandbox
from tests.testing.test_pytest_plugin import run_pytest
from tests.image import healthcheck
from tests.server.test_receipt_dispatch import receiver

from ihuyi_sandbox.client import VoiceClient
from ihuyi_sandbox.testing import SandboxAPI, SandboxError, wait_until

class RecordingProxy:
    """A socket on loopback that takes connections, records them, and answers nothing."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def env(self) -> dict[str, str]:
        return {name: self.url for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "all_proxy")}


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingProxy]:
    recording = RecordingProxy()
    for name, value in recording.env().items():  # this process too: SandboxAPI runs here
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    yield recording
    recording.sock.close()


def test_the_server_the_api_and_receipts_never_use_the_proxy(tmp_path, proxy):
    with receiver(["success"]) as r, running_sandbox("--db", str(tmp_path / "s.db")) as sandbox:
        api = SandboxAPI(sandbox.url)
        api.call("PATCH", "/_sandbox/accounts/V00000001", {"receipt_url": r.url})
        voiceid = VoiceClient(DEMO["account"], DEMO["password"], sandbox.url).send_code("13812345678", "4321").voiceid
        assert api.latest_code("13812345678") == "4321"
        api.flush_receipts()
        assert wait_until(lambda: api.receipts()[0]["status"] == "sent", 10), api.receipts()
        assert r.received[0][1]["voiceid"] == voiceid
    assert proxy.connections == 0


OUTSIDE_TEST = '''
from ihuyi_sandbox.client import VoiceClient


def test_a_code_through_the_plugin(ihuyi_sandbox):
    VoiceClient(ihuyi_sandbox.account, ihuyi_sandbox.apikey, ihuyi_sandbox.url).send_code("13812345678", "2468")
    assert ihuyi_sandbox.latest_code("13812345678", wait=5) == "2468"
'''


def test_the_plugin_works_with_a_proxy_in_the_environment(tmp_path, proxy):
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_outside.py").write_text(OUTSIDE_TEST)
    result = run_pytest(str(project), "--rootdir", str(project), f"--basetemp={tmp_path / 'base'}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert proxy.connections == 0


def test_an_unreachable_sandbox_url_is_a_sandbox_error_naming_it_and_why(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as probe:
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with pytest.raises(SandboxError, match=rf"no answer from the sandbox at {re.escape(url)}: .*refused"):
        SandboxAPI(url).messages()
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_outside.py").write_text(OUTSIDE_TEST)
    result = run_pytest(str(project), "--rootdir", str(project), f"--ihuyi-sandbox-url={url}")
    assert result.returncode == 1
    assert re.search(rf"SandboxError: POST /_sandbox/workspaces: no answer from the sandbox at {re.escape(url)}: "
                     r".*refused", result.stdout), result.stdout
    assert not re.search(r"^E\s+urllib\.error\.URLError", result.stdout, re.M)


def test_the_dockerfile_healthcheck_goes_direct(tmp_path, proxy):
    _, command = healthcheck()
    assert command[0] == "ihuyi-sandbox"
    command = [sys.executable, "-m", "ihuyi_sandbox", *command[1:]]
    env = {**os.environ, "IHUYI_SANDBOX_URL_FILE": str(tmp_path / "url")}
    with running_sandbox("--db", str(tmp_path / "s.db"), env=env):
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
    # and it fails when nothing answers
    assert subprocess.run(command, env=env, capture_output=True, timeout=30).returncode == 1
    assert proxy.connections == 0


def test_localhost_with_a_trailing_dot_goes_direct(tmp_path, proxy):
    with running_sandbox("--db", str(tmp_path / "s.db")) as sandbox:
        port = sandbox.url.rsplit(":", 1)[1]
        try:
            assert SandboxAPI(f"http://localhost.:{port}").messages() == []
        except SandboxError:
            pass  # some resolvers do not know the name with its dot; what matters is the proxy untouched
    assert proxy.connections == 0
