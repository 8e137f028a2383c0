"""A receipt URL that is not a URL at all (an unclosed IPv6 host, a port that is no number) is
refused with its reason wherever it is given: the API, a scenario file, the command line."""

from __future__ import annotations

import subprocess
import sys

import pytest
from tests.support import scenario_text
from ihuyi_sandbox.testing import running_sandbox

from ihuyi_sandbox.testing import SandboxAPI, SandboxError

BROKEN = ["http://[::1", "http://[evil]/", "http://127.0.0.1:port/"]


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with running_sandbox("--db", str(tmp_path_factory.mktemp("urls") / "s.db")) as running:
        yield SandboxAPI(running.url)


@pytest.mark.parametrize("url", BROKEN)
def test_the_api_answers_400(api, url):
    with pytest.raises(SandboxError, match="HTTP 400: receipt"):
        api.call("PATCH", "/_sandbox/accounts/V00000001", {"receipt_url": url})
    with pytest.raises(SandboxError, match="HTTP 400"):
        api.use_scenario(scenario_text(account=f'receipt_url = "{url}"\n'))


@pytest.mark.parametrize("url", BROKEN)
def test_check_and_serve_name_the_line(tmp_path, url):
    file = tmp_path / "bad.toml"
    file.write_text(scenario_text(account=f'receipt_url = "{url}"\n'))
    cli = [sys.executable, "-m", "ihuyi_sandbox"]
    check = subprocess.run([*cli, "scenarios", "check", str(file)], capture_output=True, text=True, timeout=60)
    serve = subprocess.run([*cli, "serve", "--port", "0", "--db", str(tmp_path / "s.db"), "--scenario", str(file)],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 1 and f"{file}:7: receipt" in check.stderr, check.stderr
    assert serve.returncode == 2 and f"{file}:7: receipt" in serve.stderr, serve.stderr
    assert "Traceback" not in check.stderr + serve.stderr
