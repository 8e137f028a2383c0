"""The backend: answers each provider call against the store under the active scenario,
journaling every one (moto's *backend* layer). It names no product: each call comes with its
product, which decides the contract's code; everything else here is shared."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from functools import lru_cache, partial
from typing import NamedTuple, Protocol

from .._exceptions import ScenarioError
from ..wire.answers import OK, Answer, Method
from ..wire.forms import answer_format
from .faults import FAULTS
from .products import Context, Decision, Product, resolve
from .receipts import ReceiptPolicy, refusals
from .records import Facts, JournalEntry, Settings, masked
from .scenarios import Rule, Scenario, load_file, parse
from .scenarios.matching import Call, choose, matching, outcome_from_mobile, state_names
from .stores import Storage

log = logging.getLogger("ihuyi_sandbox")

#: how often (seconds) a worker looks whether the active scenario file was edited
WATCH_INTERVAL = 1.0


class Outcome(NamedTuple):
    """What to send back: the answer, and the scenario's fault and latency to apply to it."""

    answer: Answer
    fault: str | None = None
    latency_seconds: float = 0.0
    hang_seconds: float = 0.0


class Request(NamedTuple):
    """One provider call to handle: the products that answer on its path (narrowed by a selector
    or host, the path's default first), the method it names, its parameters, and who sent it;
    ``render`` writes an answer as the caller will send it (with the fault applied, under the
    answering backend's settings), so that the journal keeps those bytes."""

    candidates: tuple[Product, ...]
    method: str
    params: Mapping[str, str]
    client_ip: str
    render: Callable[[Answer, str | None, Settings], bytes] | None = None


class Elsewhere(NamedTuple):
    """A request on a workspace's account, to be answered by that workspace."""

    workspace: str


class Router(Protocol):
    """Where the workspaces' backends are (``service/workspaces.py``)."""

    def routed(self, workspace_id: str) -> "Backend | None": ...


def _same(scenario: Scenario) -> Scenario:
    return scenario


