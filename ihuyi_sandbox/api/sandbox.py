"""``/_sandbox/``: the sandbox's own JSON API, never clashing with the provider's paths.

What was delivered (``messages``), every request answered (``requests``), accounts and lists,
scenarios and reset. With an admin token configured, every call but ``health`` must carry
``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from urllib.parse import urlsplit
from dataclasses import asdict
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from .. import __version__
from .._exceptions import Invalid, NotFound, ScenarioError
from ..service.backend import Backend
from ..service.products import message as message_for
from ..service.products import receipt_form
from ..service.records import MAX_INTEGER, Account, Delivery, JournalEntry, Receipt
from ..service.scenarios import (Scenario, directory_names, parse, read_file, runtime_path, scenario_names,
                                 url_problem)
from .bridge import POLL, POLL_SECONDS
from .openapi import spec
from .validation import check_fields, iso, json_body, json_object, query

bp = Blueprint("sandbox", __name__, url_prefix="/_sandbox")

#: the longest a ``wait`` may hold a request open
MAX_WAIT_SECONDS = 60.0
ADMIN_TOKEN = "IHUYI_SANDBOX_ADMIN_TOKEN"
SCENARIOS_DIR = "IHUYI_SANDBOX_SCENARIOS_DIR"
ALLOWED_HOSTS = "IHUYI_SANDBOX_ALLOWED_HOSTS"
#: what a call that changes the sandbox may send as its body (PUT /scenario also takes TOML); a
#: web page elsewhere can send text/plain, a form or no Content-Type without asking, not these
JSON_TYPE = "application/json"
TOML_TYPES = ("application/toml", "text/x-toml")
CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: what needs no token: the health check and the API's description (the inbox's page and assets,
#: which hold no data, are another blueprint's)
OPEN_ENDPOINTS = frozenset({"sandbox.health", "sandbox.openapi"})


def backend() -> Backend:
    return current_app.extensions["ihuyi_sandbox"]


def error(message: str, status: int = 400, **extra: Any) -> Response:
    response = jsonify(error=message, status=status, **extra)
    response.status_code = status
    return response


@bp.before_request
def refuse_other_sites() -> Response | None:
    """What another web page could have a browser send is refused, before the token is checked.

    A ``Host`` this server was not started for is a DNS-rebinding page reading the API as its
    own origin (403, but for :data:`OPEN_ENDPOINTS`, which hold no state). IP addresses pass:
    rebinding always arrives under the attacker's domain name, and an IP address is how a
    container's or a LAN's sandbox is reached. A change whose ``Origin`` is another site (or
    ``null``) is refused (403), as is a body in any type but JSON (or TOML), which a page could
    send without asking the server first (415).
    """
    host, name = request.host, _host_name(request.host)
    if request.endpoint not in OPEN_ENDPOINTS and not _host_allowed(name):
        return error(f"this sandbox does not answer for Host {host!r} (a guard against DNS rebinding): it "
                     "answers loopback names, IP addresses and the names given with --allowed-host; start it "
                     f"with --allowed-host {name or host} to answer this one", 403)
    if request.method not in CHANGES:
        return None
    origin = request.headers.get("Origin")
    if origin is not None and (origin == "null" or _origin_netloc(origin) != _netloc(host)):
        return error(f"a call from the web page of another site ({origin}) may not change this sandbox", 403)
    accepted = (JSON_TYPE, *TOML_TYPES) if request.endpoint == "sandbox.switch_scenario" else (JSON_TYPE,)
    if (request.content_type or request.content_length) and request.mimetype not in accepted:
        sent = f"Content-Type {request.mimetype}" if request.content_type else "no Content-Type"
        return error(f"send the body as {' or '.join(accepted)}, not with {sent}", 415, accepted=list(accepted))
    return None


def _host_name(host: str) -> str | None:
    """The name in a ``Host`` header, lowercase, or None for one that does not parse."""
    try:
        parts = urlsplit(f"//{host}")
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError:
        return None
    return (parts.hostname or "").rstrip(".")


def _host_allowed(name: str | None) -> bool:
    if name is None:
        return False
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        allowed = current_app.config.get(ALLOWED_HOSTS) or ()
        return name in allowed or "*" in allowed


def _origin_netloc(origin: str) -> str | None:
    try:
        return _netloc(urlsplit(origin).netloc)
    except ValueError:  # not a URL (an unclosed [IPv6 host]): no origin this server is
        return None


def _netloc(netloc: str) -> str:
    """host[:port] as compared for the same origin: the scheme is not, since a proxy that ends TLS
    passes an https page's calls on over http."""
    netloc = netloc.lower()
    return netloc.removesuffix(":443").removesuffix(":80")


@bp.before_request
def require_token() -> Response | None:
    """With an admin token configured, every call but :data:`OPEN_ENDPOINTS` must carry it."""
    token = current_app.config.get(ADMIN_TOKEN)
    if not token or request.endpoint in OPEN_ENDPOINTS:
        return None
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return None
    response = error("this sandbox needs its admin token: send Authorization: Bearer <token>", 401)
    response.headers["WWW-Authenticate"] = 'Bearer realm="ihuyi-sandbox"'
    return response


