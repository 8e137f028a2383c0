"""The OpenAPI 3 description of the provider API and the sandbox API (``/_sandbox/openapi.json``).

Written by hand from the same facts the code uses (the codes table, the account fields), and
checked against the running server by a fuzzing test.
"""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..service.faults import FAULTS
from ..service.products import Product, Route, all_codes, method_names, outcome_names, product_names, products, routes
from ..service.records import MAX_INTEGER
from ..service.scenarios.checker import TEMPLATE_STATUSES
from .validation import LIMIT_NAMES, MAX_MOBILE_LENGTH, MAX_REPLY_LENGTH, MAX_TEMPLATE_LENGTH, PUSH_KINDS

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

def _provider_params(methods: tuple[str, ...] | None) -> list[dict[str, Any]]:
    """The provider parameters; ``method`` in the query unless the path names it (``methods`` None)."""
    method = [] if methods is None else [_param("method", {"type": "string", "enum": list(methods)}, required=True)]
    return [
        *method,
        _param("account", _STRING), _param("password", _STRING),
        _param("mobile", _STRING, description="one number; marketing: several, comma-separated; international: "
                                              "the country code, a space, the number"),
        _param("content", _STRING, description="the text, or with templateid its variables joined by |"),
        _param("templateid", _STRING, description="SMS and voice notice: a template's id (built in: SMS 1, "
                                                  "voice notice 1361)"),
        _param("stime", _STRING, description="marketing: when to send, YYYY-MM-DD HH:MM:SS; empty for now"),
        _param("sign", _STRING, description="SMS: the signature"),
        _param("time", _STRING),
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

# the pattern says what a sandbox started without --receipt-host accepts
_PUSH_URL = r"^(https?://(127\.0\.0\.1|localhost)(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?)?$"
_POSITIVE = {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER}
_LIMIT_CODES = {"per_second": 4080, "per_day": 4082, "codes_per_day": 4085, "identical_per_minute": 4083,
                "blacklist_after": 408}
_ACCOUNT_PROPERTIES = {"apiid": {"type": "string", "minLength": 1}, "apikey": {"type": "string", "minLength": 1},
                       "balance": {"type": "integer", "minimum": 0, "maximum": MAX_INTEGER}, "frozen": {"type": "boolean"},
                       "auto_frozen": {"type": "boolean"},
                       "registered_ips": {"type": "array", "items": {"type": "string"}},
                       "receipt_url": {"type": "string", "description": "where delivery receipts go: an http(s) URL "
                                                                        "on loopback or an allowed host; empty for none",
                                       "pattern": _PUSH_URL},
                       "products": {"type": "array", "uniqueItems": True,
                                    "items": {"type": "string", "enum": list(product_names())},
                                    "description": "the products it may use, the first its default on a shared path; "
                                                   "empty: its APIID prefix says"},
                       "reply_url": {"type": "string", "description": "where handset replies and template reviews "
                                                                      "go; as receipt_url", "pattern": _PUSH_URL},
                       "limits": {"type": "object", "additionalProperties": False,
                                  "description": "the provider's frequency limits per number; a limit left out is none",
                                  "properties": {name: {**_POSITIVE, "description": f"code {_LIMIT_CODES[name]}"}
                                                 for name in LIMIT_NAMES}}}
_REPLY_BODY = {"type": "object", "additionalProperties": False, "required": ["account", "mobile", "content"],
               "properties": {"account": _TEXT, "mobile": {"type": "string", "minLength": 1,
                                                           "maxLength": MAX_MOBILE_LENGTH},
                              "content": {"type": "string", "minLength": 1, "maxLength": MAX_REPLY_LENGTH}}}
_TEMPLATE_BODY = {"type": "object", "additionalProperties": False, "required": ["account", "product", "content"],
                  "properties": {"account": _TEXT, "product": {"type": "string", "enum": list(product_names())},
                                 "content": {"type": "string", "minLength": 1, "maxLength": MAX_TEMPLATE_LENGTH,
                                             "description": "text with 【变量】 placeholders"},
                                 "status": {"type": "string", "enum": list(TEMPLATE_STATUSES), "default": "approved"}}}
_REVIEW_BODY = {"oneOf": [
    {"type": "object", "additionalProperties": False, "required": ["status"],
     "properties": {"status": {"type": "string", "enum": ["approved"]}}},
    {"type": "object", "additionalProperties": False, "required": ["status"],
     "properties": {"status": {"type": "string", "enum": ["rejected"]},
                    "reason": {"type": "string", "maxLength": MAX_TEMPLATE_LENGTH}}}]}
_SCENARIO_BODY = {"oneOf": [
    {"type": "object", "properties": {"name": _TEXT}, "required": ["name"], "additionalProperties": False},
    {"type": "object", "properties": {"toml": _TEXT}, "required": ["toml"], "additionalProperties": False}]}


def _provider_path(entries: tuple[tuple[Product, Route], ...]) -> dict[str, Any]:
    """A provider path: the products answering there (the path's default first) and their methods,
    in the query or named by the path itself."""
    named_by_path = all(route.method is not None for _, route in entries)
    methods = tuple(dict.fromkeys(route.method or name for p, route in entries
                                  for name in ((route.method,) if route.method else p.api().names)))
    params = _provider_params(None if named_by_path else methods)
    body = [p for p in params if p["name"] != "method"]
    who = ", ".join(dict.fromkeys(p.name for p, _ in entries))
    summary = f"The provider API of {who} ({', '.join(methods)})"
    return {
        "get": {"summary": summary, "parameters": params, "responses": _PROVIDER_RESPONSES},
        "post": {"summary": f"{summary}; parameters may also be in the form body", "parameters": params,
                 "requestBody": {"required": False, "content": {"application/x-www-form-urlencoded": {
                     "schema": {"type": "object", "properties": {p["name"]: p["schema"] for p in body}}}}},
                 "responses": _PROVIDER_RESPONSES}}


def _provider_paths() -> dict[str, Any]:
    """Every provider path, and each with a product's ``/_<selector>`` prefix, which picks that
    product where several share the path (docs/contract.md §9)."""
    table = routes()
    paths = {path: _provider_path(entries) for path, entries in table.items()}
    for path, entries in table.items():
        for entry in entries:
            paths[f"/_{entry[0].selector}{path}"] = _provider_path((entry,))
    return paths


def _id_names() -> list[str]:
    """The id elements of every product's answers (``smsid``, ``voiceid``, ``num``…)."""
    return list(dict.fromkeys(m.id_name for p in products() for m in p.api().methods))


def _listing(key: str, item: str, description: str) -> dict[str, Any]:
    return _json({"type": "object", "properties": {key: {"type": "array", "items": _ref(item)}}, "required": [key]},
                 description)


def spec() -> dict[str, Any]:
    codes = sorted(all_codes())
    account_patch = {k: v for k, v in _ACCOUNT_PROPERTIES.items() if k != "apiid"}
    lists = {"blacklist": ("mobile", "the mobile blacklist (code 4030)"),
             "refused-ips": ("ip", "IPs refused outright (code 400)")}
    product_param = _param("product", {"type": "string", "enum": list(product_names())})
    paths: dict[str, Any] = _provider_paths()
    paths |= {
        "/_sandbox/health": {"get": {"summary": "Health", "security": [], "responses": {
            "200": _json({"type": "object", "properties": {"status": {"type": "string", "enum": ["ok"]}}, "required": ["status"]}, "up")}}},
        "/_sandbox/products": {"get": {"summary": "The products: paths, selectors, hosts, APIID prefixes, methods, "
                                                  "built-in templates, receipt outcomes", "responses": {
            "200": _listing("products", "Product", "the products"), "401": _ERROR}}},
        "/_sandbox/messages": {"get": {"summary": "Delivered messages of every product, newest first", "parameters": [
            _param("mobile", _STRING), _param("account", _STRING), product_param,
            _param("mobile_prefix", _STRING, description="how the mobile starts"),
            _param("text", _STRING, description="a part of the text delivered"), *_PAGING], "responses": {
            "200": _listing("messages", "Message", "the messages"), "400": _ERROR, "401": _ERROR}}},
        "/_sandbox/messages/latest": {"get": {"summary": "The last message delivered to a mobile: its text and the "
                                                         "code in it", "parameters": [
            _param("mobile", _TEXT, required=True), product_param, _param("since", _TIME),
            _param("wait", {"type": "number", "minimum": 0, "maximum": 60})], "responses": {
            "200": _json({"allOf": [_ref("Message"), {"type": "object", "properties": {"content": _STRING},
                                                      "required": ["content"]}]}, "the last message"),
            "404": _ERROR, "400": _ERROR, "401": _ERROR}}},
        "/_sandbox/requests": {"get": {"summary": "Every request answered, newest first", "parameters": [
            _param("code", _INT), _param("method", {"type": "string", "enum": list(method_names())}),
            _param("account", _STRING), _param("mobile", _STRING), product_param,
            _param("client_ip", _STRING), _param("voiceid", _STRING, description="the id answered"),
            _param("fault", {"type": "string", "enum": list(FAULTS)}, description="the scenario fault applied"),
            _param("outcome", {"type": "string", "enum": list(outcome_names())}),
            _param("units", _INT, description="the balance units an accepted Submit took"),
            _param("content", _STRING, description="the content parameter sent, exactly"),
            _param("mobile_prefix", _STRING, description="how the mobile starts"),
            _param("text", _STRING, description="a part of the text delivered, or of the content sent"),
            *_PAGING], "responses": {
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
        "/_sandbox/receipts": {"get": {"summary": "Pushes of every kind (delivery receipts, replies, template "
                                                  "reviews), newest first, with every attempt",
                                       "parameters": [_param("voiceid", _STRING), _param("account", _STRING),
                                                      _param("status", {"type": "string", "enum": [
                                                          "pending", "sending", "sent", "failed"]}),
                                                      _param("kind", {"type": "string", "enum": list(PUSH_KINDS)}),
                                                      _param("limit", {"type": "integer", "minimum": 1,
                                                                       "maximum": 1000})],
                                       "responses": {"200": _listing("receipts", "Receipt", "pushes"),
                                                     "400": _ERROR, "401": _ERROR}}},
        "/_sandbox/receipts/flush": {"post": {"summary": "Make every pending push due now", "responses": {
            "200": _json({"type": "object", "properties": {"scheduled": _INT}, "required": ["scheduled"]},
                         "how many"), "401": _ERROR}}},
        "/_sandbox/replies": {
            "get": {"summary": "Handset replies (上行回复), newest first", "parameters": [
                _param("account", _STRING), _param("mobile", _STRING),
                _param("limit", {"type": "integer", "minimum": 1, "maximum": 1000})],
                "responses": {"200": _listing("replies", "Reply", "the replies"), "400": _ERROR, "401": _ERROR}},
            "post": {"summary": "A handset replies to an account: recorded, and pushed to its reply_url",
                     "requestBody": {"required": True, "content": {JSON: {"schema": _REPLY_BODY}}},
                     "responses": {"201": _json({"allOf": [_ref("Reply"), {"type": "object", "properties": {
                         "push": {"type": "integer", "nullable": True}}, "required": ["push"]}]},
                         "recorded; push is the queued push's id, null without a reply_url"),
                         "400": _ERROR, "401": _ERROR, "404": _ERROR}}},
        "/_sandbox/templates": {
            "get": {"summary": "The accounts' own templates, oldest first", "parameters": [
                _param("account", _STRING), product_param,
                _param("status", {"type": "string", "enum": list(TEMPLATE_STATUSES)})],
                "responses": {"200": _listing("templates", "Template", "the templates"), "400": _ERROR,
                              "401": _ERROR}},
            "post": {"summary": "Add a template to an account (approved unless status says otherwise; a pending one "
                                "is reviewed template_review_seconds later)",
                     "requestBody": {"required": True, "content": {JSON: {"schema": _TEMPLATE_BODY}}},
                     "responses": {"201": _json(_ref("Template"), "added"), "400": _ERROR, "401": _ERROR,
                                   "404": _ERROR}}},
        "/_sandbox/templates/{template_id}": {
            "parameters": [_param("template_id", {"type": "integer", "minimum": 0}, "path", True)],
            "patch": {"summary": "Approve or reject a pending template; the review is pushed to the account's "
                                 "reply_url (code 2, or 0 with the reason)",
                      "requestBody": {"required": True, "content": {JSON: {"schema": _REVIEW_BODY}}},
                      "responses": {"200": _json({"allOf": [_ref("Template"), {"type": "object", "properties": {
                          "push": {"type": "integer", "nullable": True}}, "required": ["push"]}]}, "reviewed"),
                          "400": _ERROR, "401": _ERROR, "404": _ERROR, "409": _ERROR}}},
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
                 "description": "The ihuyi APIs (every product of the family) as the sandbox answers them, "
                                "and the sandbox's own API."},
        "paths": paths,
        "components": {
            "securitySchemes": {"admin": {"type": "http", "scheme": "bearer",
                                          "description": "only when the sandbox runs with an admin token"}},
            "schemas": {
                "Error": {"type": "object", "properties": {"error": _STRING, "status": _INT,
                                                           "problems": {"type": "array", "items": _STRING}},
                          "required": ["error"]},
                "ProviderAnswer": {"type": "object", "properties": {
                    "code": {"type": "integer", "enum": codes}, "msg": _STRING,
                    **{name: {"oneOf": [_STRING, _INT]} for name in _id_names()}}, "required": ["code", "msg"]},
                "Product": {"type": "object", "properties": {
                    "name": _STRING, "title": _STRING, "paths": {"type": "array", "items": _STRING},
                    "selector": _STRING, "hosts": {"type": "array", "items": _STRING},
                    "prefixes": {"type": "array", "items": _STRING}, "methods": {"type": "array", "items": _STRING},
                    "templates": {"type": "array", "items": {"type": "object", "properties": {
                        "id": _INT, "content": _STRING}}},
                    "outcomes": {"type": "array", "items": {"type": "object", "properties": {
                        "name": _STRING, "code": _INT, "msg": _STRING}}},
                    "default_outcome": {"type": "string", "nullable": True}},
                    "required": ["name", "paths", "selector", "prefixes", "methods", "outcomes"]},
                "Message": {"type": "object", "properties": {
                    "id": _INT, "voiceid": _STRING, "product": {"type": "string", "enum": list(product_names())},
                    "account": _STRING, "mobile": _STRING,
                    "code": {"type": "string", "nullable": True,
                             "description": "the verification code in the text (a built-in template's variable, "
                                            "else its first run of 4 to 8 digits); voice: the content read out"},
                    "text": {"type": "string", "description": "the whole text delivered"},
                    "units": {"type": "integer", "description": "the balance units it took"},
                    "time": _STRING, "timestamp": {"type": "number"}, "status": _STRING,
                    "outcome": {"type": "string", "enum": list(outcome_names())},
                    "receipt": {"type": "string", "enum": ["none", "pending", "sending", "sent", "failed"]}},
                    "required": ["id", "voiceid", "product", "account", "mobile", "code", "text", "time", "status",
                                 "outcome", "receipt"]},
                "Receipt": {"type": "object", "properties": {
                    "id": _INT, "kind": {"type": "string", "enum": list(PUSH_KINDS)},
                    "product": _STRING, "voiceid": _STRING, "account": _STRING, "mobile": _STRING, "url": _STRING,
                    "outcome": {"type": "string", "nullable": True, "enum": [*outcome_names(), None]},
                    "form": {"type": "object", "nullable": True, "additionalProperties": _STRING},
                    "status": {"type": "string", "enum": ["pending", "sending", "sent", "failed"]},
                    "attempts": {"type": "array", "items": {"type": "object"}},
                    "next_attempt": {"type": "string", "nullable": True}},
                    "required": ["id", "kind", "product", "voiceid", "url", "form", "status", "attempts"]},
                "Reply": {"type": "object", "properties": {
                    "id": _INT, "time": _STRING, "timestamp": {"type": "number"}, "account": _STRING,
                    "mobile": _STRING, "content": _STRING,
                    "smsid": {"type": "string", "description": "the newest delivery from the account to the mobile; "
                                                               "empty if none"}},
                    "required": ["id", "time", "account", "mobile", "content", "smsid"]},
                "Template": {"type": "object", "properties": {
                    "id": _INT, "account": _STRING, "product": _STRING, "content": _STRING,
                    "status": {"type": "string", "enum": list(TEMPLATE_STATUSES)}, "reason": _STRING,
                    "created": {"type": "string", "nullable": True},
                    "review_at": {"type": "string", "nullable": True}},
                    "required": ["id", "account", "product", "content", "status", "reason"]},
                "Request": {"type": "object", "properties": {
                    "id": _INT, "time": _STRING, "timestamp": {"type": "number"}, "client_ip": _STRING,
                    "product": _STRING, "method": _STRING,
                    "params": {"type": "object", "additionalProperties": _STRING},
                    "code": {"type": "integer", "nullable": True, "enum": [*codes, None]},
                    "message": {"type": "string", "nullable": True}, "voiceid": _STRING,
                    "fault": {"type": "string", "nullable": True, "enum": [*FAULTS, None]},
                    "outcome": {"type": "string", "nullable": True, "enum": [*outcome_names(), None]},
                    "units": _INT, "text": {"type": "string", "nullable": True,
                                            "description": "the text delivered, else the content sent"}},
                    "required": ["id", "time", "product", "method", "params", "code", "voiceid"]},
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
