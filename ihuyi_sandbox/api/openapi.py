"""The OpenAPI 3 description of the provider API and the sandbox API (``/_sandbox/openapi.json``).

Written by hand from the same facts the code uses (the codes table, the account fields), and
checked against the running server by a fuzzing test.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .. import __version__
from ..service.faults import FAULTS
from ..service.products import (Parameter, Product, Route, all_codes, method_names, outcome_names, product_names,
                                products, routes)
from ..service.records import MAX_INTEGER
from ..service.scenarios.checker import TEMPLATE_STATUSES
from ..wire.answers import DEFAULT_NAMESPACE, OK, Method, render_json, render_xml
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

_TEXT_REPLY = {"text/plain; charset=utf-8": {"schema": _STRING}}
_GATEWAY = {"description": "only when a scenario forces a gateway error (nginx's page)",
            "content": {"text/html": {"schema": _STRING}}}
#: an id of each kind, for the examples
_SAMPLE_VALUES = {True: "17956541800000000001", False: "1000"}


def _parameter(parameter: Parameter, methods: tuple[str, ...]) -> dict[str, Any]:
    """One provider parameter, as the product's checks read it: its pattern anchored (a JSON
    Schema pattern matches anywhere), and the codes a missing or mismatched value gets."""
    schema: dict[str, Any] = {"type": "string"}
    if parameter.pattern is not None:
        schema["pattern"] = f"^(?:{parameter.pattern})$"
    notes = [parameter.description]
    applies = parameter.methods or methods
    if parameter.methods is not None and set(applies) != set(methods):
        notes.append(f"read by {', '.join(applies)}")
    required = methods if parameter.required == ("*",) else parameter.required
    if required:
        notes.append(f"required by {', '.join(m for m in methods if m in required)}")
    if parameter.missing is not None:
        notes.append(f"missing or empty: code {parameter.missing}")
    if parameter.invalid is not None:
        notes.append(f"{'not matching' if parameter.pattern else 'wrong'}: code {parameter.invalid}")
    return _param(parameter.name, schema, description="; ".join(notes))


def _answer_name(product: Product, method: Method) -> str:
    return f"{product.name}.{method.name}"


def _answer_schemas() -> dict[str, Any]:
    """Each product's answer to each method: its root (the XML element), ``code`` (one of the
    method's codes, each with its message), ``msg`` and its id element."""
    schemas = {}
    for product in products():
        for method in product.api().methods:
            # a Submit's id is quoted in JSON; a balance or a template id may be a number there
            value = {"type": "string" if method.issues_id else ["string", "integer"], "pattern": "^[0-9]+$"}
            schemas[_answer_name(product, method)] = {
                "type": "object", "title": f"{product.name} {method.name} answer",
                "xml": {"name": method.root, "namespace": DEFAULT_NAMESPACE},
                "required": ["code", "msg", method.id_name],
                "properties": {
                    "code": {"oneOf": [{"const": int(code), "description": method.message(code)}
                                       for code in sorted(method.codes)]},
                    "msg": {"type": "string", "description": "the code's message (the active message set's)"},
                    method.id_name: {**value, "description": "the new id" if method.issues_id else
                                     "the balance (GetNum), the new id (AddTemplate), 0 on failure"}}}
    return schemas


def _examples(product: Product, methods: tuple[Method, ...], *, json_format: bool) -> dict[str, Any]:
    """A success and a refusal of each method, rendered by the code that answers them."""
    examples = {}
    for method in methods:
        refusal = _refusal(product, method)
        for name, code, value in (("success", OK, _SAMPLE_VALUES[method.issues_id]), ("refused", refusal, "0")):
            answer = method.answer(code, value)
            body = render_json(answer) if json_format else render_xml(answer)
            examples[f"{method.name}-{name}"] = {
                "summary": f"{method.name}: {code} {method.message(code)}",
                "value": json.loads(body) if json_format else body.decode("utf-8")}
    return examples


def _refusal(product: Product, method: Method) -> int:
    """The code of the first parameter of ``method`` its checks can find wrong (a pattern's
    first): what an example of a refusal shows."""
    read = [p for p in product.parameters if (p.methods is None or method.name in p.methods)
            and p.invalid is not None and p.invalid in method.codes]
    return min(read, key=lambda p: p.pattern is None).invalid if read else min(c for c in method.codes if c != OK)


