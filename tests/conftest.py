from __future__ import annotations

from collections.abc import Callable

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
