"""``/_sandbox/``: the sandbox's own JSON API, never clashing with the provider's paths.

What was delivered (``messages``), every request answered (``requests``), the products, accounts
and lists, templates, handset replies, pushes (``receipts``), scenarios and reset. With an admin
token configured, every call but ``health`` must carry ``Authorization: Bearer <token>``.

The same blueprint is also mounted under ``/_sandbox/workspaces/<id>/`` (``api/workspaces.py``),
where every call is that workspace's: :func:`backend` is the one place a view gets its backend
from, and it knows which. A workspace's own token opens its calls, and no others.
"""

from __future__ import annotations

import base64
import hmac
import ipaddress
import json
import os
import time
from urllib.parse import urlsplit
from dataclasses import asdict, replace
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request

from .. import __version__
from .._exceptions import Invalid, NotFound, ScenarioError, StoreUnavailable, WriteFailed
from ..service.backend import Backend
from ..service.products import message as message_for
from ..service.products import product as product_named
from ..service.products import product_names, products, receipt_form
from ..service.pushes import account_product, reply_push, review
from ..service.records import MAX_INTEGER, Account, Delivery, JournalEntry, Limits, Receipt, Reply, Template
from ..service.scenarios import (Rule, Scenario, directory_names, parse, read_file, runtime_path, scenario_names,
                                 url_problem)
from ..service.templates import find_code
from .bridge import POLL, POLL_SECONDS, STREAM
from .openapi import spec
from .validation import (LIMIT_NAMES, MAX_MOBILE_LENGTH, MAX_REPLY_LENGTH, MAX_TEMPLATE_LENGTH, TEMPLATE_STATUSES,
                         check_fields, iso, json_body, json_object, query)

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
#: which hold no data, are another blueprint's), by view name, wherever it is mounted
OPEN_VIEWS = frozenset({"health", "openapi"})
#: the app's extensions: the main backend, and the workspaces (``service.workspaces.Workspaces``)
BACKEND = "ihuyi_sandbox"
WORKSPACES = "ihuyi_sandbox.workspaces"


def backend() -> Backend:
    """The backend this call is for: the workspace's its path names, else the sandbox's own."""
    workspace_id = g.get("workspace_id")
    if workspace_id is None:
        return current_app.extensions[BACKEND]
    found = g.get("workspace_backend")
    if found is None:
        g.workspace_backend = found = current_app.extensions[WORKSPACES].get(workspace_id)[1]
    return found


def view_name() -> str:
    """The view's name without its blueprint's (the same view is mounted twice)."""
    return (request.endpoint or "").rpartition(".")[2]


