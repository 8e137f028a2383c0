"""The exact bytes of an answer on the wire (CONTRACT.md §4), rendered and parsed.

The server renders with these functions and the client parses with them, so the two can never
disagree about a body. lxml builds and reads the XML; the declaration is written by hand because
lxml would quote it with single quotes, and the real service uses double quotes.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Literal, NamedTuple

from lxml import etree

from .codes import GETNUM_CODES, SUBMIT_CODES, Code, message_for

Method = Literal["Submit", "GetNum"]
METHODS: tuple[Method, ...] = ("Submit", "GetNum")

#: root element and id element of each method's answer
SHAPES: dict[str, tuple[str, str]] = {
    "Submit": ("SubmitResult", "voiceid"),
    "GetNum": ("GetNumResult", "num"),
}

DEFAULT_NAMESPACE = "http://106.ihuyi.com/"
XML_CONTENT_TYPE = "text/xml; charset=utf-8"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
_XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'


class Answer(NamedTuple):
    """One answer of the provider API: ``value`` is the voice id (Submit) or the balance (GetNum),
    ``"0"`` on failure."""

    method: Method
    code: int
    msg: str
    value: str = "0"

    @classmethod
    def of(cls, method: Method, code: int, value: str = "0") -> "Answer":
        """The answer carrying ``code`` with the provider's own message."""
        return cls(method, int(code), message_for(code, method), value if code == Code.OK else "0")

    @property
    def ok(self) -> bool:
        return self.code == Code.OK


class MalformedBody(ValueError):
    """A body that is not one the contract allows: truncated, altered, or of another shape."""


def render_xml(answer: Answer, namespace: str = DEFAULT_NAMESPACE) -> bytes:
    head, tail = _xml_around_value(answer.method, answer.code, answer.msg, namespace)
    return head + answer.value.encode("ascii") + tail


_VALUE_MARK = "VALUE"


@lru_cache(maxsize=512)
def _xml_around_value(method: Method, code: int, msg: str, namespace: str) -> tuple[bytes, bytes]:
    """The answer's bytes before and after its id (or balance), rendered once by lxml: only the
    digits of the id change from one answer to the next."""
    root_name, id_name = SHAPES[method]
    root = etree.Element(root_name, nsmap={None: namespace} if namespace else None)
    root.text = "\n"
    for name, text in (("code", str(code)), ("msg", msg), (id_name, _VALUE_MARK)):
        child = etree.SubElement(root, f"{{{namespace}}}{name}" if namespace else name)
        child.text = text
        child.tail = "\n"
    body = _XML_DECLARATION + etree.tostring(root, encoding="utf-8") + b"\n"
    head, tail = body.split(f">{_VALUE_MARK}<".encode())
    return head + b">", b"<" + tail


def render_json(answer: Answer, num_as_string: bool = True) -> bytes:
    quoted = answer.method == "Submit" or num_as_string
    head, tail = _json_around_value(answer.method, answer.code, answer.msg, quoted)
    return head + answer.value.encode("ascii") + tail


@lru_cache(maxsize=512)
def _json_around_value(method: Method, code: int, msg: str, quoted: bool) -> tuple[bytes, bytes]:
    """The answer's bytes before and after its id (or balance), as for XML: the value is always
    digits, so it needs no escaping, and a number-typed balance is the same digits unquoted."""
    _, id_name = SHAPES[method]
    body = json.dumps({"code": code, "msg": msg, id_name: _VALUE_MARK}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")
    head, tail = body.rsplit(_VALUE_MARK.encode(), 1)
    return (head, tail) if quoted else (head.removesuffix(b'"'), tail.removeprefix(b'"'))


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)


def parse_xml(body: bytes) -> Answer:
    """Read an XML answer whatever its namespace; raise :class:`MalformedBody` on anything else."""
    try:
        root = etree.fromstring(body, _PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise MalformedBody(f"not well-formed XML: {exc}") from None
    root_name = etree.QName(root).localname
    method = next((m for m, (r, _) in SHAPES.items() if r == root_name), None)
    if method is None:
        raise MalformedBody(f"unexpected root element <{root_name}>")
    _, id_name = SHAPES[method]
    names = [etree.QName(child).localname if isinstance(child.tag, str) else "" for child in root]
    if names != ["code", "msg", id_name]:
        raise MalformedBody(f"<{root_name}> holds {names}, expected ['code', 'msg', '{id_name}']")
    code, msg, value = ((child.text or "") for child in root)
    return _checked(method, code, msg, value)


def parse_json(body: bytes, method: Method) -> Answer:
    """Read a JSON answer to ``method``; raise :class:`MalformedBody` on anything else."""
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedBody(f"not valid JSON: {exc}") from None
    _, id_name = SHAPES[method]
    if not isinstance(doc, dict) or list(doc) != ["code", "msg", id_name]:
        raise MalformedBody(f"expected an object with keys code, msg, {id_name}; got {body[:80]!r}")
    code, msg, value = doc["code"], doc["msg"], doc[id_name]
    if not isinstance(code, int) or isinstance(code, bool) or not isinstance(msg, str):
        raise MalformedBody(f"wrong types in {body[:80]!r}")
    if isinstance(value, int) and method == "GetNum" and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise MalformedBody(f"{id_name} must be a string, got {value!r}")
    return _checked(method, str(code), msg, value)


def parse(body: bytes, method: Method, format: str = "xml") -> Answer:
    return parse_json(body, method) if format == "json" else parse_xml(body)


def _checked(method: Method, code_text: str, msg: str, value: str) -> Answer:
    if not code_text.isascii() or not code_text.isdigit():
        raise MalformedBody(f"code {code_text!r} is not a number")
    code = int(code_text)
    allowed = SUBMIT_CODES if method == "Submit" else GETNUM_CODES
    if code not in allowed:
        raise MalformedBody(f"code {code} is not a documented {method} code")
    if msg != message_for(code, method):
        raise MalformedBody(f"message {msg!r} is not the documented one for code {code}")
    if not value.isascii() or not value.isdigit():
        raise MalformedBody(f"id {value!r} is not a decimal number")
    accepted_call = code == Code.OK and method == "Submit"
    if (code != Code.OK and value != "0") or (accepted_call and value == "0"):
        raise MalformedBody(f"{SHAPES[method][1]} {value!r} does not fit code {code}")
    return Answer(method, code, msg, value)
