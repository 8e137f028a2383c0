"""Message templates: text with ``【变量】`` placeholders (docs/contract.md §10), matched against a
submitted content, or filled from ``templateid`` mode's ``|``-separated variables. Plain
functions over text; which templates an account may use is the caller's to say.

A placeholder is ``【变量】`` or ``【变量N】`` (numbered, as the provider's examples write them); it
matches 1 to ``max_length`` characters and everything else must be equal, spaces and punctuation
included. A leading or trailing ``【…】`` of the content is its signature, not part of the match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from itertools import chain
from typing import NamedTuple

import re2

#: the longest a variable may be, as 40722's text prints it (【8】)
MAX_VARIABLE_LENGTH = 8
_PLACEHOLDER = re.compile(r"【变量[0-9]*】")
_SIGNATURE = re.compile(r"^【([^【】]*)】|【([^【】]*)】$")


class Match(NamedTuple):
    """How a content met a template: ``variables`` as they were filled in, or why it did not
    (``too_long``: it would match, but a variable is longer than allowed)."""

    variables: tuple[str, ...] = ()
    too_long: bool = False


def placeholders(template: str) -> int:
    return len(_PLACEHOLDER.findall(template))


_OPTIONS = re2.Options()
_OPTIONS.log_errors = False
_OPTIONS.dot_nl = True


@lru_cache(maxsize=1024)
def _pattern(template: str) -> "re2._Regexp":
    """The template as a pattern: its text literal, each placeholder any run of characters (the
    length is checked after, so that a too-long variable is told from a mismatch). RE2, whose
    time is linear in the content whatever the template: a template comes from a request
    (AddTemplate), and Python's ``re`` would take exponential time on many placeholders in a row."""
    parts = _PLACEHOLDER.split(template)
    return re2.compile("(.+?)".join(re2.escape(part) for part in parts), _OPTIONS)


def match(template: str, content: str, max_length: int = MAX_VARIABLE_LENGTH) -> Match | None:
    """How ``content`` (its signature already taken off) fills ``template``, or ``None`` if it
    does not follow it."""
    parts = _parts(template)
    if len(parts) == 1:  # no placeholder
        return Match() if content == template else None
    if len(parts) == 2:  # one (the built-in templates): the text around it
        head, tail = parts
        if len(content) <= len(head) + len(tail) or not content.startswith(head) or not content.endswith(tail):
            return None
        variable = content[len(head):len(content) - len(tail)]
        return Match((variable,), len(variable) > max_length)
    if _shortest_match(parts) > len(content):
        return None
    found = _pattern(template).fullmatch(content)
    if found is None:
        return None
    variables = found.groups()
    return Match(variables, max(map(len, variables)) > max_length)


@lru_cache(maxsize=1024)
def _parts(template: str) -> tuple[str, ...]:
    """The template's text between its placeholders."""
    return tuple(_PLACEHOLDER.split(template))


def _shortest_match(parts: tuple[str, ...]) -> int:
    """The shortest content a template of these parts matches: its text, and a character per
    placeholder. A longer template is never compiled into a pattern, so a template an AddTemplate
    made as large as a request allows costs nothing to a content it cannot match."""
    return sum(map(len, parts)) + len(parts) - 1


def fill(template: str, variables: str) -> str | None:
    """The text ``template`` gives with ``variables`` (``|``-separated, templateid mode), or
    ``None`` when their number is not the template's."""
    parts, values = _parts(template), variables.split("|")
    if len(values) != len(parts) - 1:
        return None
    return "".join(chain.from_iterable(zip(parts, values))) + parts[-1]


def split_signature(content: str) -> tuple[str, str | None]:
    """(the content without its signature, the signature's text or ``None``): a ``【…】`` at its
    start or end."""
    found = _SIGNATURE.search(content) if content[:1] == "【" or content[-1:] == "】" else None
    if found is None:
        return content, None
    signature = found.group(1) if found.group(1) is not None else found.group(2)
    return content[:found.start()] + content[found.end():], signature


#: a verification code written out in a text: a run of 4 to 8 ASCII digits (the provider's samples'
#: "4-8位数字"), not part of a longer number such as a mobile
_DIGITS = re.compile(r"[0-9]+")
CODE_DIGITS = (4, 8)


def find_code(text: str, templates: Iterable[str] = ()) -> str | None:
    """The verification code ``text`` carries: the first variable of the first of ``templates``
    (a product's built-in ones) that it fills, its signature aside; else its first run of 4 to 8
    digits; else ``None``."""
    body, _ = split_signature(text)
    for template in templates:
        found = match(template, body, max_length=len(body))
        if found is not None and found.variables:
            return found.variables[0]
    low, high = CODE_DIGITS
    return next((run.group() for run in _DIGITS.finditer(text) if low <= len(run.group()) <= high), None)
