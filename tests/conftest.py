from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient

sys.path.insert(0, str(Path(__file__).parent))

from helpers import new_client  # noqa: E402


@pytest.fixture
def make_client() -> Callable[..., FlaskClient]:
    return new_client


@pytest.fixture
def client() -> FlaskClient:
    return new_client()

# tests/plugin_project is an outside project: test_pytest_plugin.py runs it as its own pytest session
collect_ignore = ["plugin_project"]
