"""``ihuyi-sandbox health``, a container's HEALTHCHECK: exit 0 when the sandbox at the URL given
(or the one ``serve --url-file`` wrote) answers its health check, 1 when not, 2 when it is not
told where to look; direct, whatever proxy the environment names, and over HTTPS too."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import trustme

from ihuyi_sandbox.testing import running_sandbox


def health(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ihuyi_sandbox", "health", *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, **(env or {})})


def dead_proxy() -> dict[str, str]:
    with socket.socket() as dead:
        dead.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{dead.getsockname()[1]}"
    return {name: url for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy")}


def test_a_running_sandbox_is_healthy_by_its_url_file_past_any_proxy(tmp_path):
    url_file = tmp_path / "url"
    with running_sandbox("--db", str(tmp_path / "s.db"), "--url-file", str(url_file)) as sandbox:
        for done in (health(env={"IHUYI_SANDBOX_URL_FILE": str(url_file), **dead_proxy()}),
                     health("--url", sandbox.url, env=dead_proxy())):
            assert done.returncode == 0, done.stderr
            assert done.stdout == f"healthy: {sandbox.url}/_sandbox/health\n"
    stopped = health("--url-file", str(url_file))
    assert stopped.returncode == 1 and stopped.stderr.startswith(f"unhealthy: {sandbox.url}/_sandbox/health: ")


def test_an_https_sandbox_is_healthy_whoever_signed_its_certificate(tmp_path):
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    with running_sandbox("--db", str(tmp_path / "s.db"), "--tls-cert", str(tmp_path / "cert.pem"),
                         "--tls-key", str(tmp_path / "key.pem"), "--url-file", str(tmp_path / "url")) as sandbox:
        done = health("--url-file", str(tmp_path / "url"))
        assert done.returncode == 0 and done.stdout.startswith("healthy: https://"), done.stderr


def test_nothing_to_ask_is_unhealthy_and_nowhere_to_look_is_a_usage_error(tmp_path):
    missing = health("--url-file", str(tmp_path / "none"))
    assert missing.returncode == 1 and "is the sandbox started?" in missing.stderr
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    refused = health("--url", f"http://127.0.0.1:{port}")
    assert refused.returncode == 1 and "Connection refused" in refused.stderr
    env = {name: value for name, value in os.environ.items() if not name.startswith("IHUYI_SANDBOX_")}
    nowhere = subprocess.run([sys.executable, "-m", "ihuyi_sandbox", "health"], capture_output=True, text=True,
                             timeout=60, env=env)
    assert nowhere.returncode == 2 and "give --url URL, or --url-file FILE" in nowhere.stderr
