"""Verifying what was sent, with near misses: which of the Submits a sandbox journaled match what a
test expected, and, when too few or too many did, the ones that came closest, as WireMock reports
a verification that fails."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: what a Submit may be matched on, and where each is in a journaled request
FIELDS = ("mobile", "content", "code", "product", "account")
#: how many near misses a failure lists
SHOWN = 5

Expected = str | re.Pattern[str]


@dataclass(frozen=True)
class Sent:
    """One Submit as the journal has it, seen as what a test asks about."""

    id: int
    mobile: str
    #: the text delivered (a template filled in), else the content sent
    content: str
    #: the code answered (2: delivered)
    code: int | None
    product: str
    account: str
    message: str | None
    fault: str | None

    @classmethod
    def of(cls, entry: Mapping[str, Any]) -> "Sent":
        params = entry.get("params", {})
        content = entry.get("text")
        return cls(entry["id"], params.get("mobile", ""), params.get("content", "") if content is None else content,
                   entry.get("code"), entry.get("product", ""), params.get("account", ""), entry.get("message"),
                   entry.get("fault"))

    def value(self, name: str) -> str:
        return "" if getattr(self, name) is None else str(getattr(self, name))

    @property
    def delivered(self) -> bool:
        return self.code == 2


def _mobiles(sent: Sent) -> list[str]:
    return sent.mobile.split(",")  # a marketing batch goes to several


def field_matches(name: str, expected: Expected, sent: Sent) -> bool:
    if name == "mobile":
        return any(_matches(expected, m) for m in _mobiles(sent))
    return _matches(expected, sent.value(name))


def _matches(expected: Expected, actual: str) -> bool:
    if isinstance(expected, re.Pattern):
        return expected.search(actual) is not None
    return str(expected) == actual


def similarity(expected: Mapping[str, Expected], sent: Sent) -> float:
    """From 0 to 1, the mean over the fields asked for of how alike the asked value and the sent
    one are (1 for a match; else the share of characters in common, as difflib counts them): a
    mobile one digit off ranks above another number altogether."""
    if not expected:
        return 1.0
    scores = []
    for name, wanted in expected.items():
        if field_matches(name, wanted, sent):
            scores.append(1.0)
        elif isinstance(wanted, re.Pattern):
            scores.append(0.0)
        else:
            actuals = _mobiles(sent) if name == "mobile" else [sent.value(name)]
            scores.append(max(difflib.SequenceMatcher(None, str(wanted), a).ratio() for a in actuals) * 0.99)
    return sum(scores) / len(scores)


def matching(expected: Mapping[str, Expected], sent: Iterable[Sent]) -> list[Sent]:
    """The deliveries that match every field asked for (a refused Submit sent nothing)."""
    return [s for s in sent if s.delivered and all(field_matches(n, v, s) for n, v in expected.items())]


def describe(expected: Mapping[str, Expected]) -> str:
    if not expected:
        return "any message"
    parts = [f"{name} {_shown(value)}" for name, value in expected.items()]
    return "a message with " + ", ".join(parts)


def _shown(value: Expected) -> str:
    return f"matching /{value.pattern}/" if isinstance(value, re.Pattern) else repr(str(value))


def _line(rank: int, sent: Sent, expected: Mapping[str, Expected]) -> str:
    if sent.delivered:
        verdict = "delivered"
    elif sent.code is None:
        verdict = f"not answered ({sent.fault})"
    else:
        verdict = f"refused with {sent.code} {sent.message or ''}".rstrip()
    if sent.fault and sent.code is not None:
        verdict += f", answer spoiled ({sent.fault})"
    differs = [f"{name} {sent.value(name)!r}" for name, wanted in expected.items()
               if not field_matches(name, wanted, sent)]
    if not sent.delivered and "code" not in expected:
        differs.append("not delivered")
    off = f"; differs: {', '.join(differs)}" if differs else ""
    return (f"  {rank}. request {sent.id}: {sent.product} {sent.account} to {sent.mobile} {sent.content!r}: "
            f"{verdict}{off}")


def failure(expected: Mapping[str, Expected], count: int | None, found: list[Sent], sent: list[Sent]) -> str | None:
    """Why the Submits ``sent`` (newest first) fail the verification, or ``None`` if they pass:
    ``count`` matches exactly, or at least one with ``count`` ``None``."""
    if (len(found) == count) if count is not None else found:
        return None
    wanted = f"{count} × " if count is not None else ""
    lines = [f"expected {wanted}{describe(expected)} to have been sent; "
             f"{_counted(len(found))} of the {_counted(len(sent), 'Submit')} journaled"]
    if found:
        lines.append("Matched:")
        lines += [_line(i, s, expected) for i, s in enumerate(found[:SHOWN], 1)]
    others = sorted((s for s in sent if s not in found), key=lambda s: -similarity(expected, s))
    if others:
        lines.append("Closest first:" if not found else "Near misses, closest first:")
        lines += [_line(i, s, expected) for i, s in enumerate(others[:SHOWN], 1)]
        if len(others) > SHOWN:
            lines.append(f"  … and {len(others) - SHOWN} more")
    elif not sent:
        lines.append("Nothing was sent.")
    return "\n".join(lines)


def _counted(n: int, noun: str = "") -> str:
    if not noun:
        return "none matched" if n == 0 else f"{n} matched"
    return f"{n} {noun}{'' if n == 1 else 's'}"
