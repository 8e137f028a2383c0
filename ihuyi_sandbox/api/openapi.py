"""The OpenAPI 3 description of the provider API and the sandbox API (``/_sandbox/openapi.json``).

Written by hand from the same facts the code uses (the codes table, the account fields), and
checked against the running server by a fuzzing test.
"""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..service.faults import FAULTS
from ..service.products import all_codes, method_names, outcome_names, routes
from ..service.records import MAX_INTEGER

JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _param(name: str, schema: dict[str, Any], where: str = "query", required: bool = False,
           description: str = "") -> dict[str, Any]:
    param = {"name": name, "in": where, "required": required, "schema": schema, "description": description}
    if where == "query" and not required:
        param["allowEmptyValue"] = True  # an empty filter is no filter (as a form sends it)
    return param


_ERROR = _json(_ref("Error"), "refused, with the reason")
_STRING = {"type": "string"}
#: a string the server needs non-empty (an empty one is refused as missing)
_TEXT = {"type": "string", "minLength": 1}
_INT = {"type": "integer", "format": "int64"}
_TIME = {"anyOf": [{"type": "number"}, {"type": "string", "format": "date-time"}],
         "description": "Unix seconds or ISO 8601"}
_PAGING = [_param("since", _TIME), _param("before", _INT, description="ids below this (paging)"),
           _param("after", _INT, description="ids above this (following)"),
           _param("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50})]

def _provider_params(methods: tuple[str, ...], named_by_path: bool = False) -> list[dict[str, Any]]:
    """A path that names its method (``/vm/Submit.json``) ignores ``method=``: it has no such parameter."""
    method = [] if named_by_path else [_param("method", {"type": "string", "enum": list(methods)}, required=True)]
    return [
        *method,
        _param("account", _STRING), _param("password", _STRING), _param("mobile", _STRING),
        _param("content", _STRING), _param("time", _STRING),
        _param("format", {"type": "string", "description": "json for JSON; anything else (xml by default) for XML"}),
    ]


_PROVIDER_RESPONSES = {
    "200": {"description": "an ihuyi answer, whatever its code (docs/contract.md §4)",
            "content": {"text/xml; charset=utf-8": {"schema": _STRING},
                        "application/json; charset=utf-8": {"schema": _ref("ProviderAnswer")}}},
    "400": {"description": "missing or unknown method", "content": {"text/plain; charset=utf-8": {"schema": _STRING}}},
    "413": {"description": "body too large", "content": {"text/plain; charset=utf-8": {"schema": _STRING}}},
    "500": {"description": "only when a scenario forces a gateway error", "content": {"text/html": {"schema": _STRING}}},
    "502": {"description": "only when a scenario forces a gateway error", "content": {"text/html": {"schema": _STRING}}},
    "503": {"description": "only when a scenario forces a gateway error", "content": {"text/html": {"schema": _STRING}}},
    "504": {"description": "only when a scenario forces a gateway error", "content": {"text/html": {"schema": _STRING}}},
}

_ACCOUNT_PROPERTIES = {"apiid": {"type": "string", "minLength": 1}, "apikey": {"type": "string", "minLength": 1},
                       "balance": {"type": "integer", "minimum": 0, "maximum": MAX_INTEGER}, "frozen": {"type": "boolean"},
                       "auto_frozen": {"type": "boolean"},
                       "registered_ips": {"type": "array", "items": {"type": "string"}},
                       # the pattern says what a sandbox started without --receipt-host accepts
                       "receipt_url": {"type": "string", "description": "http(s) URL on loopback or an allowed host; "
                                                                        "empty for none",
                                       "pattern": r"^(https?://(127\.0\.0\.1|localhost)(:[0-9]{1,5})?"
                                                  r"(/[A-Za-z0-9._~/-]*)?)?$"}}
_SCENARIO_BODY = {"oneOf": [
    {"type": "object", "properties": {"name": _TEXT}, "required": ["name"], "additionalProperties": False},
    {"type": "object", "properties": {"toml": _TEXT}, "required": ["toml"], "additionalProperties": False}]}


def _provider_path(methods: tuple[str, ...], named_by_path: bool = False) -> dict[str, Any]:
    params, named = _provider_params(methods, named_by_path), ", ".join(methods)
    return {
        "get": {"summary": f"The provider API ({named})", "parameters": params, "responses": _PROVIDER_RESPONSES},
        "post": {"summary": f"The provider API ({named}); parameters may also be in the form body",
                 "parameters": params,
                 "requestBody": {"required": False, "content": {"application/x-www-form-urlencoded": {
                     "schema": {"type": "object", "properties": {p["name"]: p["schema"] for p in params
                                                                 if p["name"] != "method"}}}}},
                 "responses": _PROVIDER_RESPONSES}}


def _method_names(entries: tuple) -> tuple[str, ...]:
    """The methods a path answers: the one it names, or those of its products."""
    return tuple(dict.fromkeys(name for product, route in entries
                               for name in ((route.method,) if route.method else product.api().names)))


def spec() -> dict[str, Any]:
    codes = sorted(all_codes())
    account_patch = {k: v for k, v in _ACCOUNT_PROPERTIES.items() if k != "apiid"}
    lists = {"blacklist": ("mobile", "the mobile blacklist (code 4030)"),
             "refused-ips": ("ip", "IPs refused outright (code 400)")}
    paths: dict[str, Any] = {path: _provider_path(_method_names(entries), entries[0][1].method is not None)
                             for path, entries in routes().items()}
    paths |= {
        "/_sandbox/health": {"get": {"summary": "Health", "security": [], "responses": {
            "200": _json({"type": "object", "properties": {"status": {"type": "string", "enum": ["ok"]}}, "required": ["status"]}, "up")}}},
        "/_sandbox/messages": {"get": {"summary": "Delivered calls, newest first", "parameters": [
            _param("mobile", _STRING), _param("account", _STRING), *_PAGING], "responses": {
            "200": _json({"type": "object", "properties": {"messages": {"type": "array", "items": _ref("Message")}},
                          "required": ["messages"]}, "the messages"), "400": _ERROR, "401": _ERROR}}},
        "/_sandbox/messages/latest": {"get": {"summary": "The last code delivered to a mobile", "parameters": [
            _param("mobile", _TEXT, required=True), _param("since", _TIME),
            _param("wait", {"type": "number", "minimum": 0, "maximum": 60})], "responses": {
            "200": _json(_ref("Message"), "the last message"), "404": _ERROR, "400": _ERROR, "401": _ERROR}}},
        "/_sandbox/requests": {"get": {"summary": "Every request answered, newest first", "parameters": [
            _param("code", _INT), _param("method", {"type": "string", "enum": list(method_names())}),
            _param("account", _STRING), _param("mobile", _STRING), *_PAGING], "responses": {
            "200": _json({"type": "object", "properties": {"requests": {"type": "array", "items": _ref("Request")}},
                          "required": ["requests"]}, "the journal"), "400": _ERROR, "401": _ERROR}}},
        "/_sandbox/accounts": {
            "get": {"summary": "Accounts", "responses": {"200": _json(
                {"type": "object", "properties": {"accounts": {"type": "array", "items": _ref("Account")}}}, "accounts"),
                "401": _ERROR}},
            "post": {"summary": "Create an account", "requestBody": {"required": True, "content": {JSON: {"schema": {
                "type": "object", "properties": _ACCOUNT_PROPERTIES, "required": ["apiid", "apikey"],
                "additionalProperties": False}}}},
                "responses": {"201": _json(_ref("Account"), "created"), "400": _ERROR, "401": _ERROR, "409": _ERROR}}},
        "/_sandbox/accounts/{apiid}": {
            "parameters": [_param("apiid", _STRING, "path", True)],
            "get": {"summary": "One account", "responses": {"200": _json(_ref("Account"), "the account"),
                                                            "404": _ERROR, "401": _ERROR}},
            "patch": {"summary": "Change an account", "requestBody": {"required": True, "content": {JSON: {"schema": {
                "type": "object", "properties": account_patch, "additionalProperties": False}}}},
                "responses": {"200": _json(_ref("Account"), "changed"), "400": _ERROR, "404": _ERROR, "401": _ERROR}},
            "delete": {"summary": "Delete an account", "responses": {"200": _json({"type": "object"}, "deleted"),
                                                                      "404": _ERROR, "401": _ERROR}}},
        "/_sandbox/receipts": {"get": {"summary": "Delivery receipts, newest first, with every attempt",
                                       "parameters": [_param("voiceid", _STRING), _param("account", _STRING),
                                                      _param("status", {"type": "string", "enum": [
                                                          "pending", "sending", "sent", "failed"]}),
                                                      _param("limit", {"type": "integer", "minimum": 1,
                                                                       "maximum": 1000})],
                                       "responses": {"200": _json({"type": "object", "properties": {
                                           "receipts": {"type": "array", "items": _ref("Receipt")}},
                                           "required": ["receipts"]}, "receipts"), "400": _ERROR, "401": _ERROR}}},
        "/_sandbox/receipts/flush": {"post": {"summary": "Make every pending receipt due now", "responses": {
            "200": _json({"type": "object", "properties": {"scheduled": _INT}, "required": ["scheduled"]},
                         "how many"), "401": _ERROR}}},
        "/_sandbox/scenarios": {"get": {"summary": "The active scenario and the shipped ones", "responses": {
            "200": _json({"type": "object", "properties": {"active": _ref("Scenario"), "available": {"type": "array"}},
                          "required": ["active", "available"]}, "scenarios"), "401": _ERROR}}},
        "/_sandbox/scenario": {"put": {"summary": "Switch scenario and reset to its start", "requestBody": {
            "required": True, "content": {JSON: {"schema": _SCENARIO_BODY}, "application/toml": {"schema": _TEXT}}},
            "responses": {"200": _json({"type": "object", "properties": {"active": _ref("Scenario")}}, "switched"),
                          "400": _ERROR, "401": _ERROR}}},
        "/_sandbox/reset": {"post": {"summary": "Back to the active scenario's start", "responses": {
            "200": _json({"type": "object", "properties": {"active": _ref("Scenario")}}, "reset"), "401": _ERROR}}},
    }
    for name, (item, description) in lists.items():
        key = name.replace("-", "_")
        listing = _json({"type": "object", "properties": {key: {"type": "array", "items": _STRING}},
                         "required": [key]}, description)
        paths[f"/_sandbox/{name}"] = {"get": {"summary": description, "responses": {"200": listing, "401": _ERROR}}}
        paths[f"/_sandbox/{name}/{{{item}}}"] = {
            "parameters": [_param(item, _STRING, "path", True)],
            "put": {"summary": f"Add to {description}", "responses": {"200": listing, "401": _ERROR}},
            "delete": {"summary": f"Remove from {description}", "responses": {"200": listing, "404": _ERROR,
                                                                               "401": _ERROR}}}
    for path, item in paths.items():
        if path.startswith("/_sandbox/") and path not in ("/_sandbox/health", "/_sandbox/openapi.json"):
            for method, operation in item.items():
                if method == "parameters":
                    continue
                # what refuse_other_sites answers: a Host not served, another site's Origin, a body type
                operation["responses"].setdefault("403", _ERROR)
                if method != "get":
                    operation["responses"].setdefault("415", _ERROR)
    return {
        "openapi": "3.0.3",
        "info": {"title": "ihuyi-sandbox", "version": __version__,
                 "description": "The ihuyi voice API as the sandbox answers it, and the sandbox's own API."},
        "paths": paths,
        "components": {
            "securitySchemes": {"admin": {"type": "http", "scheme": "bearer",
                                          "description": "only when the sandbox runs with an admin token"}},
            "schemas": {
                "Error": {"type": "object", "properties": {"error": _STRING, "status": _INT,
                                                           "problems": {"type": "array", "items": _STRING}},
                          "required": ["error"]},
                "ProviderAnswer": {"type": "object", "properties": {
                    "code": {"type": "integer", "enum": codes}, "msg": _STRING, "voiceid": _STRING,
                    "num": {"oneOf": [_STRING, _INT]}}, "required": ["code", "msg"]},
                "Message": {"type": "object", "properties": {
                    "id": _INT, "voiceid": _STRING, "account": _STRING, "mobile": _STRING, "code": _STRING,
                    "time": _STRING, "timestamp": {"type": "number"}, "status": _STRING,
                    "outcome": {"type": "string", "enum": list(outcome_names())},
                    "receipt": {"type": "string", "enum": ["none", "pending", "sending", "sent", "failed"]}},
                    "required": ["id", "voiceid", "account", "mobile", "code", "time", "status", "outcome",
                                 "receipt"]},
                "Receipt": {"type": "object", "properties": {
                    "id": _INT, "voiceid": _STRING, "account": _STRING, "url": _STRING,
                    "outcome": {"type": "string", "enum": list(outcome_names())},
                    "form": {"type": "object", "additionalProperties": _STRING},
                    "status": {"type": "string", "enum": ["pending", "sending", "sent", "failed"]},
                    "attempts": {"type": "array", "items": {"type": "object"}},
                    "next_attempt": {"type": "string", "nullable": True}},
                    "required": ["id", "voiceid", "url", "form", "status", "attempts"]},
                "Request": {"type": "object", "properties": {
                    "id": _INT, "time": _STRING, "timestamp": {"type": "number"}, "client_ip": _STRING,
                    "method": _STRING, "params": {"type": "object", "additionalProperties": _STRING},
                    "code": {"type": "integer", "nullable": True, "enum": [*codes, None]},
                    "message": {"type": "string", "nullable": True}, "voiceid": _STRING,
                    "fault": {"type": "string", "nullable": True, "enum": [*FAULTS, None]}},
                    "required": ["id", "time", "method", "params", "code", "voiceid"]},
                "Account": {"type": "object", "properties": _ACCOUNT_PROPERTIES,
                            "required": list(_ACCOUNT_PROPERTIES)},
                "Scenario": {"type": "object", "properties": {
                    "name": _STRING, "description": _STRING, "source": _STRING,
                    "rules": {"type": "array", "items": _STRING}, "accounts": {"type": "array", "items": _STRING}},
                    "required": ["name", "description", "source", "rules", "accounts"]},
            },
        },
        "security": [{"admin": []}, {}],
    }