def _provider_operation(product: Product, route: Route, verb: str, operation_id: str) -> dict[str, Any]:
    methods = product.api().methods if route.method is None else (product.api().by_name[route.method],)
    names = tuple(m.name for m in methods)
    params = [_parameter(p, names) for p in product.parameters if p.methods is None or set(p.methods) & set(names)]
    if route.method is None:
        params.insert(0, _param("method", {"type": "string", "enum": list(names)}, required=True,
                                description="in the query string, case-sensitive"))
    if route.format is not None:
        params = [p for p in params if p["name"] != "format"]
    answers = {"oneOf": [_ref(_answer_name(product, m)) for m in methods]}
    content = {}
    if route.format is None:
        content["text/xml; charset=utf-8"] = {"schema": answers,
                                              "examples": _examples(product, methods, json_format=False)}
    content["application/json; charset=utf-8"] = {"schema": answers,
                                                  "examples": _examples(product, methods, json_format=True)}
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "tags": [product.title or product.name],
        "summary": f"{product.title or product.name}: {', '.join(names)}",
        "description": f"{product.title}: answers {', '.join(names)}"
                       + ("" if route.format is None else f", always in {route.format.upper()}")
                       + ". Every code is HTTP 200; the first failing check answers (docs/contract.md).",
        "parameters": params,
        "responses": {"200": {"description": "an ihuyi answer, whatever its code", "content": content},
                      "400": {"description": "missing or unknown method", "content": _TEXT_REPLY},
                      "413": {"description": "body too large", "content": _TEXT_REPLY},
                      **{str(status): _GATEWAY for status in (500, 502, 503, 504)}}}
    if verb == "post":
        body = [p for p in params if p["name"] != "method"]
        operation["requestBody"] = {"required": False, "content": {"application/x-www-form-urlencoded": {
            "schema": {"type": "object", "properties": {p["name"]: p["schema"] for p in body}}}}}
    return operation


def _provider_paths() -> dict[str, Any]:
    """Each product on its own path behind its ``/_<selector>`` prefix, which picks it where several
    share the path (docs/contract.md §9); a path a product has alone described there too, and a
    shared path once, as its default product (the path's first) answers it, pointing at the others."""
    paths: dict[str, Any] = {}
    for path, entries in routes().items():
        for product, route in entries:
            paths[f"/_{product.selector}{path}"] = {
                verb: _provider_operation(product, route, verb, f"{product.selector}_{_words(path)}_{verb}")
                for verb in ("get", "post")}
        default, route = entries[0]
        paths[path] = {verb: _provider_operation(default, route, verb, f"{_words(path)}_{verb}")
                       for verb in ("get", "post")}
        if len(entries) > 1:
            others = ", ".join(f"{p.title} (/_{p.selector}{path})" for p, _ in entries[1:])
            for operation in paths[path].values():
                operation["description"] += (f" The path's default product; the account, the Host or the request "
                                              f"may pick another (docs/contract.md §9): {others}.")
    return paths


def _words(path: str) -> str:
    return "_".join(word for word in re.split(r"[^A-Za-z0-9]+", path) if word)


