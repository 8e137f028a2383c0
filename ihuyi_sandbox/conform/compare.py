"""Two answers to one probe compared: status, Content-Type and the body's exact bytes, but for
the value that must differ between two accounts (an id, a balance), which is compared by its
pattern: ``0``, or digits without a leading zero."""

from __future__ import annotations

import re

from .targets import Answered

#: the value an answer ends with: the last element of the XML root, the last key of the JSON
_XML_VALUE = re.compile(rb"(<(\w+)>)([1-9][0-9]*)(</\2>\s*</[^<>]+>\s*)\Z")
_JSON_VALUE = re.compile(rb'("\w+":"?)([1-9][0-9]*)("?\}\s*)\Z')
#: what the value's digits are shown as once masked
MASK = b"<digits>"


def pattern(body: bytes) -> bytes:
    """``body`` with its final id or balance masked, when it has the shape of an answer."""
    masked = _XML_VALUE.sub(lambda m: m.group(1) + MASK + m.group(4), body, count=1)
    if masked == body:
        masked = _JSON_VALUE.sub(lambda m: m.group(1) + MASK + m.group(3), body, count=1)
    return masked


def differences(upstream: Answered, sandbox: Answered) -> list[tuple[str, str, str]]:
    """(aspect, the upstream's, the sandbox's) for each aspect that differs."""
    found = []
    if upstream.status != sandbox.status:
        found.append(("status", str(upstream.status), str(sandbox.status)))
    if upstream.content_type != sandbox.content_type:
        found.append(("Content-Type", upstream.content_type or "(none)", sandbox.content_type or "(none)"))
    up, down = pattern(upstream.body), pattern(sandbox.body)
    if up != down:
        found.append(("body", *shown(up, down)))
    return found


def shown(first: bytes, second: bytes, context: int = 12) -> tuple[str, str]:
    """Both bodies on one line each, from a little before where they part."""
    one, two = text(first), text(second)
    start = 0
    while start < min(len(one), len(two)) and one[start] == two[start]:
        start += 1
    cut = max(0, start - context)
    return (("…" if cut else "") + one[cut:]), (("…" if cut else "") + two[cut:])


def text(body: bytes) -> str:
    """Bytes as one line of text: UTF-8 where it decodes, ``\\n`` for a line feed."""
    shown = body.decode("utf-8", "backslashreplace").replace("\r", "\\r").replace("\n", "\\n")
    return shown or "(empty)"
