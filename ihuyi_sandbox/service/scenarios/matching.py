"""Which scenario rule, if any, decides a call: plain functions over the rules and shared counters.

Counters live in the storage, so every worker process sees the same counts. They are kept per
rule *and per account*: parallel test suites that each use their own account never see each
other's counts, states or balances.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .rules import INITIAL_STATE, MAX_MATCHED_LENGTH, Rule

if TYPE_CHECKING:
    import re2


@dataclass(frozen=True)
class Call:
    """What rules match on."""

    method: str
    account: str
    mobile: str
    content: str
    format: str
    client_ip: str
    #: the codes the method answers: a rule forcing another lets the call pass untouched
    codes: frozenset[int]


@dataclass(frozen=True)
class Fired:
    """The rule that decides a call, with the code it forces (if any) and its latency."""

    rule: Rule
    code: int | None
    latency_seconds: float


class Counters(Protocol):
    def bump(self, key: str, by: int = 1) -> int: ...

    def counter(self, key: str) -> int: ...

    def compare_and_set(self, key: str, old: int, new: int) -> bool: ...

    def count_deliveries(self, *, account: str | None = None, mobile: str | None = None,
                         since: float | None = None) -> int: ...


def matches(rule: Rule, call: Call) -> bool:
    """Whether the call looks like what the rule is about (its *when* aside)."""
    if rule.methods is not None and call.method not in rule.methods:
        return False
    if rule.accounts is not None and call.account not in rule.accounts:
        return False
    if rule.mobiles is not None and call.mobile not in rule.mobiles:
        return False
    if rule.mobile_prefix is not None and not call.mobile.startswith(rule.mobile_prefix):
        return False
    if rule.mobile_regex is not None and not _fullmatch(rule.mobile_regex, call.mobile):
        return False
    if rule.contents is not None and call.content not in rule.contents:
        return False
    if rule.content_regex is not None and not _fullmatch(rule.content_regex, call.content):
        return False
    if rule.format is not None and call.format != rule.format:
        return False
    if rule.client_ips is not None and call.client_ip not in rule.client_ips:
        return False
    return forced_code(rule, call) is not None or rule.code is None and not rule.code_from_mobile


def _fullmatch(pattern: "re2._Regexp", text: str) -> bool:
    if len(text) > MAX_MATCHED_LENGTH:
        return False
    # no request's text holds a lone surrogate (wire.forms.decode_text), so RE2 can encode it
    return pattern.fullmatch(text) is not None


def forced_code(rule: Rule, call: Call) -> int | None:
    """The code the rule forces on this call; ``None`` if it forces none or none that the method
    documents (a rule forcing 4051 lets GetNum pass untouched)."""
    code = code_from_mobile(call.mobile, call.codes) if rule.code_from_mobile else rule.code
    return code if code in call.codes else None


def code_from_mobile(mobile: str, codes: frozenset[int]) -> int | None:
    """The code a mobile's tail writes: its last five digits when they are a code of five digits
    (``…40722`` → 40722), else its last four (``…4051`` → 4051, ``…0406`` → 406); ``0002`` is left
    to the contract's checks (an ordinary number). So ``139000`` and a code zero-padded to five
    digits name every code, and the four-digit codes keep their ``1390000`` numbers."""
    five = mobile[-5:]
    if len(five) == 5 and five.isascii() and five.isdigit() and int(five) >= 10000 and int(five) in codes:
        return int(five)
    tail = mobile[-4:]
    return int(tail) if len(tail) == 4 and tail.isascii() and tail.isdigit() and tail != "0002" else None


def outcome_from_mobile(mobile: str, outcomes: Sequence[str]) -> str | None:
    """The outcome a mobile's last four digits number in a product's table (``0001`` its first),
    or ``None`` for a number past its end."""
    tail = mobile[-4:]
    if len(tail) == 4 and tail.isascii() and tail.isdigit() and 1 <= int(tail) <= len(outcomes):
        return outcomes[int(tail) - 1]
    return None


def draw(seed: int, rule: Rule, account: str, n: int, salt: str = "") -> float:
    """A number in [0, 1) fixed by the scenario's seed, the rule, the account and the call's
    count: the same run gives the same draws, whatever the number of workers."""
    digest = hashlib.blake2b(f"{seed}:{rule.index}:{account}:{n}:{salt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def matching(rules: tuple[Rule, ...], call: Call) -> tuple[Rule, ...]:
    """The rules the call looks like: they read no state, so they are tried before the write turn
    that every worker shares, where no pattern can hold up the others."""
    return tuple(rule for rule in rules if matches(rule, call))


def choose(candidates: tuple[Rule, ...], call: Call, counters: Counters, *, states: tuple[str, ...], now: float,
           seed: int) -> Fired | None:
    """Of the rules the call matched (:func:`matching`), the first whose *when* holds decides;
    ``None`` means the contract's checks."""
    if not candidates:
        return None
    # every matching rule counts the call, fired or not, so that "nth" means the nth call it matched
    calls = {rule.index: counters.bump(f"calls:{rule.index}:{call.account}")
             for rule in candidates if rule.counts_calls}
    state_key = f"state:{call.account}"
    for rule in candidates:
        n = calls.get(rule.index, 0)
        if not _when(rule, n, call, counters, now=now, seed=seed):
            continue
        current = None
        if rule.state is not None or rule.set_state is not None:
            current = counters.counter(state_key)
            if rule.state is not None and states[current] != rule.state:
                continue
        if rule.times is not None and counters.bump(f"fired:{rule.index}:{call.account}") > rule.times:
            continue
        if rule.set_state is not None and not counters.compare_and_set(
                state_key, current or 0, states.index(rule.set_state)):
            continue  # another call moved the state first
        return Fired(rule, forced_code(rule, call), _latency(rule, call, n, seed))
    return None


def _when(rule: Rule, n: int, call: Call, counters: Counters, *, now: float, seed: int) -> bool:
    if rule.nth is not None and n != rule.nth:
        return False
    if rule.every is not None and n % rule.every:
        return False
    if rule.from_call is not None and n < rule.from_call:
        return False
    if rule.until_call is not None and n > rule.until_call:
        return False
    if rule.probability is not None and draw(seed, rule, call.account, n) >= rule.probability:
        return False
    if rule.after_successes is not None and counters.count_deliveries(account=call.account) < rule.after_successes:
        return False
    if rule.limit is not None:
        limit = rule.limit
        since = now - limit.window_seconds
        made = (counters.count_deliveries(mobile=call.mobile, since=since) if limit.per == "mobile"
                else counters.count_deliveries(account=call.account, since=since))
        if made < limit.count:
            return False
    return True


def _latency(rule: Rule, call: Call, n: int, seed: int) -> float:
    if rule.latency_ms is None:
        return 0.0
    low, high = rule.latency_ms
    return (low + (high - low) * draw(seed, rule, call.account, n, "latency")) / 1000


def state_names(rules: tuple[Rule, ...]) -> tuple[str, ...]:
    """The scenario's states, numbered as the counters store them: ``Started`` is 0."""
    names = [INITIAL_STATE]
    for rule in rules:
        for name in (rule.state, rule.set_state):
            if name is not None and name not in names:
                names.append(name)
    return tuple(names)
