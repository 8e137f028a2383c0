"""``serve --tls-cert FILE --tls-key FILE``: HTTPS, checked by clients that verify the certificate
against a local certificate authority (trustme's, as the README shows), and refused options
answered in one line."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from ihuyi_sandbox.client import AsyncVoiceClient, VoiceClient
from ihuyi_sandbox.errors import TransportError
from ihuyi_sandbox.service.records import DEMO_APIID, DEMO_APIKEY
from ihuyi_sandbox.testing import SandboxProcess, running_sandbox


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A local CA's certificate, and a certificate it signed for this machine with its key."""
    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost", "::1")
    files = {"ca": folder / "ca.pem", "cert": folder / "server.pem", "key": folder / "server.key"}
    ca.cert_pem.write_to_path(str(files["ca"]))
    server.private_key_pem.write_to_path(str(files["key"]))
    for blob in server.cert_chain_pems:
        blob.write_to_path(str(files["cert"]), append=True)
    return files


@pytest.fixture(scope="module")
def https(authority: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with running_sandbox("--db", str(tmp_path_factory.mktemp("https") / "s.db"), "--tls-cert",
                         str(authority["cert"]), "--tls-key", str(authority["key"])) as running:
        yield running


def both_clients(url: str):
    """A balance, then a code sent, by the blocking client and by the asyncio one."""
    blocking = VoiceClient(DEMO_APIID, DEMO_APIKEY, url)
    asyncio_client = AsyncVoiceClient(DEMO_APIID, DEMO_APIKEY, url)
    yield "blocking", lambda: (blocking.balance(), blocking.send_code("13812345678", "1234").code)
    yield "asyncio", lambda: (asyncio.run(asyncio_client.balance()),
                              asyncio.run(asyncio_client.send_code("13812345678", "1234")).code)


def test_clients_that_trust_the_local_authority_are_served_over_https(https, authority, monkeypatch):
    assert https.url.startswith("https://127.0.0.1:") and f"listening on {https.url}" in https.banner
    monkeypatch.setenv("SSL_CERT_FILE", str(authority["ca"]))  # the README's way to trust it
    for kind, call in both_clients(https.url):
        balance, code = call()
        assert code == 2 and balance > 0, kind


def test_clients_that_do_not_trust_it_refuse_the_certificate_before_sending(https, tmp_path, monkeypatch):
    other = tmp_path / "other.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    monkeypatch.setenv("SSL_CERT_FILE", str(other))
    for kind, call in both_clients(https.url):
        with pytest.raises(TransportError) as refused:
            call()
        assert "is not trusted here: unable to get local issuer certificate" in refused.value.message, kind
        assert not refused.value.request_sent


def serve(*options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ihuyi_sandbox", "serve", "--port", "0", "--db", ":memory:",
                           *options], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("options", "said"), [
    (["--tls-cert", "{cert}"], "--tls-cert and --tls-key go together"),
    (["--tls-key", "{key}"], "--tls-cert and --tls-key go together"),
    (["--tls-cert", "{cert}", "--tls-key", "{cert}"], "cannot serve HTTPS"),
    (["--tls-cert", "{key}", "--tls-key", "{key}"], "cannot serve HTTPS"),
    (["--tls-cert", "{cert}", "--tls-key", "{other_key}"], "cannot serve HTTPS"),
    (["--tls-cert", "{cert}", "--tls-key", "{missing}"], "No such file or directory"),
])
def test_unusable_certificates_are_refused_in_one_line(authority, tmp_path, options, said):
    other_key = tmp_path / "other.key"
    trustme.CA().issue_cert("127.0.0.1").private_key_pem.write_to_path(str(other_key))
    names = {"cert": authority["cert"], "key": authority["key"], "other_key": other_key,
             "missing": tmp_path / "missing.key"}
    done = serve(*(option.format(**names) for option in options))
    assert done.returncode == 2
    assert said in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
