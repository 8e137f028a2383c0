"""pytest fixtures for projects that test against ihuyi-sandbox; loaded through the ``pytest11``
entry point, so installing the package is all a project needs.

- ``ihuyi_sandbox``: a handle on the session's sandbox, reset to the scenario's start before each
  test (mark a test ``@pytest.mark.ihuyi_keep_state`` to carry the previous test's state over).
  It has ``url``, ``account``, ``apikey``, ``latest_code(mobile, wait=..., product=...)`` (the code
  in the last message of any product), ``latest_message(...)``, ``messages(...)``,
  ``requests(...)``, ``receipts(...)``, ``reply(mobile, content, account=...)``,
  ``add_template(...)``, ``use_scenario(name or TOML text)`` and ``reset()``: every call of
  :class:`~ihuyi_sandbox.testing.SandboxAPI`.
  ``accounts`` lists the accounts it holds now.
- ``ihuyi_sandbox_server``: the sandbox process itself, started once per session on a free
  loopback port with a throw-away database. With ``--ihuyi-sandbox-url``, none is started: the
  session takes a workspace of its own on that sandbox (one per pytest-xdist worker, each its own
  session), resets only it between tests and deletes it at the end, so any number of suites can
  share one sandbox at once; the handle's ``account`` is then the workspace's in place of the
  scenario's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from .testing import SandboxAPI, SandboxError, SandboxProcess, start_sandbox

DEFAULT_SCENARIO = "default"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ihuyi-sandbox")
    group.addoption("--ihuyi-sandbox-scenario", default=DEFAULT_SCENARIO,
                    help="scenario the session's sandbox starts with (a shipped name or a TOML path)")
    group.addoption("--ihuyi-sandbox-url", default=None,
                    help="use a workspace of the sandbox already running at this URL instead of starting one")
    group.addoption("--ihuyi-sandbox-token", default=None, help="admin token of the sandbox at --ihuyi-sandbox-url")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "ihuyi_keep_state: start this test from the previous test's sandbox state")


class SandboxHandle(SandboxAPI):
    """The sandbox as a test sees it (see :class:`~ihuyi_sandbox.testing.SandboxAPI`)."""

    def __init__(self, url: str, scenario: str, admin_token: str | None = None, **handle: str) -> None:
        super().__init__(url, admin_token=admin_token, **handle)
        self.scenario = scenario
        self._switched = False

    def use_scenario(self, name_or_toml: str) -> dict:
        self._switched = True
        return super().use_scenario(name_or_toml)

    def clean(self) -> None:
        """Back to the session scenario's start."""
        if self._switched:
            super().use_scenario(self.scenario)
            self._switched = False
        else:
            self.reset()


@pytest.fixture(scope="session")
def ihuyi_sandbox_server(request: pytest.FixtureRequest,
                         tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    config = request.config
    scenario = config.getoption("--ihuyi-sandbox-scenario")
    url = config.getoption("--ihuyi-sandbox-url")
    if url:
        shared = SandboxAPI(url, admin_token=config.getoption("--ihuyi-sandbox-token"))
        own = shared.create_workspace(scenario)
        try:
            yield SandboxHandle(url, scenario, own.admin_token, account=own.account, apikey=own.apikey,
                                workspace=own.workspace)
        finally:
            with contextlib.suppress(SandboxError):  # removed already (expired, say): nothing left to do
                own.delete_workspace()
        return
    db = tmp_path_factory.mktemp("ihuyi-sandbox") / "sandbox.db"
    process: SandboxProcess = start_sandbox("--db", str(db), "--workers", "1", "--scenario", scenario, "--fresh")
    try:
        yield SandboxHandle(process.url, scenario)
    finally:
        process.stop()


@pytest.fixture
def ihuyi_sandbox(ihuyi_sandbox_server: SandboxHandle, request: pytest.FixtureRequest) -> SandboxHandle:
    if request.node.get_closest_marker("ihuyi_keep_state") is None:
        ihuyi_sandbox_server.clean()
    return ihuyi_sandbox_server
