"""``/_sandbox/``: the sandbox's own API, never clashing with the provider's paths."""

from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from .. import __version__
from ..backend import VoiceBackend
from ..scenario import Scenario, ScenarioError, load_file, parse, scenario_names

bp = Blueprint("sandbox", __name__, url_prefix="/_sandbox")


def backend() -> VoiceBackend:
    return current_app.extensions["ihuyi_sandbox"]


def error(message: str, status: int = 400, **extra: Any) -> Response:
    response = jsonify(error=message, **extra)
    response.status_code = status
    return response


@bp.get("/health")
def health() -> Response:
    return jsonify(status="ok", version=__version__, pid=os.getpid(), db=backend().storage.path)


def describe(scenario: Scenario) -> dict[str, Any]:
    return {"name": scenario.name, "description": scenario.description, "source": scenario.source,
            "rules": [rule.name or f"rule {rule.index + 1}" for rule in scenario.rules],
            "accounts": [account.apiid for account in scenario.seed.accounts]}


@bp.get("/scenarios")
def scenarios() -> Response:
    available = []
    for name in scenario_names():
        try:
            available.append({"name": name, "description": load_file(name).description})
        except ScenarioError as exc:
            available.append({"name": name, "error": str(exc)})
    return jsonify(active=describe(backend().scenario), available=available)


@bp.put("/scenario")
def switch_scenario() -> Response:
    """Switch to a shipped scenario (``{"name": ...}``) or an inline one (``{"toml": ...}``, or a
    TOML body), resetting the state to its start."""
    if request.mimetype in ("application/toml", "text/plain", "text/x-toml"):
        spec: Any = {"toml": request.get_data(as_text=True)}
    else:
        spec = request.get_json(silent=True)
    if not isinstance(spec, dict) or len(spec) != 1 or not isinstance(next(iter(spec.values())), str) \
            or next(iter(spec)) not in ("name", "toml"):
        return error('send {"name": "<shipped scenario or file path>"} or {"toml": "<scenario text>"}, '
                     "or a TOML body with Content-Type application/toml")
    try:
        scenario = load_file(spec["name"]) if "name" in spec else parse(spec["toml"], "<inline>")
    except ScenarioError as exc:
        return error("the scenario does not load; the active one is unchanged", problems=exc.problems)
    backend().switch(scenario)
    return jsonify(status="switched", active=describe(scenario))


@bp.post("/reset")
def reset() -> Response:
    backend().reset()
    return jsonify(status="reset", active=describe(backend().scenario))
