"""``/webservice/voice.php``: the provider API, byte for byte (CONTRACT.md §1–§4)."""

from __future__ import annotations

import time

from flask import Blueprint, Request, Response, current_app, request

from . import faults
from ..model import Settings
from ..params import FORM_URLENCODED, MULTIPART, decode_text, media_type, merge, parse_urlencoded
from ..wire import JSON_CONTENT_TYPE, METHODS, XML_CONTENT_TYPE, Answer, render_json, render_xml

bp = Blueprint("provider", __name__)


@bp.route("/webservice/voice.php", methods=["GET", "POST"])
def voice() -> Response:
    # the hot path: the request proxy is looked up once, not at every attribute
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    query = parse_urlencoded(req.environ.get("QUERY_STRING", "").encode("latin-1"))
    body = _body_params(req)
    method = query.get("method") or body.get("method", "")
    if method not in METHODS:
        shown = f"unknown method {method!r}" if method else "missing method"
        return Response(f"{shown}: voice.php answers method=Submit or method=GetNum "
                        "(in the query string, case-sensitive)\n",
                        status=400, content_type="text/plain; charset=utf-8")
    params = merge(query, body)
    backend = current_app.extensions["ihuyi_sandbox"]
    outcome = backend.handle(method, params, req.remote_addr or "")
    if outcome.latency_seconds:
        time.sleep(outcome.latency_seconds)
    fault = outcome.fault
    if fault == "reset":
        return faults.reset_connection(req.environ)
    if fault == "hang":
        return faults.hang(req.environ, outcome.hang_seconds)
    if fault is not None and fault.startswith("http_"):
        return faults.gateway_error(int(fault.removeprefix("http_")))
    response = render(outcome.answer, params.get("format", ""), backend.settings)
    return faults.spoil(response, fault) if fault else response


def render(answer: Answer, format: str, settings: Settings) -> Response:
    """The answer in the requested format: JSON for ``format=json``, XML for anything else."""
    if format.strip().lower() == "json":
        return Response(render_json(answer, settings.num_as_string), content_type=JSON_CONTENT_TYPE)
    return Response(render_xml(answer, settings.namespace), content_type=XML_CONTENT_TYPE)


def _body_params(req: Request) -> dict[str, str]:
    """The form body as PHP reads it: urlencoded (or no Content-Type at all) and multipart are
    parsed; any other Content-Type leaves the body unread, as PHP leaves ``$_POST`` empty."""
    if req.method != "POST":
        return {}
    kind, charset = media_type(req.content_type)
    if kind in (FORM_URLENCODED, ""):
        return parse_urlencoded(req.get_data(cache=False), charset)
    if kind == MULTIPART:
        return {key: decode_text(value.encode("utf-8", "surrogateescape")) for key, value in req.form.items()}
    req.get_data(cache=False)  # read (and size-check) the body all the same
    return {}