class Backend:
    """Answers provider requests against a :class:`Storage` under the active :class:`Scenario`,
    journaling every one.

    A workspace's backend is one of these on the workspace's own store, whose ``adapt`` gives each
    scenario it is handed the workspace's APIIDs; the main backend's :attr:`router` hands it the
    requests on those APIIDs."""

    def __init__(self, storage: Storage, scenario: Scenario, clock: Callable[[], float] = time.time,
                 policy: ReceiptPolicy = ReceiptPolicy(),
                 adapt: Callable[[Scenario], Scenario] = _same) -> None:
        self.storage = storage
        self.clock = clock
        self.policy = policy
        self.adapt = adapt
        #: the workspaces' backends, for the main backend (``None``: no workspaces)
        self.router: Router | None = None
        self._use(adapt(scenario), version=-1)
        self._watched: tuple[float, float] = (0.0, self._mtime())
        #: the edited file being read and checked, see :meth:`_watch`
        self._loading: tuple[str, Future[Scenario]] | None = None

    @classmethod
    def attach(cls, storage: Storage, *, policy: ReceiptPolicy = ReceiptPolicy(),
               adapt: Callable[[Scenario], Scenario] = _same) -> "Backend":
        """A backend for the scenario a running server already made active in ``storage``."""
        active = storage.active_scenario()
        if active is None:
            raise RuntimeError("the database holds no active scenario: start the server, not a worker")
        version, source, text = active
        backend = cls(storage, parse(text, source), policy=policy, adapt=adapt)
        backend._version = version
        return backend

    # -- the active scenario ----------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        return self.scenario.settings

    def active_settings(self) -> Settings:
        """The settings of the scenario active now for every worker."""
        return self.active().settings

    def start(self, *, keep_state: bool) -> None:
        """Make this backend's scenario the store's active one; keep the state only if asked and
        the store was already running the same scenario (a restart)."""
        self.check(self.scenario)
        active = self.storage.active_scenario()
        same = active is not None and active[1] == self.scenario.source
        reset_to = None if keep_state and same else self.scenario.seed
        self._version = self.storage.activate(self.scenario.text, self.scenario.source, reset_to=reset_to)

    def switch(self, scenario: Scenario) -> None:
        """Make ``scenario`` active for every worker and reset the state to its start."""
        scenario = self.adapt(scenario)
        self.check(scenario)
        version = self.storage.activate(scenario.text, scenario.source, reset_to=scenario.seed)
        self._use(scenario, version)

    def reset(self) -> None:
        """Back to the active scenario's start: its state, no deliveries, no journal, no counters."""
        self.switch(self.active())

    def check(self, scenario: Scenario) -> None:
        """Refuse a scenario whose receipt or reply URLs the operator did not allow."""
        problems = refusals((a.receipt_url for a in scenario.seed.accounts), self.policy)
        problems += refusals((a.reply_url for a in scenario.seed.accounts), self.policy, "reply URL")
        if problems:
            raise ScenarioError([f"{scenario.source}: {p}" for p in problems])

    def active(self) -> Scenario:
        """The scenario active now for every worker (another worker may have switched it)."""
        active = self.storage.active_scenario()
        if active is not None and active[0] != self._version:
            self._refresh()
        return self.scenario

    def _use(self, scenario: Scenario, version: int) -> None:
        self.scenario = scenario
        self._states = state_names(scenario.rules)
        self._version = version

    def _refresh(self) -> None:
        """Another worker switched scenario: read the one now active."""
        active = self.storage.active_scenario()
        if active is None:
            return
        version, source, text = active
        try:
            scenario = self.adapt(parse(text, source)) if text else self.scenario
        except ScenarioError:
            scenario = self.scenario
        self._use(scenario, version)
        self._watched = (self._watched[0], self._mtime())

    def _mtime(self) -> float:
        try:
            return os.stat(self.scenario.source).st_mtime
        except OSError:
            return 0.0

    def _watch(self, now: float) -> None:
        """Reload the rules when the active scenario's file was edited; a file that fails the
        check keeps the old rules, and the log says why. The file is read and checked in a thread
        of its own: a megabyte of TOML must not hold up the requests this worker serves meanwhile."""
        if self._loading is not None:
            if self._loading[1].done():
                self._reloaded(*self._loading)
            return
        checked, seen = self._watched
        if now - checked < WATCH_INTERVAL or self.scenario.source.startswith("<"):
            return
        mtime = self._mtime()
        self._watched = (now, mtime)
        if mtime == seen:
            return
        loading: Future[Scenario] = Future()
        self._loading = (self.scenario.source, loading)
        threading.Thread(target=_load, args=(loading, self.scenario.source), daemon=True,
                         name="scenario-reload").start()

    def _reloaded(self, source: str, loading: Future[Scenario]) -> None:
        self._loading = None
        if source != self.scenario.source:  # switched meanwhile: the edit is to a file no longer active
            return
        try:
            scenario = self.adapt(loading.result())
        except ScenarioError as exc:
            more = f" (and {exc.count - 1} more: ihuyi-sandbox scenarios check lists them)" if exc.count > 1 else ""
            log.warning("scenario %s changed but keeps its old rules: %s%s", source, exc.problems[0], more)
            return
        if scenario.text != self.scenario.text:
            self._use(scenario, self.storage.activate(scenario.text, scenario.source, reset_to=None))
            log.warning("scenario %s reloaded: %d rules", scenario.source, len(scenario.rules))

    # -- requests ---------------------------------------------------------------------------------
    def handle_many(self, calls: Sequence[Request], *, route: bool = True) -> list[Outcome | Exception]:
        """Handle requests that arrived together in one
        transaction, in order: one commit for all, which is what makes the server fast.

        A request that raises (a bug of ours: the rules answer every input with a code) gets its
        exception, and only it: the batch is rolled back and each request handled again in a
        transaction of its own. Marking each request with a savepoint instead would cost every
        request two statements for what never happens. If the transaction cannot begin or
        commit, nothing is durable and every request gets that error. It never raises: every
        request gets its outcome or its exception. Never call it inside a
        transaction: it would join it, and a replay would apply requests twice.

        Requests on a workspace's account are left out of the transaction (nothing is written
        for them here) and handed to that workspace's backend after it, in one batch each.
        """
        try:
            self._watch(self.clock())
        except Exception:  # a scenario that cannot be reloaded now must not fail the requests
            log.exception("scenario %s: checking the file for edits failed", self.scenario.source)
        outcomes: list[Outcome | Elsewhere | Exception] = []
        began = False
        route = route and self.router is not None
        try:
            scenario = self.scenario
            matched = [matching(scenario.rules, _call(call)) for call in calls]
            with self.storage.transaction():
                began = True
                for call, candidates in zip(calls, matched):
                    outcomes.append(self._handle(call, candidates, scenario, route))
        except Exception as exc:  # noqa: BLE001 - the requests' answer
            if began and len(outcomes) < len(calls) and len(calls) > 1:
                return [self.handle_many([call], route=route)[0] for call in calls]
            return [exc] * len(calls)
        if route:
            self._hand_on(calls, outcomes)
        return outcomes  # type: ignore[return-value] # every Elsewhere was replaced

    def _hand_on(self, calls: Sequence[Request], outcomes: list[Outcome | Elsewhere | Exception]) -> None:
        """Answer the requests left to workspaces, each workspace's in one batch; one removed
        meanwhile leaves them to this backend, which knows no such account."""
        batches: dict[str, list[int]] = {}
        for i, outcome in enumerate(outcomes):
            if isinstance(outcome, Elsewhere):
                batches.setdefault(outcome.workspace, []).append(i)
        for workspace_id, indexes in batches.items():
            batch = [calls[i] for i in indexes]
            try:
                backend = self.router.routed(workspace_id)  # type: ignore[union-attr] # route needs one
            except Exception as exc:  # noqa: BLE001 - its store cannot be opened: the requests' answer
                log.exception("workspace %s: its store cannot be opened", workspace_id)
                answers: list[Outcome | Exception] = [exc] * len(batch)
            else:
                answers = backend.handle_many(batch) if backend is not None else self.handle_many(batch, route=False)
            for i, answer in zip(indexes, answers):
                outcomes[i] = answer

    def handle(self, call: Request) -> Outcome:
        """Decide, apply and journal one request; the answer is only returned once it is durable."""
        (outcome,) = self.handle_many([call])
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def _handle(self, request: Request, candidates: tuple[Rule, ...], matched_by: Scenario,
                route: bool = False) -> Outcome | Elsewhere:
        _, method_name, params, client_ip, render = request
        now = self.clock()
        settings = self.settings
        account, mobile = params.get("account", ""), params.get("mobile", "")
        facts = self.storage.facts(account, mobile, client_ip)
        if route and facts.workspace is not None and facts.account is None:
            return Elsewhere(facts.workspace)
        if facts.scenario_version != self._version:
            self._refresh()
        product = resolve(request.candidates, facts.account, params)
        method = product.api(settings).by_name[method_name]
        apikey = facts.account.apikey if facts.account is not None else ""
        if facts.account is not None and not product.belongs(facts.account):
            facts = facts._replace(account=None)  # another product's account: unknown to this one
        # the journal entry, but for what the answer decides (a partial: cheaper than dataclasses.replace)
        journal = partial(JournalEntry, now, client_ip, method.name, masked(params, apikey), product=product.name)
        fired = None
        if self.scenario.rules:
            call = _call(request)
            if self.scenario is not matched_by:  # switched meanwhile: matched again, only then in the turn
                candidates = matching(self.scenario.rules, call)
            candidates = tuple(rule for rule in candidates if rule.products is None or product.name in rule.products)
            fired = choose(candidates, call, self.storage, states=self._states, now=now, seed=settings.random_seed)
        if fired is None:
            return Outcome(self._answer(product, method, request, facts, journal, now, product.default_outcome))
        rule = fired.rule
        delay = fired.latency_seconds
        code = fired.code if fired.code in method.codes else None  # a code this product's method lacks
        fault = FAULTS[rule.fault] if rule.fault is not None else None
        if fault is not None and not fault.reaches_service:
            # the request never reaches the service: nothing changes, nothing is answered by it
            answer = method.answer(product.failed)
            self.storage.record(journal(code=None, fault=rule.fault, answer=_bytes(render, answer, rule.fault, settings)))
            hang = rule.hang_seconds if fault.waits else 0.0
            return Outcome(answer, rule.fault, delay, hang)
        if code is not None and code != OK:
            if rule.freeze and account:
                self.storage.update_account(account, auto_frozen=True)
            answer = method.answer(code)
            self.storage.record(journal(code=code, fault=rule.fault, answer=_bytes(render, answer, rule.fault, settings)))
            return Outcome(answer, rule.fault, delay)
        journal = partial(journal, fault=rule.fault)
        forced_ok = code == OK and method.issues_id
        outcome = rule.outcome
        if rule.outcome_from_mobile:  # numbered in this product's own table: every product has its magic numbers
            outcome = outcome_from_mobile(mobile, tuple(product.outcomes))
        answer = self._answer(product, method, request, facts, journal, now, outcome or product.default_outcome,
                              forced_ok=forced_ok, fault=rule.fault)
        return Outcome(answer, rule.fault, delay)

    def _answer(self, product: Product, method: Method, request: Request, facts: Facts,
                journal: Callable[..., JournalEntry], now: float, outcome: str | None, *,
                forced_ok: bool = False, fault: str | None = None) -> Answer:
        """The contract's checks (or a forced success), applied and journaled with the answer's
        bytes (``fault`` applied to them)."""
        params, client_ip, render = request.params, request.client_ip, request.render
        if forced_ok and facts.account is None:
            decision = Decision(product.unknown_account)
        else:
            context = Context(facts, client_ip, now, self.settings, self.storage, self.storage)
            decision = product.decide(method, params, context)
            if forced_ok and decision.code != OK:  # forced: the checks give only the units and the text
                decision = decision._replace(code=OK)
        code = decision.code
        if code == OK and method.issues_id:
            url = facts.account.receipt_url if facts.account is not None else ""
            entry = journal(code=int(code), outcome=outcome, units=decision.units, text=decision.text)
            written = None if render is None else lambda voiceid: render(method.answer(code, voiceid), fault, self.settings)
            delivery_id = self.storage.deliver(entry, receipt_url=url,
                                               report_at=now + self.settings.receipt_delay_seconds, answer=written)
            if delivery_id is not None:
                return method.answer(code, delivery_id)
            code = product.exhausted
        elif code == OK and decision.value is not None:
            # a success that is no delivery but hands back an id of its own (AddTemplate's templateid)
            answer = method.answer(code, decision.value)
            self.storage.record(journal(code=int(code), voiceid=decision.value, answer=_bytes(render, answer, fault, self.settings)))
            return answer
        balance = facts.account.balance if facts.account is not None else 0
        answer = method.answer(code, str(balance))
        self.storage.record(journal(code=int(code), answer=_bytes(render, answer, fault, self.settings)))
        return answer


def _bytes(render: Callable[[Answer, str | None, Settings], bytes] | None, answer: Answer, fault: str | None,
           settings: Settings) -> bytes | None:
    return None if render is None else render(answer, fault, settings)


def _load(into: Future[Scenario], source: str) -> None:
    try:
        into.set_result(load_file(source))
    except BaseException as exc:  # noqa: BLE001 - handed to the worker, which logs it
        into.set_exception(exc)


def _call(request: Request) -> Call:
    """What the rules match a request on (before the product is known: the codes any candidate's
    method answers)."""
    candidates, method_name, params, client_ip, _ = request
    return Call(method_name, params.get("account", ""), params.get("mobile", ""), params.get("content", ""),
                answer_format(params), client_ip, _codes(candidates, method_name))


@lru_cache(maxsize=64)
def _codes(candidates: tuple[Product, ...], method_name: str) -> frozenset[int]:
    return frozenset(code for product in candidates if (m := product.method(method_name)) is not None
                     for code in m.codes)
