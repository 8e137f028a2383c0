from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from werkzeug.test import Client

from tests.support import new_client


@pytest.fixture
def make_client() -> Callable[..., Client]:
    return new_client


@pytest.fixture
def client() -> Client:
    return new_client()

# tests/plugin_project is an outside project: testing/test_pytest_plugin.py runs it as its own pytest session
collect_ignore = ["plugin_project"]


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Dockerfile's build stage replayed once a session (tests/image.py): the folder of wheels
    it leaves, the package's and the server's dependencies'."""
    from tests.image import built_wheels, replay_build, stages

    root = replay_build(stages()[0], tmp_path_factory.mktemp("image-build"))
    return built_wheels(root)