@bp.errorhandler(Invalid)
def invalid(exc: Invalid) -> Response:
    return error(exc.description or "invalid request", exc.status)


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(spec())


@bp.get("/health")
def health() -> Response:
    return jsonify(status="ok", version=__version__, pid=os.getpid(), db=backend().storage.path)


# -- what was sent --------------------------------------------------------------------------------
def message_json(delivery: Delivery) -> dict[str, Any]:
    return {"id": delivery.id, "voiceid": delivery.voiceid, "account": delivery.account, "mobile": delivery.mobile,
            "code": delivery.content, "time": iso(delivery.time), "timestamp": delivery.time, "status": "delivered",
            "outcome": delivery.outcome, "receipt": delivery.receipt}


def request_json(entry: JournalEntry) -> dict[str, Any]:
    return {"id": entry.id, "time": iso(entry.time), "timestamp": entry.time, "client_ip": entry.client_ip,
            "method": entry.method, "params": entry.params, "code": entry.code,
            "message": None if entry.code is None else message_for(entry.code, entry.method, entry.product),
            "voiceid": entry.voiceid, "fault": entry.fault}


PAGING = {"since": "time", "before": "int", "after": "int", "limit": "limit"}


@bp.get("/messages")
def messages() -> Response:
    """Delivered calls, newest first; page with ``before=<id>``, follow with ``after=<id>``."""
    args = query(request, {"mobile": "str", "account": "str", **PAGING})
    found = backend().storage.deliveries(**{"limit": 50, **args})
    return jsonify(messages=[message_json(d) for d in found])


@bp.get("/messages/latest")
def latest_message() -> Response:
    """The last code delivered to ``mobile``; with ``wait``, wait that long for one to arrive."""
    args = query(request, {"mobile": "str", "since": "time", "wait": "seconds"})
    if "mobile" not in args:
        raise Invalid("mobile is required: /_sandbox/messages/latest?mobile=13812345678")
    wait = min(args.get("wait", 0.0), MAX_WAIT_SECONDS)
    poll = request.environ.get(POLL)  # served by granian: wait on its event loop, not here
    deadline = poll.deadline if poll and poll.deadline else time.monotonic() + wait
    storage = backend().storage
    while True:
        found = storage.deliveries(mobile=args["mobile"], since=args.get("since"), limit=1)
        if found:
            return jsonify(message_json(found[0]))
        if poll and poll.stopping:
            return error(f"no code has been delivered to {args['mobile']} (the server is stopping)", 404)
        if time.monotonic() >= deadline:
            waited = f" (waited {wait:g} s)" if wait else ""
            return error(f"no code has been delivered to {args['mobile']}{waited}", 404)
        if poll:
            mobile, since = args["mobile"], args.get("since")
            poll.deadline = deadline
            poll.ready = lambda: bool(storage.deliveries(mobile=mobile, since=since, limit=1))
            return Response(status=204)  # never sent: the server calls again
        time.sleep(POLL_SECONDS)


@bp.get("/requests")
def requests_journal() -> Response:
    """Every request answered, newest first, with its parameters (password masked)."""
    args = query(request, {"code": "int", "method": "method", "account": "str", "mobile": "str", **PAGING})
    found = backend().storage.journal(**{"limit": 50, **args})
    return jsonify(requests=[request_json(e) for e in found])


# -- accounts and lists -----------------------------------------------------------------------------
ACCOUNT_FIELDS: dict[str, type] = {"apiid": str, "apikey": str, "balance": int, "frozen": bool,
                                   "auto_frozen": bool, "registered_ips": list, "receipt_url": str}


def account_json(account: Account) -> dict[str, Any]:
    return {**asdict(account), "registered_ips": list(account.registered_ips), "products": list(account.products),
            "limits": {k: v for k, v in asdict(account.limits).items() if v is not None}}


def _checked_account_fields(body: dict[str, Any]) -> dict[str, Any]:
    if not 0 <= body.get("balance", 0) <= MAX_INTEGER:
        raise Invalid(f"balance must be between 0 and {MAX_INTEGER}, got {body['balance']}")
    for name in ("apiid", "apikey"):
        if name in body and not body[name]:
            raise Invalid(f"{name} must not be empty")
    if body.get("receipt_url"):
        problem = url_problem(body["receipt_url"]) or backend().policy.refusal(body["receipt_url"])
        if problem:
            raise Invalid(problem)
    return body


@bp.get("/accounts")
def accounts() -> Response:
    return jsonify(accounts=[account_json(a) for a in backend().storage.accounts()])


@bp.post("/accounts")
def create_account() -> Response:
    body = _checked_account_fields(check_fields(json_object(request), ACCOUNT_FIELDS,
                                                required=frozenset({"apiid", "apikey"})))
    account = Account(**{**body, "registered_ips": tuple(body.get("registered_ips", ()))})
    if not backend().storage.create_account(account):
        return error(f"account {account.apiid} exists already", 409)
    response = jsonify(account_json(account))
    response.status_code = 201
    return response