@bp.url_value_preprocessor
def pick_workspace(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if values and "workspace" in values:
        g.workspace_id = values.pop("workspace")


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
    if view_name() not in OPEN_VIEWS and not _host_allowed(name):
        return error(f"this sandbox does not answer for Host {host!r} (a guard against DNS rebinding): it "
                     "answers loopback names, IP addresses and the names given with --allowed-host; start it "
                     f"with --allowed-host {name or host} to answer this one", 403)
    if request.method not in CHANGES:
        return None
    origin = request.headers.get("Origin")
    if origin is not None and (origin == "null" or _origin_netloc(origin) != _netloc(host)):
        return error(f"a call from the web page of another site ({origin}) may not change this sandbox", 403)
    accepted = (JSON_TYPE, *TOML_TYPES) if view_name() == "switch_scenario" else (JSON_TYPE,)
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
    """With an admin token configured, every call but :data:`OPEN_VIEWS` must carry it, or, under
    a workspace's path, that workspace's token (there nothing is open: no answer may tell a
    caller without one which workspaces exist)."""
    if view_name() in OPEN_VIEWS and g.get("workspace_id") is None:
        return None
    return token_refusal(g.get("workspace_id"))


def token_refusal(workspace_id: str | None) -> Response | None:
    """``None`` if the call may go on: no admin token is configured, or it carries that one, or
    (with ``workspace_id``) that workspace's."""
    token = current_app.config.get(ADMIN_TOKEN)
    if not token:
        return None
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    given = given.strip() if scheme.lower() == "bearer" else ""
    if given and hmac.compare_digest(given.encode(), token.encode()):
        return None
    if given and workspace_id is not None:
        workspace = current_app.extensions[WORKSPACES].registry.workspace(workspace_id)
        if workspace is not None and current_app.extensions[WORKSPACES].token_grants(workspace, given):
            return None
    whose = "its admin token or this workspace's token" if workspace_id is not None else "its admin token"
    response = error(f"this sandbox needs {whose}: send Authorization: Bearer <token>", 401)
    response.headers["WWW-Authenticate"] = 'Bearer realm="ihuyi-sandbox"'
    return response


@bp.before_request
def require_workspace() -> None:
    """A workspace's path names one that exists (after the token: no answer tells a caller
    without one which workspaces exist)."""
    if g.get("workspace_id") is not None:
        backend()


@bp.errorhandler(Invalid)
def invalid(exc: Invalid) -> Response:
    return error(exc.description or "invalid request", exc.status)


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(spec())


@bp.get("/health")
def health() -> Response:
    """Up, its database answering and its writes not failing; else 503 with the reason, so that a
    container's health check or a load balancer sees it."""
    storage = backend().storage
    try:
        storage.check()
    except WriteFailed as failing:
        return error(f"the sandbox cannot write its database {storage.path}: {failing.reason}", 503)
    except StoreUnavailable as down:
        return error(f"the sandbox cannot reach its database {storage.path}: {down.reason}", 503)
    return jsonify(status="ok", version=__version__, pid=os.getpid(), db=storage.path)


@bp.get("/products")
def products_json() -> Response:
    """The products: where each answers, how a base URL or host picks it, its accounts' APIID
    prefixes, its methods and the outcomes its receipts report (in order: the default scenario's
    ``1390002`` + an outcome's number, from 0001, gives it)."""
    return jsonify(products=[{
        "name": p.name, "title": p.title, "paths": list(dict.fromkeys(route.path for route in p.routes)),
        "selector": f"/_{p.selector}", "hosts": list(p.hosts), "prefixes": list(p.prefixes),
        "methods": list(p.api().names), "templates": [{"id": i, "content": t} for i, t in p.builtin_templates.items()],
        "outcomes": [{"name": name, "code": code, "msg": msg} for name, (code, msg) in p.outcomes.items()],
        "default_outcome": p.default_outcome} for p in products()])


# -- what was sent --------------------------------------------------------------------------------
def code_in(delivery: Delivery) -> str | None:
    """The verification code in what was delivered, as its product reads it."""
    try:
        return product_named(delivery.product).code_in(delivery.content)
    except ValueError:  # a product this version no longer has: the shared reading
        return find_code(delivery.content)


def message_json(delivery: Delivery) -> dict[str, Any]:
    return {"id": delivery.id, "voiceid": delivery.voiceid, "product": delivery.product, "account": delivery.account,
            "mobile": delivery.mobile, "code": code_in(delivery), "text": delivery.content, "units": delivery.units,
            "time": iso(delivery.time), "timestamp": delivery.time, "status": "delivered",
            "outcome": delivery.outcome, "receipt": delivery.receipt, "fault": delivery.fault}


def _message(entry: JournalEntry) -> str | None:
    """The message the entry's code carried, in its product's table and the active message set."""
    if entry.code is None:
        return None
    try:
        return message_for(entry.code, entry.method, entry.product, backend().settings)
    except ValueError:  # a product this version no longer has (or a code it no longer answers)
        return None


def request_json(entry: JournalEntry) -> dict[str, Any]:
    return {"id": entry.id, "time": iso(entry.time), "timestamp": entry.time, "client_ip": entry.client_ip,
            "product": entry.product, "method": entry.method, "params": entry.params, "code": entry.code,
            "message": _message(entry), "voiceid": entry.voiceid, "fault": entry.fault, "outcome": entry.outcome,
            "units": entry.units, "text": entry.text if entry.text is not None else entry.params.get("content")}


PAGING = {"since": "time", "before": "int", "after": "int", "limit": "limit"}
#: ``/requests``' filters: every field the journal keeps (``content``: the parameter sent, exactly;
#: ``text``: a part of the text delivered, or of the content sent; ``mobile_prefix``: how the
#: mobile starts)
REQUEST_FILTERS = {"code": "int", "method": "method", "account": "str", "mobile": "str", "product": "product",
                   "client_ip": "str", "voiceid": "str", "fault": "fault", "outcome": "outcome", "units": "int",
                   "content": "str", "mobile_prefix": "str", "text": "str", **PAGING}


@bp.get("/messages")
def messages() -> Response:
    """Delivered messages of every product, newest first; page with ``before=<id>``, follow with
    ``after=<id>``."""
    args = query(request, {"mobile": "str", "account": "str", "product": "product", "mobile_prefix": "str",
                           "text": "str", **PAGING})
    found = backend().storage.deliveries(**{"limit": 50, **args})
    return jsonify(messages=[message_json(d) for d in found])


@bp.get("/messages/latest")
def latest_message() -> Response:
    """The last message delivered to ``mobile`` (``content``: its text, ``code``: the code in it);
    with ``wait``, wait that long for one to arrive."""
    args = query(request, {"mobile": "str", "product": "product", "since": "time", "wait": "seconds"})
    if "mobile" not in args:
        raise Invalid("mobile is required: /_sandbox/messages/latest?mobile=13812345678")
    wait = min(args.get("wait", 0.0), MAX_WAIT_SECONDS)
    poll = request.environ.get(POLL)  # served by granian: wait on its event loop, not here
    deadline = poll.deadline if poll and poll.deadline else time.monotonic() + wait
    storage = backend().storage
    mobile, since, product = args["mobile"], args.get("since"), args.get("product")
    while True:
        found = storage.deliveries(mobile=mobile, since=since, product=product, limit=1)
        if found:
            return jsonify({**message_json(found[0]), "content": found[0].content})
        if poll and poll.stopping:
            return error(f"no code has been delivered to {args['mobile']} (the server is stopping)", 404)
        if time.monotonic() >= deadline:
            waited = f" (waited {wait:g} s)" if wait else ""
            return error(f"no code has been delivered to {args['mobile']}{waited}", 404)
        if poll:
            poll.deadline = deadline
            poll.ready = lambda: bool(storage.deliveries(mobile=mobile, since=since, product=product, limit=1))
            poll.source = storage
            return Response(status=204)  # never sent: the server calls again
        time.sleep(POLL_SECONDS)


def _entry(request_id: int) -> JournalEntry | None:
    found = backend().storage.journal(before=request_id + 1, limit=1)
    return found[0] if found and found[0].id == request_id else None


def request_detail(entry: JournalEntry) -> dict[str, Any]:
    """A request with what was sent back (``answer``: its body as text, and its exact bytes in
    base64; ``null`` when it was journaled before the answers were kept) and, for a delivery, the
    receipt pushes with every attempt."""
    answer = None
    if entry.answer is not None:
        answer = {"text": entry.answer.decode("utf-8", "replace"), "base64": base64.b64encode(entry.answer).decode(),
                  "length": len(entry.answer)}
    receipts = backend().storage.receipts(voiceid=entry.voiceid, kind="receipt") \
        if entry.code == 2 and entry.method == "Submit" else []
    return {**request_json(entry), "answer": answer, "receipts": [receipt_json(r) for r in receipts]}


@bp.get("/requests/<int:request_id>")
def read_request(request_id: int) -> Response:
    """One request answered, with the bytes answered and its receipts."""
    entry = _entry(request_id)
    if entry is None:
        return error(f"no request {request_id} in the journal", 404)
    return jsonify(request_detail(entry))


@bp.get("/messages/<int:message_id>")
def read_message(message_id: int) -> Response:
    """One delivered message, with the request that delivered it (``request``: parameters, the
    bytes answered) and its receipts."""
    found = backend().storage.deliveries(before=message_id + 1, limit=1)
    entry = _entry(message_id)
    if not found or found[0].id != message_id or entry is None:
        return error(f"no message {message_id}", 404)
    detail = request_detail(entry)
    return jsonify({**message_json(found[0]), "request": {k: v for k, v in detail.items() if k != "receipts"},
                    "receipts": detail["receipts"]})


@bp.delete("/messages/<int:message_id>")
def delete_message(message_id: int) -> Response:
    """Delete one delivered message (and so its request from the journal)."""
    if not backend().storage.forget_delivery(message_id):
        return error(f"no message {message_id}", 404)
    return jsonify(status="deleted", id=message_id)


@bp.get("/events")
def events() -> Response:
    """Server-sent events: ``change`` once at once and each time something the inbox shows moved
    (a request answered, a message deleted, the scenario, an account, a push). Served by
    ``ihuyi-sandbox serve``; the stream ends after a few minutes, and the browser reconnects."""
    stream = request.environ.get(STREAM)
    if stream is None:
        return error("this server streams no events: run it with ihuyi-sandbox serve", 501)
    storage = backend().storage

    def event() -> bytes:
        newest, _, scenario_version, *_ = storage.watermark()  # the rest holds the accounts: not for the page
        return b"event: change\ndata: " + json.dumps({"newest_request": newest, "scenario_version": scenario_version,
                                                      "time": time.time()}).encode() + b"\n\n"

    stream.event, stream.source = event, storage
    response = Response(b"", mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # nginx in front: pass each event on at once
    return response


@bp.get("/requests")
def requests_journal() -> Response:
    """Every request answered, newest first, with its parameters (password masked)."""
    args = query(request, REQUEST_FILTERS)
    found = backend().storage.journal(**{"limit": 50, **args})
    return jsonify(requests=[request_json(e) for e in found])


# -- accounts and lists -----------------------------------------------------------------------------
ACCOUNT_FIELDS: dict[str, type] = {"apiid": str, "apikey": str, "balance": int, "frozen": bool,
                                   "auto_frozen": bool, "registered_ips": list, "receipt_url": str,
                                   "products": list, "reply_url": str, "limits": dict}


def account_json(account: Account) -> dict[str, Any]:
    return {**asdict(account), "registered_ips": list(account.registered_ips), "products": list(account.products),
            "limits": {k: v for k, v in asdict(account.limits).items() if v is not None}}


def _checked_account_fields(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` checked, with its lists as the account holds them (tuples, :class:`Limits`)."""
    if not 0 <= body.get("balance", 0) <= MAX_INTEGER:
        raise Invalid(f"balance must be between 0 and {MAX_INTEGER}, got {body['balance']}")
    for name in ("apiid", "apikey"):
        if name in body and not body[name]:
            raise Invalid(f"{name} must not be empty")
    for name, called in (("receipt_url", "receipt URL"), ("reply_url", "reply URL")):
        if body.get(name):
            problem = url_problem(body[name], name) or backend().policy.refusal(body[name], called)
            if problem:
                raise Invalid(problem)
    checked = dict(body)
    if "registered_ips" in body:
        checked["registered_ips"] = tuple(body["registered_ips"])
    if "products" in body:
        checked["products"] = _checked_products(body["products"])
    if "limits" in body:
        checked["limits"] = _checked_limits(body["limits"])
    return checked


def _checked_products(names: list[str]) -> tuple[str, ...]:
    known = product_names()
    for name in names:
        if name not in known:
            raise Invalid(f"unknown product {name!r} in products; the products are {', '.join(known)}")
    if len(set(names)) != len(names):
        raise Invalid(f"products names a product twice: {names!r} (the first is the account's default)")
    return tuple(names)


def _checked_limits(limits: dict[str, Any]) -> Limits:
    unknown = sorted(set(limits) - set(LIMIT_NAMES))
    if unknown:
        raise Invalid(f"unknown limit(s) {', '.join(unknown)}; accepted: {', '.join(LIMIT_NAMES)}")
    limits = {name: int(value) if isinstance(value, float) and value.is_integer() else value
              for name, value in limits.items()}
    for name, value in limits.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_INTEGER:
            raise Invalid(f"limits.{name} must be an integer from 1 to {MAX_INTEGER}, got {value!r} "
                          "(leave a limit out for none)")
    return Limits(**limits)


@bp.get("/accounts")
def accounts() -> Response:
    return jsonify(accounts=[account_json(a) for a in backend().storage.accounts()])


@bp.post("/accounts")
def create_account() -> Response:
    body = _checked_account_fields(check_fields(json_object(request), ACCOUNT_FIELDS,
                                                required=frozenset({"apiid", "apikey"})))
    account = Account(**body)
    workspace_id = g.get("workspace_id")
    if workspace_id is not None:  # an APIID is one account's across the sandbox: the registry's first
        registry = current_app.extensions[WORKSPACES].registry
        if registry.claim_apiids(workspace_id, {account.apiid: account.apiid}).get(account.apiid) != account.apiid:
            return error(f"account {account.apiid} exists already in this sandbox", 409)
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


# -- pushes: receipts, replies, template reviews ----------------------------------------------------
def _form(receipt: Receipt) -> dict[str, str] | None:
    try:
        return receipt_form(receipt)
    except (ValueError, KeyError):  # a receipt of a product (or outcome) this version no longer has
        return None


def receipt_json(receipt: Receipt) -> dict[str, Any]:
    return {"id": receipt.id, "kind": receipt.kind, "product": receipt.product, "voiceid": receipt.voiceid,
            "account": receipt.account, "mobile": receipt.mobile, "url": receipt.url,
            "outcome": receipt.outcome or None, "form": _form(receipt), "status": receipt.status,
            "attempts": [{"time": iso(a.time), "timestamp": a.time, "url": a.url, "status": a.status,
                          "body": a.body, "error": a.error} for a in receipt.history],
            "next_attempt": iso(receipt.next_at) if receipt.status == "pending" else None}


@bp.get("/receipts")
def receipts() -> Response:
    """Pushes of every kind (delivery receipts, replies, template reviews), newest first, with
    every attempt (time, URL, status, body answered, error)."""
    args = query(request, {"voiceid": "str", "account": "str", "status": "receipt-status", "kind": "push-kind",
                           "limit": "limit"})
    found = backend().storage.receipts(**{"limit": 50, **args})
    return jsonify(receipts=[receipt_json(r) for r in found])


@bp.post("/receipts/flush")
def flush_receipts() -> Response:
    """Make every pending push due now, so a test need not wait; the dispatcher sends them."""
    return jsonify(scheduled=backend().storage.flush_receipts(time.time()))


def reply_json(reply: Reply) -> dict[str, Any]:
    return {"id": reply.id, "time": iso(reply.time), "timestamp": reply.time, "account": reply.account,
            "mobile": reply.mobile, "content": reply.content, "smsid": reply.smsid}


REPLY_FIELDS: dict[str, type] = {"account": str, "mobile": str, "content": str}


@bp.post("/replies")
def create_reply() -> Response:
    """A handset's reply (上行回复) to an account: recorded, and pushed to its ``reply_url`` if it
    has one, with the id of the newest delivery from that account to that mobile."""
    body = check_fields(json_object(request), REPLY_FIELDS, required=frozenset(REPLY_FIELDS))
    for name, most in (("account", None), ("mobile", MAX_MOBILE_LENGTH), ("content", MAX_REPLY_LENGTH)):
        if not body[name]:
            raise Invalid(f"{name} must not be empty")
        if most is not None and len(body[name]) > most:
            raise Invalid(f"{name} is longer than {most} characters")
    storage = backend().storage
    account = _account_or_404(body["account"])
    now = time.time()
    with storage.transaction():
        answered = storage.deliveries(account=account.apiid, mobile=body["mobile"], limit=1)
        smsid = answered[0].voiceid if answered else ""
        reply = Reply(0, now, account.apiid, body["mobile"], body["content"], smsid)
        reply = replace(reply, id=storage.record_reply(reply))
        push = reply_push(reply, account, answered[0].product if answered else account_product(account))
        push_id = storage.queue_push(push) if push is not None else None
    response = jsonify({**reply_json(reply), "push": push_id})
    response.status_code = 201
    return response


@bp.get("/replies")
def replies() -> Response:
    """Handset replies, newest first."""
    args = query(request, {"account": "str", "mobile": "str", "limit": "limit"})
    return jsonify(replies=[reply_json(r) for r in backend().storage.replies(**{"limit": 50, **args})])


# -- templates ----------------------------------------------------------------------------------------
def template_json(template: Template) -> dict[str, Any]:
    return {"id": template.id, "account": template.account, "product": template.product,
            "content": template.content, "status": template.status, "reason": template.reason,
            "created": iso(template.created) if template.created else None,
            "review_at": iso(template.review_at) if template.review_at is not None else None}


TEMPLATE_FIELDS: dict[str, type] = {"account": str, "product": str, "content": str, "status": str}
REVIEW_FIELDS: dict[str, type] = {"status": str, "reason": str}


@bp.get("/templates")
def templates() -> Response:
    """The accounts' own templates, oldest first (the products' built-in ones: GET /_sandbox/products)."""
    args = query(request, {"account": "str", "product": "product", "status": "template-status"})
    return jsonify(templates=[template_json(t) for t in backend().storage.templates(**args)])


@bp.post("/templates")
def create_template() -> Response:
    """Add a template to an account: ``approved`` (the default) matches at once; ``pending`` is
    reviewed as AddTemplate's are, ``template_review_seconds`` later, and its review pushed."""
    body = check_fields(json_object(request), TEMPLATE_FIELDS, required=frozenset({"account", "product", "content"}))
    status = body.get("status", "approved")
    if status not in TEMPLATE_STATUSES:
        raise Invalid(f"status must be {' or '.join(TEMPLATE_STATUSES)}, got {status!r}")
    if body["product"] not in product_names():
        raise Invalid(f"unknown product {body['product']!r}; the products are {', '.join(product_names())}")
    if not body["content"]:
        raise Invalid("content must not be empty: the template's text, with 【变量】 placeholders")
    if len(body["content"]) > MAX_TEMPLATE_LENGTH:
        raise Invalid(f"content is longer than {MAX_TEMPLATE_LENGTH} characters")
    account = _account_or_404(body["account"])
    if not product_named(body["product"]).belongs(account):
        raise Invalid(f"account {account.apiid} does not use product {body['product']!r} (its products, or "
                      "its APIID's prefix, say which it does)")
    now = time.time()
    review_at = now + backend().settings.template_review_seconds if status == "pending" else None
    template = Template(0, account.apiid, body["product"], body["content"], status, now, review_at)
    template = replace(template, id=backend().storage.add_template(template))
    response = jsonify(template_json(template))
    response.status_code = 201
    return response


@bp.patch("/templates/<int:template_id>")
def review_template(template_id: int) -> Response:
    """Approve or reject a pending template, and push the review to its account's ``reply_url``
    (code 2 审核通过, or code 0 and the reason)."""
    body = check_fields(json_object(request), REVIEW_FIELDS, required=frozenset({"status"}))
    status, reason = body["status"], body.get("reason", "")
    if status not in ("approved", "rejected"):
        raise Invalid(f"status must be approved or rejected, got {status!r}")
    if reason and status != "rejected":
        raise Invalid("reason is a rejection's: leave it out to approve")
    if len(reason) > MAX_TEMPLATE_LENGTH:
        raise Invalid(f"reason is longer than {MAX_TEMPLATE_LENGTH} characters")
    storage = backend().storage
    found = _template(template_id)
    if found is None:
        return error(f"no template {template_id} (a product's built-in templates are not reviewed)", 404)
    pushed = review(storage, found, status, reason, time.time()) if found.status == "pending" else False
    if pushed is False:
        now = _template(template_id)
        return error(f"template {template_id} is {now.status if now else 'gone'}: only a pending template is "
                     "reviewed", 409)
    return jsonify({**template_json(_template(template_id) or found), "push": pushed})


def _template(template_id: int) -> Template | None:
    return next((t for t in backend().storage.templates() if t.id == template_id), None)



# -- scenarios --------------------------------------------------------------------------------------
def describe(scenario: Scenario) -> dict[str, Any]:
    return {"name": scenario.name, "description": scenario.description, "source": scenario.source,
            "rules": [rule.name or f"rule {rule.index + 1}" for rule in scenario.rules],
            "rule_details": [rule_json(rule) for rule in scenario.rules],
            "accounts": [account.apiid for account in scenario.seed.accounts]}


def rule_json(rule: Rule) -> dict[str, Any]:
    """A rule as a person reads it: the mobiles that trigger it, what else a call must be, and
    what it does then."""
    if rule.mobiles is not None:
        mobiles = ", ".join(sorted(rule.mobiles))
    elif rule.mobile_prefix is not None:
        mobiles = f"{rule.mobile_prefix}…"
    elif rule.mobile_regex is not None:
        mobiles = f"matching /{rule.mobile_regex.pattern}/"
    else:
        mobiles = "any"
    when = [f"{label} {', '.join(sorted(values))}" for label, values in (
        ("product", rule.products), ("method", rule.methods), ("account", rule.accounts),
        ("content", rule.contents), ("client IP", rule.client_ips)) if values is not None]
    when += [text for text, given in (
        (f"content matching /{rule.content_regex.pattern}/" if rule.content_regex else "", rule.content_regex),
        (f"format {rule.format}", rule.format), (f"in state {rule.state}", rule.state),
        (f"call {rule.nth} only", rule.nth), (f"every {rule.every}th call", rule.every),
        (f"from call {rule.from_call}", rule.from_call), (f"until call {rule.until_call}", rule.until_call),
        (f"after {rule.after_successes} successes", rule.after_successes), (f"{rule.times} times", rule.times),
        (f"with probability {rule.probability}", rule.probability),
        (f"beyond {rule.limit.count} a {rule.limit.per} in {rule.limit.window_seconds:g} s" if rule.limit else "",
         rule.limit)) if given is not None]
    does = [text for text, given in (
        ("the code the mobile's last digits spell" if rule.code_from_mobile else f"code {rule.code}",
         rule.code is not None or rule.code_from_mobile or None),
        ("the outcome the mobile's last four digits number", rule.outcome_from_mobile or None),
        (f"fault {rule.fault}", rule.fault),
        (f"{rule.latency_ms[0]}–{rule.latency_ms[1]} ms late" if rule.latency_ms else "", rule.latency_ms),
        ("freezes the account" if rule.freeze else "", rule.freeze or None),
        (f"outcome {rule.outcome}", rule.outcome), (f"state → {rule.set_state}", rule.set_state)) if given is not None]
    return {"name": rule.name or f"rule {rule.index + 1}", "mobiles": mobiles, "when": when, "does": does}


@bp.get("/scenarios")
def scenarios() -> Response:
    available = []
    directory = current_app.config.get(SCENARIOS_DIR)
    for name in scenario_names() + directory_names(directory):
        try:
            available.append({"name": name, "description": runtime_scenario(name).description})
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
        scenario = runtime_scenario(spec["name"]) if "name" in spec else parse(spec["toml"], "<inline>")
        backend().switch(scenario)
    except ScenarioError as exc:
        return error("the scenario does not load; the active one is unchanged", problems=exc.problems)
    return jsonify(status="switched", active=describe(backend().scenario))


def runtime_scenario(name: str) -> Scenario:
    path = runtime_path(name, current_app.config.get(SCENARIOS_DIR))
    return parse(read_file(path), str(path))


@bp.post("/reset")
def reset() -> Response:
    backend().reset()
    return jsonify(status="reset", active=describe(backend().scenario))