# the pattern says what a sandbox started without --receipt-host accepts
_PORT = r"(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})"
_PUSH_URL = rf"^(https?://(127\.0\.0\.1|localhost)(:{_PORT})?(/[A-Za-z0-9._~/-]*)?)?$"
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
            "200": _json({"type": "object", "properties": {"status": {"type": "string", "enum": ["ok"]}}, "required": ["status"]}, "up, its database answering"),
            "503": _json(_ref("Error"), "its database cannot answer, or its writes are failing")}}},
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
        "/_sandbox/messages/{message_id}": {
            "parameters": [_param("message_id", {"type": "integer", "minimum": 0}, "path", True)],
            "get": {"summary": "One delivered message, with the request that delivered it and its receipts",
                    "responses": {"200": _json({"allOf": [_ref("Message"), {"type": "object", "properties": {
                        "request": _ref("RequestDetail"), "receipts": {"type": "array", "items": _ref("Receipt")}},
                        "required": ["request", "receipts"]}]}, "the message"), "404": _ERROR, "401": _ERROR}},
            "delete": {"summary": "Delete one delivered message (and so its request from the journal)",
                       "responses": {"200": _json({"type": "object", "properties": {"status": _STRING, "id": _INT},
                                                   "required": ["status", "id"]}, "deleted"),
                                     "404": _ERROR, "401": _ERROR}}},
        "/_sandbox/requests/{request_id}": {
            "parameters": [_param("request_id", {"type": "integer", "minimum": 0}, "path", True)],
            "get": {"summary": "One request answered, with the bytes answered and its receipts",
                    "responses": {"200": _json(_ref("RequestDetail"), "the request"), "404": _ERROR,
                                  "401": _ERROR}}},
        "/_sandbox/events": {"get": {
            "summary": "Server-sent events: a change each time something the inbox shows moved",
            "description": "text/event-stream: `event: change` at once and after each request answered, message "
                           "deleted, scenario switched, account changed or push tried; a comment as a heartbeat; "
                           "the stream ends after a few minutes (retry: 1000) and when the server stops.",
            "responses": {"200": {"description": "the stream", "content": {"text/event-stream": {"schema": _STRING}}},
                          "401": _ERROR}}},
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
                         "push": {"type": ["integer", "null"]}}, "required": ["push"]}]},
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
                          "push": {"type": ["integer", "null"]}}, "required": ["push"]}]}, "reviewed"),
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
        "/_sandbox/workspaces": {
            "get": {"summary": "The workspaces, and how long an unused one lives and how many there may be",
                    "responses": {"200": _json({"type": "object", "properties": {
                        "workspaces": {"type": "array", "items": _ref("Workspace")}, "idle_seconds": {"type": "number"},
                        "max_workspaces": _INT}, "required": ["workspaces", "idle_seconds", "max_workspaces"]},
                        "the workspaces"), "401": _ERROR}},
            "post": {"summary": "A new workspace: a scenario and state of its own, with fresh accounts; every "
                                "/_sandbox/ call is also under its url",
                     "requestBody": {"required": False, "content": {JSON: {"schema": {
                         "type": "object", "properties": {"scenario": _STRING, "toml": _STRING},
                         "maxProperties": 1, "additionalProperties": False}}}},
                     "responses": {"201": _json({"allOf": [_ref("Workspace"), {"type": "object", "properties": {
                         "accounts": {"type": "array", "items": _ref("Account")},
                         "token": {"type": "string", "description": "with an admin token: this workspace's own"}},
                         "required": ["accounts"]}]}, "created"), "400": _ERROR, "401": _ERROR, "409": _ERROR}}},
        "/_sandbox/workspaces/{workspace_id}": {
            "parameters": [_param("workspace_id", _STRING, "path", True)],
            "get": {"summary": "One workspace, with its accounts", "responses": {
                "200": _json({"allOf": [_ref("Workspace"), {"type": "object", "properties": {
                    "accounts": {"type": "array", "items": _ref("Account")}}, "required": ["accounts"]}]},
                    "the workspace"), "404": _ERROR, "401": _ERROR, "409": _ERROR}},
            "delete": {"summary": "Remove a workspace and everything in it", "responses": {
                "200": _json({"type": "object", "properties": {"status": _STRING, "id": _STRING},
                              "required": ["status", "id"]}, "deleted"), "404": _ERROR, "401": _ERROR,
                "409": _ERROR}}},
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
        for verb, operation in item.items():
            if verb != "parameters" and path.startswith("/_sandbox/"):
                operation.setdefault("operationId", f"{verb}_{_words(path.removeprefix('/_sandbox/'))}")
                operation.setdefault("tags", ["sandbox API"])
            elif verb != "parameters":
                operation["security"] = []  # the provider API takes the account's key, never the admin token
        if path.startswith("/_sandbox/") and path not in ("/_sandbox/health", "/_sandbox/openapi.json"):
            for method, operation in item.items():
                if method == "parameters":
                    continue
                # what refuse_other_sites answers: a Host not served, another site's Origin, a body type
                operation["responses"].setdefault("403", _ERROR)
                if method != "get":
                    operation["responses"].setdefault("415", _ERROR)
    return {
        "openapi": "3.1.0",
        "info": {"title": "ihuyi-sandbox", "version": __version__,
                 "description": "The ihuyi APIs (every product of the family) as the sandbox answers them, "
                                "and the sandbox's own API. Every /_sandbox/ call but /_sandbox/workspaces is also "
                                "under /_sandbox/workspaces/{workspace_id}/, for that workspace alone; a workspace's "
                                "own token opens those calls and no others."},
        "paths": paths,
        "components": {
            "securitySchemes": {"admin": {"type": "http", "scheme": "bearer",
                                          "description": "only when the sandbox runs with an admin token"}},
            "schemas": {
                "Error": {"type": "object", "properties": {"error": _STRING, "status": _INT,
                                                           "problems": {"type": "array", "items": _STRING}},
                          "required": ["error"]},
                **_answer_schemas(),
                "Product": {"type": "object", "properties": {
                    "name": _STRING, "title": _STRING, "paths": {"type": "array", "items": _STRING},
                    "selector": _STRING, "hosts": {"type": "array", "items": _STRING},
                    "prefixes": {"type": "array", "items": _STRING}, "methods": {"type": "array", "items": _STRING},
                    "templates": {"type": "array", "items": {"type": "object", "properties": {
                        "id": _INT, "content": _STRING}}},
                    "outcomes": {"type": "array", "items": {"type": "object", "properties": {
                        "name": _STRING, "code": _INT, "msg": _STRING}}},
                    "default_outcome": {"type": ["string", "null"]}},
                    "required": ["name", "paths", "selector", "prefixes", "methods", "outcomes"]},
                "Message": {"type": "object", "properties": {
                    "id": _INT, "voiceid": _STRING, "product": {"type": "string", "enum": list(product_names())},
                    "account": _STRING, "mobile": _STRING,
                    "code": {"type": ["string", "null"],
                             "description": "the verification code in the text (a built-in template's variable, "
                                            "else its first run of 4 to 8 digits); voice: the content read out"},
                    "text": {"type": "string", "description": "the whole text delivered"},
                    "units": {"type": "integer", "description": "the balance units it took"},
                    "time": _STRING, "timestamp": {"type": "number"}, "status": _STRING,
                    "outcome": {"type": "string", "enum": list(outcome_names())},
                    "receipt": {"type": "string", "enum": ["none", "pending", "sending", "sent", "failed"]},
                    "fault": {"type": ["string", "null"], "enum": [*FAULTS, None],
                              "description": "the scenario fault that spoiled the answer the client got"}},
                    "required": ["id", "voiceid", "product", "account", "mobile", "code", "text", "time", "status",
                                 "outcome", "receipt"]},
                "Receipt": {"type": "object", "properties": {
                    "id": _INT, "kind": {"type": "string", "enum": list(PUSH_KINDS)},
                    "product": _STRING, "voiceid": _STRING, "account": _STRING, "mobile": _STRING, "url": _STRING,
                    "outcome": {"type": ["string", "null"], "enum": [*outcome_names(), None]},
                    "form": {"type": ["object", "null"], "additionalProperties": _STRING},
                    "status": {"type": "string", "enum": ["pending", "sending", "sent", "failed"]},
                    "attempts": {"type": "array", "items": {"type": "object"}},
                    "next_attempt": {"type": ["string", "null"]}},
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
                    "created": {"type": ["string", "null"]},
                    "review_at": {"type": ["string", "null"]}},
                    "required": ["id", "account", "product", "content", "status", "reason"]},
                "Request": {"type": "object", "properties": {
                    "id": _INT, "time": _STRING, "timestamp": {"type": "number"}, "client_ip": _STRING,
                    "product": _STRING, "method": _STRING,
                    "params": {"type": "object", "additionalProperties": _STRING},
                    "code": {"type": ["integer", "null"], "enum": [*codes, None]},
                    "message": {"type": ["string", "null"]}, "voiceid": _STRING,
                    "fault": {"type": ["string", "null"], "enum": [*FAULTS, None]},
                    "outcome": {"type": ["string", "null"], "enum": [*outcome_names(), None]},
                    "units": _INT, "text": {"type": ["string", "null"],
                                            "description": "the text delivered, else the content sent"}},
                    "required": ["id", "time", "product", "method", "params", "code", "voiceid"]},
                "RequestDetail": {"allOf": [_ref("Request"), {"type": "object", "properties": {
                    "answer": {"type": ["object", "null"], "description": "the body sent, its fault carried out; "
                               "null when journaled before the sandbox kept answers", "properties": {
                        "text": _STRING, "base64": {"type": "string", "contentEncoding": "base64"},
                        "length": _INT}, "required": ["text", "base64", "length"]},
                    "receipts": {"type": "array", "items": _ref("Receipt")}}, "required": ["answer", "receipts"]}]},
                "Account": {"type": "object", "properties": _ACCOUNT_PROPERTIES,
                            "required": list(_ACCOUNT_PROPERTIES)},
                "Workspace": {"type": "object", "properties": {
                    "id": _STRING, "url": {"type": "string", "description": "where its own /_sandbox/ calls are"},
                    "scenario": _STRING, "created": _STRING, "used": _STRING, "expires": _STRING,
                    "apiids": {"type": "object", "additionalProperties": _STRING,
                               "description": "each APIID of the scenario, and the workspace's in its place"}},
                    "required": ["id", "url", "scenario", "created", "used", "expires", "apiids"]},
                "Scenario": {"type": "object", "properties": {
                    "name": _STRING, "description": _STRING, "source": _STRING,
                    "rules": {"type": "array", "items": _STRING}, "accounts": {"type": "array", "items": _STRING},
                    "rule_details": {"type": "array", "items": {"type": "object", "properties": {
                        "name": _STRING, "mobiles": {"type": "string", "description": "the mobiles that trigger it"},
                        "when": {"type": "array", "items": _STRING}, "does": {"type": "array", "items": _STRING}},
                        "required": ["name", "mobiles", "when", "does"]}}},
                    "required": ["name", "description", "source", "rules", "accounts"]},
            },
        },
        "security": [{"admin": []}, {}],
    }
