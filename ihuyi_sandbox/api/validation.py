"""Strict reading of the sandbox API's JSON bodies and query strings: a wrong name or type is a
400 with the reason, never a guess and never a 500."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime, timezone
from typing import Any

from flask import Request

from .._exceptions import Invalid
from ..service.faults import FAULTS
from ..service.products import method_names, outcome_names, product_names
from ..service.records import Limits
from ..service.scenarios import MAX_NESTING, too_deep
from ..service.scenarios.checker import TEMPLATE_STATUSES

#: an account's ``limits``: the :class:`~ihuyi_sandbox.service.records.Limits` fields
LIMIT_NAMES = tuple(f.name for f in fields(Limits))
#: what a push is: a delivery receipt, a handset's reply, a template's review
PUSH_KINDS = ("receipt", "reply", "template")
#: the longest template the sandbox API takes (no product sends a message this long) and the
#: longest reply text
MAX_TEMPLATE_LENGTH = 1000
MAX_REPLY_LENGTH = 1000
#: the longest mobile a reply may come from (a country code, a space and a number fit)
MAX_MOBILE_LENGTH = 32


def json_body(request: Request) -> Any:
    """The JSON body, ``None`` if it is not JSON; :class:`Invalid` if it nests deeper than any
    body the API takes (the parser itself would raise RecursionError on deep enough ones)."""
    try:
        body = request.get_json(silent=True)
        deep = too_deep(body) is not None
    except RecursionError:
        deep = True
    if deep:
        raise Invalid(f"the body has objects and arrays nested more than {MAX_NESTING} deep")
    try:
        _to_json(body).encode("utf-8")
    except UnicodeEncodeError:  # JSON may escape half a character (\ud800); no store or answer can hold it
        raise Invalid("the body holds half a character (a lone \\uD800-\\uDFFF escape); send whole characters") from None
    return body


_to_json = json.JSONEncoder(ensure_ascii=False).encode


def json_object(request: Request) -> dict[str, Any]:
    if not request.is_json:
        raise Invalid("send a JSON object with Content-Type: application/json")
    body = json_body(request)
    if not isinstance(body, dict):
        raise Invalid("the body is not a JSON object")
    return body


def check_fields(body: dict[str, Any], spec: dict[str, type], *, required: frozenset[str] = frozenset()) -> dict[str, Any]:
    """``body`` checked against ``{name: type}``; ``list`` means a list of strings; an ``int``
    may be written ``8.0``."""
    unknown = sorted(set(body) - set(spec))
    if unknown:
        raise Invalid(f"unknown field(s) {', '.join(unknown)}; accepted: {', '.join(sorted(spec))}")
    missing = sorted(required - set(body))
    if missing:
        raise Invalid(f"missing field(s) {', '.join(missing)}")
    for name, value in body.items():
        kind = spec[name]
        if kind is int and isinstance(value, float) and value.is_integer():
            body[name] = value = int(value)  # JSON has one number type: 8.0 is the integer 8 (JSON Schema's reading)
        if kind is list:
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        elif kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        else:
            ok = isinstance(value, kind)
        if not ok:
            raise Invalid(f"{name} must be {_TYPE_NAMES[kind]}, got {value!r}")
    return body


_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false", list: "a list of strings",
               dict: "an object"}


def query(request: Request, accepted: dict[str, str]) -> dict[str, Any]:
    """Read the query string: ``accepted`` maps each name to its kind (``str``, ``int``, ``time``,
    ``seconds``, ``limit``, ``method``, ``product``, ``receipt-status``, ``template-status``,
    ``push-kind``, ``fault``, ``outcome``); unknown names are refused."""
    unknown = sorted(set(request.args) - set(accepted))
    if unknown:
        raise Invalid(f"unknown parameter(s) {', '.join(unknown)}; accepted: {', '.join(sorted(accepted))}")
    values: dict[str, Any] = {}
    for name, kind in accepted.items():
        raw = request.args.get(name)
        if raw is None or raw == "":
            continue
        values[name] = _convert(name, raw, kind)
    return values


def _convert(name: str, raw: str, kind: str) -> Any:
    if kind == "str":
        return raw
    if kind in ("int", "limit"):
        try:
            value = int(raw)
        except ValueError:
            raise Invalid(f"{name} must be an integer, got {raw!r}") from None
        if kind == "limit" and not 1 <= value <= 1000:
            raise Invalid(f"limit must be between 1 and 1000, got {value}")
        if not -(2**63) <= value < 2**63:
            raise Invalid(f"{name} is out of range: {value}")
        return value
    if kind == "seconds":
        try:
            value = float(raw)
        except ValueError:
            raise Invalid(f"{name} must be a number of seconds, got {raw!r}") from None
        if not 0 <= value <= 60:
            raise Invalid(f"{name} must be between 0 and 60 seconds, got {raw}")
        return value
    if kind == "method":
        if raw not in method_names():
            raise Invalid(f"method must be {' or '.join(method_names())}, got {raw!r}")
        return raw
    if kind == "time":
        return parse_time(name, raw)
    choices = {"receipt-status": RECEIPT_STATUSES, "template-status": TEMPLATE_STATUSES, "push-kind": PUSH_KINDS,
               "product": product_names(), "fault": tuple(FAULTS), "outcome": outcome_names()}.get(kind)
    if choices is not None:
        if raw not in choices:
            raise Invalid(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
        return raw
    raise AssertionError(kind)


RECEIPT_STATUSES = ("pending", "sending", "sent", "failed")


def parse_time(name: str, raw: str) -> float:
    """Unix seconds (``1795654143.5``) or ISO 8601 (``2026-11-26T01:00:00Z``; no zone means UTC)."""
    try:
        return float(raw)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(raw.upper().replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(f"{name} must be Unix seconds or an ISO 8601 time, got {raw!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def iso(timestamp: float) -> str:
    """UTC, millisecond precision: ``2026-11-26T01:00:00.123Z``."""
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
