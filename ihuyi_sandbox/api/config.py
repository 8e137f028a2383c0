"""Configuration passed to :func:`ihuyi_sandbox.api.app.create_app`: no global state."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ..service.receipts import ReceiptPolicy
from ..service.records import Retention
from ..service.workspaces import WorkspacePolicy
from ..service.scenarios import Scenario, load_file


def default_db_path() -> str:
    """``$IHUYI_SANDBOX_DB``, else ``$XDG_DATA_HOME/ihuyi-sandbox/sandbox.db``."""
    if os.environ.get("IHUYI_SANDBOX_DB"):
        return os.environ["IHUYI_SANDBOX_DB"]
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return str(data_home / "ihuyi-sandbox" / "sandbox.db")


@dataclass(frozen=True)
class Config:
    #: SQLite file holding the state, or a ``postgresql://`` URL; ``:memory:`` for a throw-away
    #: in-process store
    db: str = field(default_factory=default_db_path)
    #: the most PostgreSQL connections each worker opens (``None``: the storage's default)
    db_pool: int | None = None
    #: the active scenario: starting state, settings and rules (``scenarios/default.toml``);
    #: ``None`` with ``attach``
    scenario: Scenario | None = field(default_factory=lambda: load_file("default"))
    #: join the scenario and state the database already holds (a worker of a running server)
    attach: bool = False
    #: keep the state a database already holds for the same scenario (a restart)
    keep_state: bool = True
    #: bodies larger than this are refused with HTTP 413
    max_body: int = 64 * 1024
    #: seconds a connection may stay open without sending a whole request head: idle before its
    #: first request or between two, or trickling its headers (then the server closes it)
    idle_timeout: float = 60.0
    #: seconds a request's body may take to arrive after its head, else HTTP 408
    body_timeout: float = 30.0
    #: Host names /_sandbox/ answers besides loopback names and IP addresses ("*": any)
    allowed_hosts: tuple[str, ...] = ()
    #: when set, every /_sandbox/ call but health must send ``Authorization: Bearer <token>``
    admin_token: str | None = None
    #: the operator's directory whose .toml files ``PUT /_sandbox/scenario`` may load by name
    scenarios_dir: str | None = None
    #: where delivery receipts may go besides loopback
    receipt_policy: ReceiptPolicy = field(default_factory=ReceiptPolicy)
    #: how much of the journal and the inbox to keep (in each workspace)
    retention: Retention = field(default_factory=Retention)
    #: how long an unused workspace lives, and how many there may be
    workspaces: WorkspacePolicy = field(default_factory=WorkspacePolicy)

    def to_json(self) -> str:
        """What a worker process needs to build its app, as JSON: everything but the scenario,
        which it reads from the database it attaches to (:meth:`from_json`)."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "scenario"}
        values["receipt_policy"] = {"hosts": sorted(self.receipt_policy.hosts),
                                    "allow_any": self.receipt_policy.allow_any, "served": self.receipt_policy.served}
        values["retention"] = asdict(self.retention)
        values["workspaces"] = asdict(self.workspaces)
        return json.dumps(values)

    @classmethod
    def from_json(cls, text: str) -> "Config":
        """A worker's configuration: :meth:`to_json`'s, attached to the running server's state."""
        values: dict[str, Any] = json.loads(text)
        policy = values.pop("receipt_policy")
        served = tuple(policy["served"]) if policy["served"] else None  # JSON gave a list
        config = cls(scenario=None,
                     receipt_policy=ReceiptPolicy(frozenset(policy["hosts"]), policy["allow_any"], served),
                     retention=Retention(**values.pop("retention")),
                     workspaces=WorkspacePolicy(**values.pop("workspaces")))
        return replace(config, **{**values, "allowed_hosts": tuple(values["allowed_hosts"]), "attach": True})
