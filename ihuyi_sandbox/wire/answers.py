"""The exact bytes of an answer on the wire (docs/contract.md §4), rendered and parsed, for any
product: each product declares its methods (:class:`Method`) and this module does the rest.

The server renders with these functions and the client parses with them, so the two can never
disagree about a body. The standard library's ElementTree builds and reads the XML, so that the
client needs nothing installed; the declaration is written by hand because ElementTree would
quote it with single quotes, and the real service uses double quotes.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import NamedTuple

from .._exceptions import MalformedBody

DEFAULT_NAMESPACE = "http://106.ihuyi.com/"
XML_CONTENT_TYPE = "text/xml; charset=utf-8"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
#: the media types each format may carry (the sandbox sends the first; the rest are tolerated
#: because the real service's XML Content-Type is not documented, docs/contract.md §4)
CONTENT_TYPES = {"xml": ("text/xml", "application/xml"), "json": ("application/json",)}
#: the code every product answers on success
OK = 2
_XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'


@dataclass(frozen=True, eq=False)
class Method:
    """One method of a product's API (``method=Submit``) and the shape of its answer: ``root``
    holding ``code``, ``msg`` and ``id_name``, one of ``codes`` with its message in ``messages``.

    ``issues_id``: a success carries a fresh id, never ``0`` (Submit's ``voiceid``); otherwise the
    value is a count (GetNum's balance), which a JSON answer may give as a number.
    ``value_as_number``: a JSON answer always gives the value as a number, whatever the settings
    say (AddTemplate's ``templateid``, an ``int`` in the provider's document)."""

    name: str
    root: str
    id_name: str
    codes: frozenset[int]
    messages: Mapping[int, str] = field(repr=False)
    issues_id: bool = False
    value_as_number: bool = False

    def message(self, code: int) -> str:
        try:
            return self.messages[code]
        except KeyError:
            raise ValueError(f"{code!r} is not a documented {self.name} code") from None

    def answer(self, code: int, value: str = "0") -> "Answer":
        """The answer carrying ``code`` with the provider's own message (``value`` only on success)."""
        return Answer(self, int(code), self.message(code), value if code == OK else "0")


class Answer(NamedTuple):
    """One answer of a provider API: ``value`` is the id (of a Submit) or the balance (of a
    GetNum), ``"0"`` on failure."""

    shape: Method
    code: int
    msg: str
    value: str = "0"

    @property
    def method(self) -> str:
        return self.shape.name

    @property
    def ok(self) -> bool:
        return self.code == OK


def render_xml(answer: Answer, namespace: str = DEFAULT_NAMESPACE) -> bytes:
    head, tail = _xml_around_value(answer.shape, answer.code, answer.msg, namespace)
    return head + answer.value.encode("ascii") + tail


_VALUE_MARK = "VALUE"


@lru_cache(maxsize=512)
def _xml_around_value(shape: Method, code: int, msg: str, namespace: str) -> tuple[bytes, bytes]:
    """The answer's bytes before and after its id (or balance), rendered once: only the digits of
    the id change from one answer to the next."""
    def qualified(name: str) -> str:
        return f"{{{namespace}}}{name}" if namespace else name

    root = ET.Element(qualified(shape.root))
    root.text = "\n"
    for name, text in (("code", str(code)), ("msg", msg), (shape.id_name, _VALUE_MARK)):
        child = ET.SubElement(root, qualified(name))
        child.text = text
        child.tail = "\n"
    xml = ET.tostring(root, encoding="unicode", default_namespace=namespace or None)
    body = _XML_DECLARATION + xml.encode("utf-8") + b"\n"
    head, tail = body.split(f">{_VALUE_MARK}<".encode())
    return head + b">", b"<" + tail


def render_json(answer: Answer, num_as_string: bool = True) -> bytes:
    shape = answer.shape
    quoted = not shape.value_as_number and (shape.issues_id or num_as_string)
    head, tail = _json_around_value(answer.shape, answer.code, answer.msg, quoted)
    return head + answer.value.encode("ascii") + tail


@lru_cache(maxsize=512)
def _json_around_value(shape: Method, code: int, msg: str, quoted: bool) -> tuple[bytes, bytes]:
    """The answer's bytes before and after its id (or balance), as for XML: the value is always
    digits, so it needs no escaping, and a number-typed balance is the same digits unquoted."""
    body = json.dumps({"code": code, "msg": msg, shape.id_name: _VALUE_MARK}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")
    head, tail = body.rsplit(_VALUE_MARK.encode(), 1)
    return (head, tail) if quoted else (head.removesuffix(b'"'), tail.removeprefix(b'"'))


class _Tree(ET.TreeBuilder):
    """The answer's elements, comments and processing instructions kept (an answer has none, so
    one is a body of another shape); a DTD refused as soon as it begins, before any entity it
    declares is expanded (an answer has none either; an entity could only be an attack)."""

    def __init__(self) -> None:
        super().__init__(insert_comments=True, insert_pis=True)

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise MalformedBody(f"a document type declaration (<!DOCTYPE {name}>), which no answer carries")


def _local(tag: object) -> str:
    """An element's name without its namespace; ``""`` for a comment or processing instruction."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def read_xml(body: bytes) -> ET.Element:
    """The root of an XML body, comments and processing instructions kept as nodes, a DTD
    refused; :class:`MalformedBody` for anything that is not well-formed XML."""
    parser = ET.XMLParser(target=_Tree())
    try:
        parser.feed(body)
        return parser.close()
    except MalformedBody:
        raise
    except (ET.ParseError, LookupError, ValueError) as exc:  # LookupError: an unknown encoding
        raise MalformedBody(f"not well-formed XML: {exc}") from None


def local_name(tag: object) -> str:
    """An element's name without its namespace (``""`` for a comment); :func:`namespace_of` the rest."""
    return _local(tag)


def namespace_of(tag: object) -> str:
    """The namespace of an element's name, ``""`` for none."""
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


@dataclass(frozen=True)
class Api:
    """A product's methods, for reading its answers: :meth:`parse_xml` tells the method by the
    root element, :meth:`parse_json` needs to be told."""

    methods: tuple[Method, ...]

    @cached_property
    def by_name(self) -> dict[str, Method]:
        return {method.name: method for method in self.methods}

    def method(self, name: str) -> Method:
        try:
            return self.by_name[name]
        except KeyError:
            raise ValueError(f"unknown method {name!r}; accepted: {', '.join(self.names)}") from None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.methods)

    def parse(self, body: bytes, method: str, format: str = "xml") -> Answer:
        return self.parse_json(body, method) if format == "json" else self.parse_xml(body)

    def parse_xml(self, body: bytes) -> Answer:
        """Read an XML answer whatever its namespace; raise :class:`MalformedBody` on anything else."""
        root = read_xml(body)
        root_name = _local(root.tag)
        shape = next((m for m in self.methods if m.root == root_name), None)
        if shape is None:
            raise MalformedBody(f"unexpected root element <{root_name}>")
        names = [_local(child.tag) for child in root]
        if names != ["code", "msg", shape.id_name]:
            raise MalformedBody(f"<{root_name}> holds {names}, expected ['code', 'msg', '{shape.id_name}']")
        code, msg, value = ((child.text or "") for child in root)
        return _checked(shape, code, msg, value)

    def parse_json(self, body: bytes, method: str) -> Answer:
        """Read a JSON answer to ``method``; raise :class:`MalformedBody` on anything else."""
        shape = self.method(method)
        try:
            doc = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise MalformedBody(f"not valid JSON: {exc}") from None
        id_name = shape.id_name
        if not isinstance(doc, dict) or list(doc) != ["code", "msg", id_name]:
            raise MalformedBody(f"expected an object with keys code, msg, {id_name}; got {body[:80]!r}")
        code, msg, value = doc["code"], doc["msg"], doc[id_name]
        if not isinstance(code, int) or isinstance(code, bool) or not isinstance(msg, str):
            raise MalformedBody(f"wrong types in {body[:80]!r}")
        if isinstance(value, int) and (shape.value_as_number or not shape.issues_id) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise MalformedBody(f"{id_name} must be a string, got {value!r}")
        return _checked(shape, str(code), msg, value)


def _checked(shape: Method, code_text: str, msg: str, value: str) -> Answer:
    if not code_text.isascii() or not code_text.isdigit():
        raise MalformedBody(f"code {code_text!r} is not a number")
    code = int(code_text)
    if code not in shape.codes:
        raise MalformedBody(f"code {code} is not a documented {shape.name} code")
    if msg != shape.message(code):
        raise MalformedBody(f"message {msg!r} is not the documented one for code {code}")
    if not value.isascii() or not value.isdigit():
        raise MalformedBody(f"id {value!r} is not a decimal number")
    if (code != OK and value != "0") or (code == OK and shape.issues_id and value == "0"):
        raise MalformedBody(f"{shape.id_name} {value!r} does not fit code {code}")
    return Answer(shape, code, msg, value)
