from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from werkzeug.test import Client

from ihuyi_sandbox.testing.postgres import PostgresServer, available, throwaway_postgres
from tests.support import TEST_POSTGRES, new_client


@pytest.fixture
def make_client() -> Callable[..., Client]:
    return new_client


@pytest.fixture
def client() -> Client:
    return new_client()

_SERVERS: list = []


def pytest_configure(config: pytest.Config) -> None:
    """``IHUYI_SANDBOX_TEST_POSTGRES=1``: the in-process sandboxes on a throw-away PostgreSQL server
    (tests/support.py), for running the request-path tests against that backend."""
    if os.environ.get(TEST_POSTGRES) == "1":
        _SERVERS.append(throwaway_postgres())
        os.environ[TEST_POSTGRES] = _SERVERS[0].__enter__().url


def pytest_unconfigure(config: pytest.Config) -> None:
    while _SERVERS:
        _SERVERS.pop().__exit__(None, None, None)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throw-away PostgreSQL server for the session; skipped where none can be had, but in CI
    (``.ci/run`` installs it), where its absence fails the tests that need it."""
    why = available()
    if why:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    with throwaway_postgres() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A fresh, empty database of each backend, as ``--db`` takes it."""
    if request.param == "sqlite":
        return str(tmp_path / "s.db")
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.database(f"test_{uuid.uuid4().hex[:12]}")


# tests/plugin_project is an outside project: testing/test_pytest_plugin.py runs it as its own pytest session
collect_ignore = ["plugin_project"]


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Dockerfile's build stage replayed once a session (tests/image.py): the folder of wheels
    it leaves, the package's and the server's dependencies'."""
    from tests.image import built_wheels, replay_build, stages

    root = replay_build(stages()[0], tmp_path_factory.mktemp("image-build"))
    return built_wheels(root)
