"""Workspaces: many test suites on one sandbox, each with a scenario and state of its own.

A workspace is a store of its own with a :class:`~ihuyi_sandbox.service.backend.Backend` of its
own on it, so a reset, a scenario switch, a counter or a prune in one cannot touch another. What
ties them to the sandbox is the main store's registry (``stores.Registry``): the workspaces, and
which APIIDs are whose. A scenario's APIIDs are templates: each workspace gets its own APIIDs in
their place (the same letters, so the same product; fresh digits), stable for its whole life, and
the scenario's accounts, templates and rules are read with them. A request on such an APIID is
answered by its workspace (the main backend hands it on); nothing a real client sends changes.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from .._exceptions import Conflict, NotFound
from .backend import Backend
from .records import MAX_WORKSPACES, WORKSPACE_IDS, Workspace
from .scenarios import Scenario
from .stores import Storage

log = logging.getLogger("ihuyi_sandbox")

#: a worker notes a workspace's use in the registry at most this often (a write on the main store)
TOUCH_SECONDS = 10.0
#: draws of a fresh APIID before giving up (each clashes with odds of one in tens of millions)
DRAWS = 20
_LETTERS = re.compile(r"^\D*")


@dataclass(frozen=True)
class WorkspacePolicy:
    """How long an unused workspace lives, and how many there may be."""

    #: an unused workspace is removed after this many seconds
    idle_seconds: float = 6 * 3600.0
    #: the most workspaces at once (the default workspace not counted), at most :data:`MAX_WORKSPACES`
    max_workspaces: int = 100

    def __post_init__(self) -> None:
        if not 1 <= self.max_workspaces <= MAX_WORKSPACES:
            raise ValueError(f"max_workspaces must be from 1 to {MAX_WORKSPACES}, got {self.max_workspaces}")


class Workspaces:
    """This worker's view of the workspaces: the registry in the main store, and a backend for
    each workspace it has served, opened when first needed."""

    def __init__(self, main: Backend, open_store: Callable[[str], Storage], remove_store: Callable[[str], None],
                 policy: WorkspacePolicy = WorkspacePolicy()) -> None:
        self.main = main
        self.registry = main.storage
        self.policy = policy
        self._open_store = open_store
        self._remove_store = remove_store
        self._backends: dict[str, Backend] = {}
        self._touched: dict[str, float] = {}
        self._lock = threading.Lock()
        main.router = self

    # -- the workspaces ---------------------------------------------------------------------------
    def create(self, scenario: Scenario, *, with_token: bool) -> tuple[Workspace, Backend, str | None]:
        """A new workspace on ``scenario``, with its fresh accounts; with ``with_token``, the token
        that grants access to it alone (only its hash is kept)."""
        token = secrets.token_urlsafe(24) if with_token else None
        now = self.main.clock()
        added = None
        while added is None:
            added = self.registry.add_workspace(Workspace(secrets.token_hex(6), now, now, _hash(token) if token else "",
                                                          scenario.name or scenario.source),
                                                most=self.policy.max_workspaces)
        workspace = added
        try:
            with self._lock:  # before the dispatcher's thread opens one of its own
                store = self._open_store(workspace.id)
                store.number_from(workspace.slot * WORKSPACE_IDS)
                backend = Backend(store, scenario, clock=self.main.clock, policy=self.main.policy,
                                  adapt=self._adapter(workspace.id))
                self._backends[workspace.id] = backend
            backend.start(keep_state=False)
        except BaseException:
            self.remove(workspace.id)
            raise
        return workspace, backend, token

    def get(self, workspace_id: str) -> tuple[Workspace, Backend]:
        """The workspace and its backend, for a call of the sandbox API (which counts as a use)."""
        workspace = self.registry.workspace(workspace_id)
        if workspace is None:
            self._forget(workspace_id)
            raise NotFound(f"no workspace {workspace_id!r}: GET /_sandbox/workspaces lists them")
        try:
            backend = self._backend(workspace_id)
        except RuntimeError:  # its store holds no scenario: still being made, or its maker died
            raise Conflict(f"workspace {workspace_id} is not ready: it is being created, or its creation "
                           "failed (then delete it)") from None
        self.touch(workspace_id)
        return workspace, backend

    def routed(self, workspace_id: str) -> Backend | None:
        """The backend of the workspace whose account a provider request named (the main store
        has just said it exists)."""
        backend = self._backend(workspace_id)
        self.touch(workspace_id)
        return backend

    def all(self) -> list[Workspace]:
        return self.registry.workspaces()

    def remove(self, workspace_id: str) -> bool:
        """Remove the workspace and everything in it."""
        removed = self.registry.remove_workspace(workspace_id)
        self._forget(workspace_id)
        self._remove_store(workspace_id)
        return removed

    def expire(self, now: float | None = None) -> list[str]:
        """Remove the workspaces unused for longer than the policy allows; their ids."""
        now = self.main.clock() if now is None else now
        gone = [w.id for w in self.registry.workspaces() if now - w.used > self.policy.idle_seconds]
        for workspace_id in gone:
            self.remove(workspace_id)
            log.warning("workspace %s removed: unused for %g s", workspace_id, self.policy.idle_seconds)
        return gone

    def each(self) -> list[Backend]:
        """A backend for every workspace (the dispatcher pushes their receipts too), forgetting
        those another worker removed; one still being created is left for the next call."""
        alive = self.registry.workspaces()
        ids = {w.id for w in alive}
        for workspace_id in [w for w in self._backends if w not in ids]:
            self._forget(workspace_id)
        backends = []
        for workspace in alive:
            try:
                backends.append(self._backend(workspace.id))
            except RuntimeError:  # its store holds no scenario yet: being created
                continue
        return backends

    def touch(self, workspace_id: str) -> None:
        now = self.main.clock()
        if now - self._touched.get(workspace_id, 0.0) >= TOUCH_SECONDS:
            self._touched[workspace_id] = now
            self.registry.touch_workspace(workspace_id, now)

    @staticmethod
    def token_grants(workspace: Workspace, token: str) -> bool:
        return bool(workspace.token_hash) and hmac.compare_digest(workspace.token_hash, _hash(token))

    # -- inside -----------------------------------------------------------------------------------
    def _backend(self, workspace_id: str) -> Backend:
        with self._lock:
            backend = self._backends.get(workspace_id)
            if backend is None:
                store = self._open_store(workspace_id)
                backend = Backend.attach(store, policy=self.main.policy, adapt=self._adapter(workspace_id))
                backend.clock = self.main.clock
                self._backends[workspace_id] = backend
        return backend

    def _forget(self, workspace_id: str) -> None:
        with self._lock:
            backend = self._backends.pop(workspace_id, None)
        self._touched.pop(workspace_id, None)
        if backend is not None:
            backend.storage.close()

    def _adapter(self, workspace_id: str) -> Callable[[Scenario], Scenario]:
        def adapt(scenario: Scenario) -> Scenario:
            return renamed(scenario, self._apiids(workspace_id, [a.apiid for a in scenario.seed.accounts]))
        return adapt

    def _apiids(self, workspace_id: str, templates: list[str]) -> dict[str, str]:
        """The workspace's APIID for each template APIID, drawing fresh ones for those it lacks."""
        given = self.registry.workspace_apiids(workspace_id)
        for _ in range(DRAWS):
            # a scenario read with the workspace's APIIDs already (a reset's) keeps them
            missing = {t: fresh_apiid(t) for t in templates if t not in given and t not in given.values()}
            if not missing:
                return given
            given |= self.registry.claim_apiids(workspace_id, missing)
        raise RuntimeError(f"no free APIID found for {sorted(missing)} in {DRAWS} draws")


def fresh_apiid(template: str) -> str:
    """An APIID like ``template``: its letters (which name the product), then as many random
    digits as it has, eight at least."""
    letters = _LETTERS.match(template).group()  # type: ignore[union-attr] # \D* always matches
    return letters + "".join(secrets.choice("0123456789") for _ in range(max(8, len(template) - len(letters))))


def renamed(scenario: Scenario, apiids: Mapping[str, str]) -> Scenario:
    """``scenario`` with each template APIID replaced by the workspace's: in its accounts, its
    templates and the accounts its rules name."""
    if not apiids:
        return scenario
    seed = scenario.seed
    seed = replace(seed, accounts=tuple(replace(a, apiid=apiids.get(a.apiid, a.apiid)) for a in seed.accounts),
                   templates=tuple(replace(t, account=apiids.get(t.account, t.account)) for t in seed.templates))
    rules = tuple(rule if rule.accounts is None else replace(rule, accounts=frozenset(apiids.get(a, a)
                                                                                      for a in rule.accounts))
                  for rule in scenario.rules)
    return replace(scenario, seed=seed, rules=rules)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


__all__ = ["TOUCH_SECONDS", "WorkspacePolicy", "Workspaces", "fresh_apiid", "renamed"]
