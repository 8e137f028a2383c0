"""What a scenario is once checked: its rules, its starting state and settings (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field

import re2

from ..records import Seed, Settings

INITIAL_STATE = "Started"
MAX_HANG_SECONDS = 120.0
MAX_LATENCY_MS = int(MAX_HANG_SECONDS * 1000)
MAX_WINDOW_SECONDS = 366 * 86400
#: the most a scenario file may hold: it is read whole, into every worker
MAX_FILE_BYTES = 1024 * 1024
#: how deep tables and arrays may nest; a scenario needs four levels, and a bound far below
#: Python's recursion limit means every process refuses the same files
MAX_NESTING = 16
MAX_PATTERN_LENGTH = 1000
#: the longest value a pattern is matched against; a longer one matches none. RE2 is linear, but
#: on some patterns slow per character, and a mobile or code is a dozen characters: a longer
#: value is refused by the contract's checks anyway
MAX_MATCHED_LENGTH = 64


@dataclass(frozen=True)
class Limit:
    """A frequency limit: trips once ``count`` deliveries were made per mobile or per account
    within the last ``window_seconds``."""

    count: int
    window_seconds: float
    per: str = "mobile"


@dataclass(frozen=True)
class Rule:
    index: int
    name: str = ""
    # what a call must look like (None: anything)
    products: frozenset[str] | None = None
    methods: frozenset[str] | None = None
    accounts: frozenset[str] | None = None
    mobiles: frozenset[str] | None = None
    mobile_prefix: str | None = None
    mobile_regex: re2._Regexp | None = None
    contents: frozenset[str] | None = None
    content_regex: re2._Regexp | None = None
    format: str | None = None
    client_ips: frozenset[str] | None = None
    state: str | None = None
    # when, among the matching calls, the rule fires
    nth: int | None = None
    every: int | None = None
    from_call: int | None = None
    until_call: int | None = None
    after_successes: int | None = None
    times: int | None = None
    probability: float | None = None
    limit: Limit | None = None
    # what it does
    code: int | None = None
    code_from_mobile: bool = False
    latency_ms: tuple[int, int] | None = None
    fault: str | None = None
    hang_seconds: float = 20.0
    freeze: bool = False
    set_state: str | None = None
    #: what becomes of an accepted call, as its delivery receipt reports (a product's ``outcomes``)
    outcome: str | None = None
    #: the outcome numbered by the mobile's last four digits in the product's ``outcomes`` (0001: its first)
    outcome_from_mobile: bool = False

    @property
    def counts_calls(self) -> bool:
        """Whether the rule needs the shared count of the calls it matched."""
        return any(v is not None for v in (self.nth, self.every, self.from_call, self.until_call,
                                           self.probability)) or self.latency_ms is not None


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    seed: Seed = field(default_factory=Seed)
    settings: Settings = field(default_factory=Settings)
    rules: tuple[Rule, ...] = ()
    #: where it was read from: a file path, or ``<inline>``
    source: str = "<inline>"
    text: str = ""


