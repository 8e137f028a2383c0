"""What the suite's tests share beyond :mod:`ihuyi_sandbox.testing`: the demo account's
credentials, and sandboxes in process with the state and settings a test chooses."""

from __future__ import annotations

import os
import uuid
from collections import deque

from werkzeug.test import Client

from ihuyi_sandbox.api.config import Config
from ihuyi_sandbox.service.records import DEMO_APIID, DEMO_APIKEY, Seed, Settings
from ihuyi_sandbox.service.scenarios import Scenario, parse
from ihuyi_sandbox.testing.driver import in_process

DEMO = {"account": DEMO_APIID, "password": DEMO_APIKEY}
#: set to a PostgreSQL server's URL (or to ``1`` for a throw-away server, see conftest.py), the
#: in-process sandboxes keep their state there, each in a database of its own, not in memory
TEST_POSTGRES = "IHUYI_SANDBOX_TEST_POSTGRES"
#: the newest in-process sandboxes on PostgreSQL, whose connections stay open (older ones are closed)
_OPEN: deque = deque()
_KEEP_OPEN = 64
VOICE = "/webservice/voice.php"


def scenario_of(seed: Seed | None = None, settings: Settings | None = None, text: str = "") -> Scenario:
    """A scenario with the given state and settings and no rules (``text``: TOML with rules)."""
    if text:
        return parse(text)
    return Scenario("test", "made by a test", seed or Seed(), settings or Settings())


def new_client(seed: Seed | None = None, settings: Settings | None = None, text: str = "", **config: object) -> Client:
    """A test client on a fresh in-memory sandbox with the given seed and settings, on the
    request path ``serve`` runs (:func:`ihuyi_sandbox.testing.driver.in_process`)."""
    server = os.environ.get(TEST_POSTGRES)
    if not server:
        return in_process(Config(db=":memory:", scenario=scenario_of(seed, settings, text), **config))  # type: ignore[arg-type]
    client = in_process(Config(db=fresh_database(server), db_pool=2, scenario=scenario_of(seed, settings, text),
                               **config))  # type: ignore[arg-type]
    _OPEN.append(client)
    if len(_OPEN) > _KEEP_OPEN:
        _OPEN.popleft().application.backend.storage.close()
    return client


def fresh_database(server: str) -> str:
    """A new, empty database on the PostgreSQL server at ``server`` (a URL of any database of it)."""
    import psycopg

    name = f"client_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    return server.rsplit("/", 1)[0] + "/" + name


def scenario_text(*, balance: int = 1000, settings: str = "", account: str = "", more: str = "") -> str:
    """A scenario's TOML with the demo account: ``settings`` and ``account`` are extra lines for
    those tables, ``more`` comes after (other accounts, rules). Without ``settings`` the demo
    account's ``balance`` is on line 6."""
    text = 'name = "test"\ndescription = "made by a test"\n'
    if settings:
        text += "[settings]\n" + settings
    return (text + f'[[accounts]]\napiid = "{DEMO_APIID}"\napikey = "{DEMO_APIKEY}"\nbalance = {balance}\n'
            + account + more)
