"""The settings an answering service shows, read off its answers to the probes, and the scenario
that sets them: what ``--write-scenario`` writes (docs/contract.md §7)."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import tomli_w

from .._exceptions import MalformedBody
from ..service.products import product
from ..service.records import Settings
from ..service.scenarios import Scenario
from ..service.scenarios.checker import VOICE_ID_ELEMENTS
from ..wire.answers import local_name, namespace_of, read_xml
from .probes import Probe
from .targets import Answered

#: the products whose Submit id element is the ``voice_id_element`` setting
VOICE_PRODUCTS = ("voice", "voice_notice")


@dataclass(frozen=True)
class Read:
    """An answer read leniently: the parts a setting decides."""

    code: int
    msg: str
    id_name: str
    #: the XML root's namespace (``""`` for none), ``None`` for JSON
    namespace: str | None = None
    #: a JSON value written as a string, ``None`` for XML
    quoted: bool | None = None


def read(body: bytes, format: str) -> Read | None:
    """The code, message, id element and shape of an answer, or ``None`` if it is none."""
    try:
        if format == "json":
            doc = json.loads(body.decode("utf-8"))
            if not isinstance(doc, dict) or len(doc) != 3 or list(doc)[:2] != ["code", "msg"]:
                return None
            id_name = list(doc)[2]
            code, msg, value = doc["code"], doc["msg"], doc[id_name]
            if isinstance(code, bool) or not isinstance(code, int) or not isinstance(msg, str):
                return None
            return Read(code, msg, id_name, quoted=isinstance(value, str))
        root = read_xml(body)
        children = [child for child in root if isinstance(child.tag, str)]
        names = [local_name(child.tag) for child in children]
        if len(names) != 3 or names[:2] != ["code", "msg"] or not (children[0].text or "").isdigit():
            return None
        return Read(int(children[0].text or ""), children[1].text or "", names[2], namespace=namespace_of(root.tag))
    except (ValueError, UnicodeDecodeError, RecursionError, MalformedBody):
        return None


@dataclass
class Shown:
    """The settings a side's answers show; ``None`` where no answer showed one."""

    namespace: str | None = None
    voice_id_element: str | None = None
    num_as_string: bool | None = None
    xml_content_type: str | None = None
    json_content_type: str | None = None
    #: (method, code) → the text answered
    texts: dict[tuple[str, int], str] = field(default_factory=dict)

    def add(self, probe: Probe, answer: Answered, route_num_as_number: bool) -> Read | None:
        format = probe.format or "json"
        found = read(answer.body, format) if answer.status == 200 else None
        if found is None:
            return None
        if format == "xml":
            self.namespace = found.namespace if self.namespace is None else self.namespace
            self.xml_content_type = self.xml_content_type or answer.content_type
        else:
            self.json_content_type = self.json_content_type or answer.content_type
            if probe.method == "GetNum" and not route_num_as_number and self.num_as_string is None:
                self.num_as_string = found.quoted
        if probe.method == "Submit" and probe.product in VOICE_PRODUCTS and self.voice_id_element is None:
            self.voice_id_element = found.id_name
        self.texts.setdefault((probe.method, found.code), found.msg)
        return found


SCALARS = ("namespace", "voice_id_element", "num_as_string", "xml_content_type", "json_content_type")


def differing(upstream: Shown, sandbox: Shown) -> list[tuple[str, str, str]]:
    """(setting, the upstream's, the sandbox's) for each setting the two sides' answers show apart."""
    found = []
    for name in SCALARS:
        up, down = getattr(upstream, name), getattr(sandbox, name)
        if up is not None and down is not None and up != down:
            found.append((name, json.dumps(up, ensure_ascii=False), json.dumps(down, ensure_ascii=False)))
    for key, text in sorted(upstream.texts.items()):
        theirs = sandbox.texts.get(key)
        if theirs is not None and theirs != text:
            found.append((f"message of {key[0]} {key[1]}", text, theirs))
    return found


@dataclass
class Written:
    """The settings to write, and what no setting can say."""

    settings: dict[str, Any]
    unexpressed: list[str]


def settings_for(name: str, upstream: Shown, base: Settings) -> Written:
    """The ``[settings]`` of ``base`` changed to what the upstream's answers to product ``name`` show."""
    values: dict[str, Any] = {}
    unexpressed: list[str] = []
    if upstream.namespace is not None:
        values["namespace"] = upstream.namespace
    if upstream.voice_id_element is not None:
        if upstream.voice_id_element in VOICE_ID_ELEMENTS:
            values["voice_id_element"] = upstream.voice_id_element
        else:
            unexpressed.append(f"the Submit id element <{upstream.voice_id_element}> (a setting takes "
                               f"{' or '.join(VOICE_ID_ELEMENTS)})")
    if upstream.num_as_string is not None:
        values["num_as_string"] = upstream.num_as_string
    for key in ("xml_content_type", "json_content_type"):
        if getattr(upstream, key):
            values[key] = getattr(upstream, key)
    unit = product(name)
    voice_id = values.get("voice_id_element", base.voice_id_element)
    best: tuple[int, str, dict[str, dict[str, str]]] | None = None
    for message_set in unit.message_sets:
        api = unit.api(Settings(message_set=message_set, voice_id_element=voice_id))
        replaced: dict[str, dict[str, str]] = {}
        for (method_name, code), text in sorted(upstream.texts.items()):
            method = api.by_name.get(method_name)
            if method is None or code not in method.codes:
                continue
            if method.message(code) != text:
                replaced.setdefault(method_name, {})[str(code)] = text
        count = sum(len(v) for v in replaced.values())
        if best is None or count < best[0] or (count == best[0] and message_set == base.message_set):
            best = (count, message_set, replaced)
    assert best is not None
    values["message_set"] = best[1]
    for method_name, code in sorted(upstream.texts):
        method = unit.api().by_name.get(method_name)
        if method is None or code not in method.codes:
            unexpressed.append(f"code {code} answered to {method_name}, which {name} does not document")
    kept = {(p, m, c, t) for p, m, c, t in base.messages if p != name}
    messages: dict[str, dict[str, dict[str, str]]] = {}
    for p, m, c, t in sorted(kept):
        messages.setdefault(p, {}).setdefault(m, {})[str(c)] = t
    if best[2]:
        messages[name] = best[2]
    values["messages"] = messages
    return Written(values, unexpressed)


def scenario_text(base: Scenario, settings: dict[str, Any], *, name: str, description: str,
                  comments: Iterable[str] = ()) -> str:
    """``base`` with its ``[settings]`` updated, as TOML (tomli-w writes it; comments go on top)."""
    doc = tomllib.loads(base.text) if base.text else {"accounts": [{"apiid": a.apiid, "apikey": a.apikey,
                                                                    "balance": a.balance}
                                                                   for a in base.seed.accounts]}
    doc["name"] = name
    doc["description"] = description
    merged = {**doc.get("settings", {}), **settings}
    if not merged.get("messages"):
        merged.pop("messages", None)
    ordered = {"name": doc.pop("name"), "description": doc.pop("description"), **doc, "settings": merged}
    head = "".join(f"# {line}\n" for line in comments)
    return head + tomli_w.dumps(ordered)