def _account_or_404(apiid: str) -> Account:
    account = backend().storage.account(apiid)
    if account is None:
        raise NotFound(f"no account {apiid}")
    return account


@bp.get("/accounts/<apiid>")
def read_account(apiid: str) -> Response:
    return jsonify(account_json(_account_or_404(apiid)))


@bp.patch("/accounts/<apiid>")
def update_account(apiid: str) -> Response:
    fields = {k: v for k, v in ACCOUNT_FIELDS.items() if k != "apiid"}
    body = _checked_account_fields(check_fields(json_object(request), fields))
    if not backend().storage.update_account(apiid, **body):
        return error(f"no account {apiid}", 404)
    return jsonify(account_json(_account_or_404(apiid)))


@bp.delete("/accounts/<apiid>")
def delete_account(apiid: str) -> Response:
    if not backend().storage.delete_account(apiid):
        return error(f"no account {apiid}", 404)
    return jsonify(status="deleted", apiid=apiid)


LISTS = {"blacklist": "blacklist", "refused-ips": "refused_ips"}


@bp.get("/<any(blacklist, 'refused-ips'):name>")
def read_list(name: str) -> Response:
    return jsonify({name.replace("-", "_"): backend().storage.listed(LISTS[name])})


@bp.route("/<any(blacklist, 'refused-ips'):name>/<value>", methods=["PUT", "DELETE"])
def change_list(name: str, value: str) -> Response:
    present = request.method == "PUT"
    changed = backend().storage.set_listed(LISTS[name], value, present)
    if not present and not changed:
        return error(f"{value} is not on the {name.replace('-', ' ')}", 404)
    return jsonify({name.replace("-", "_"): backend().storage.listed(LISTS[name])})


# -- receipts ---------------------------------------------------------------------------------------
def receipt_json(receipt: Receipt) -> dict[str, Any]:
    return {"id": receipt.id, "voiceid": receipt.voiceid, "account": receipt.account, "url": receipt.url,
            "outcome": receipt.outcome, "form": receipt_form(receipt), "status": receipt.status,
            "attempts": [{"time": iso(a.time), "timestamp": a.time, "url": a.url, "status": a.status,
                          "body": a.body, "error": a.error} for a in receipt.history],
            "next_attempt": iso(receipt.next_at) if receipt.status == "pending" else None}


@bp.get("/receipts")
def receipts() -> Response:
    """Receipts, newest first, with every attempt (time, URL, status, body answered, error)."""
    args = query(request, {"voiceid": "str", "account": "str", "status": "receipt-status", "limit": "limit"})
    found = backend().storage.receipts(**{"limit": 50, **args})
    return jsonify(receipts=[receipt_json(r) for r in found])


@bp.post("/receipts/flush")
def flush_receipts() -> Response:
    """Make every pending receipt due now, so a test need not wait; the dispatcher sends them."""
    return jsonify(scheduled=backend().storage.flush_receipts(time.time()))


# -- scenarios --------------------------------------------------------------------------------------
def describe(scenario: Scenario) -> dict[str, Any]:
    return {"name": scenario.name, "description": scenario.description, "source": scenario.source,
            "rules": [rule.name or f"rule {rule.index + 1}" for rule in scenario.rules],
            "accounts": [account.apiid for account in scenario.seed.accounts]}


@bp.get("/scenarios")
def scenarios() -> Response:
    available = []
    directory = current_app.config.get(SCENARIOS_DIR)
    for name in scenario_names() + directory_names(directory):
        try:
            available.append({"name": name, "description": _runtime_scenario(name).description})
        except ScenarioError as exc:
            available.append({"name": name, "error": str(exc)})
    return jsonify(active=describe(backend().active()), available=available)


@bp.put("/scenario")
def switch_scenario() -> Response:
    """Switch to a shipped scenario (``{"name": ...}``) or an inline one (``{"toml": ...}``, or a
    TOML body), resetting the state to its start."""
    if request.mimetype in TOML_TYPES:
        spec: Any = {"toml": request.get_data(as_text=True)}
    else:
        spec = json_body(request)
    if not isinstance(spec, dict) or len(spec) != 1 or not isinstance(next(iter(spec.values())), str) \
            or next(iter(spec)) not in ("name", "toml"):
        return error('send {"name": "<shipped scenario, or file in the --scenarios-dir>"} or '
                     '{"toml": "<scenario text>"}, or a TOML body with Content-Type application/toml')
    try:
        scenario = _runtime_scenario(spec["name"]) if "name" in spec else parse(spec["toml"], "<inline>")
        backend().switch(scenario)
    except ScenarioError as exc:
        return error("the scenario does not load; the active one is unchanged", problems=exc.problems)
    return jsonify(status="switched", active=describe(scenario))


def _runtime_scenario(name: str) -> Scenario:
    path = runtime_path(name, current_app.config.get(SCENARIOS_DIR))
    return parse(read_file(path), str(path))


@bp.post("/reset")
def reset() -> Response:
    backend().reset()
    return jsonify(status="reset", active=describe(backend().scenario))
