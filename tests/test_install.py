"""The client-only install, measured in a fresh virtual environment: what ``pip install
ihuyi-sandbox`` pulls (the package alone: the client needs only the standard library), and how
the command and the pytest plugin that come with it answer without the ``server`` extra."""

from __future__ import annotations

import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ihuyi_sandbox.testing import SandboxProcess, running_sandbox
from tests.image import distributions, fresh_venv, pip

#: a project that only sends codes, tested with pytest: its client call against a sandbox served
#: by this suite, and a test that asks for the plugin's fixture
CLIENT_PROJECT = '''
import os

from ihuyi_sandbox.client import VoiceClient
from ihuyi_sandbox.errors import BalanceExhaustedError


def test_the_client_sends_a_code():
    client = VoiceClient("V00000001", "0123456789abcdef0123456789abcdef", os.environ["IHUYI_URL"])
    assert client.send_code("13812345678", "1234").code == 2
    try:
        client.send_code("13900004051", "1234")
    except BalanceExhaustedError as error:
        assert error.code == 4051
    else:
        raise AssertionError("4051 was not raised")


def test_the_fixture(ihuyi_sandbox):
    pass
'''


@pytest.fixture(scope="module")
def client_only(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the package's wheel installed as an application would,
    its dependencies from the index; its python."""
    python = fresh_venv(tmp_path_factory.mktemp("client-only") / "venv")
    (wheel,) = wheelhouse.glob("ihuyi_sandbox-*.whl")
    pip(python, "install", "--no-cache-dir", str(wheel))
    return python


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with running_sandbox("--db", str(tmp_path_factory.mktemp("install") / "s.db")) as running:
        yield running


def test_the_client_install_pulls_nothing_but_the_package(client_only):
    assert distributions(client_only) == {"ihuyi-sandbox"}


def test_the_wheel_carries_the_license_and_the_type_marker(wheelhouse):
    (wheel,) = wheelhouse.glob("ihuyi_sandbox-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "ihuyi_sandbox/py.typed" in names
    assert any(name.endswith(".dist-info/LICENSE") or "/licenses/LICENSE" in name for name in names)


def test_the_command_names_the_extra_to_install(client_only):
    for arguments in (["serve"], ["--help"], ["scenarios", "list"]):
        done = subprocess.run([str(client_only.parent / "ihuyi-sandbox"), *arguments], capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 1
        assert "pip install 'ihuyi-sandbox[server]'" in done.stderr
        assert "Traceback" not in done.stderr and done.stdout == ""


def test_the_plugin_leaves_a_client_only_project_s_pytest_working(client_only, sandbox, tmp_path):
    pip(client_only, "install", "--no-cache-dir", "pytest")
    (tmp_path / "test_app.py").write_text(CLIENT_PROJECT, encoding="utf-8")
    done = subprocess.run([str(client_only), "-m", "pytest", "-p", "no:cacheprovider", "-q"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "IHUYI_URL": sandbox.url})
    assert "1 passed, 1 error" in done.stdout, done.stdout + done.stderr
    assert "the ihuyi_sandbox fixture needs the sandbox server" in done.stdout
    assert "pip install 'ihuyi-sandbox[server]'" in done.stdout
    assert "Traceback" not in done.stdout and "ImportError" not in done.stdout
