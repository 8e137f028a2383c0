"""Every client test runs with both clients: the blocking ones, and the asyncio ones driven as
blocking (each call's coroutine run on a fresh event loop), so that one test proves both."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from ihuyi_sandbox import client as clients_module
from ihuyi_sandbox.testing import SandboxAPI, SandboxProcess, running_sandbox

PRODUCTS = ("VoiceClient", "SmsClient", "InternationalSmsClient", "MarketingClient", "VoiceNoticeClient")


class Blocking:
    """An asyncio client whose coroutines are each run to their end: the blocking client's API."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.client, name)
        if not callable(attribute):
            return attribute

        def run(*args: Any, **kwargs: Any) -> Any:
            result = attribute(*args, **kwargs)
            return asyncio.run(result) if inspect.iscoroutine(result) else result
        return run


def _asyncio(name: str) -> Any:
    cls = getattr(clients_module, f"Async{name}")
    return lambda *args, **options: Blocking(cls(*args, **options))


@pytest.fixture(params=["blocking", "asyncio"])
def clients(request: pytest.FixtureRequest) -> SimpleNamespace:
    """The product clients by their blocking names (``clients.VoiceClient(...)``), of either kind."""
    if request.param == "blocking":
        return SimpleNamespace(**{name: getattr(clients_module, name) for name in PRODUCTS})
    return SimpleNamespace(**{name: _asyncio(name) for name in PRODUCTS})


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """A served sandbox for the module's tests (a module may define its own instead)."""
    with running_sandbox("--db", str(tmp_path_factory.mktemp("client") / "s.db")) as running:
        yield running


@pytest.fixture
def api(sandbox: SandboxProcess) -> SandboxAPI:
    """The sandbox API of :func:`sandbox`, reset to its scenario's start."""
    handle = SandboxAPI(sandbox.url)
    handle.reset()
    return handle
