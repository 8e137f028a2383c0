"""``/_sandbox/workspaces``: create, list and delete workspaces (``service/workspaces.py``).

Each workspace's own calls are the sandbox API's, mounted again under
``/_sandbox/workspaces/<id>/`` (``api/sandbox.py``). With an admin token configured, creating and
listing need it; a workspace's own calls, reading and deleting it also take the token its
creation returned.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from .._exceptions import Invalid, ScenarioError
from ..service.records import Workspace
from ..service.scenarios import parse
from ..service.workspaces import Workspaces
from . import sandbox
from .validation import iso, json_body

bp = Blueprint("workspaces", __name__, url_prefix="/_sandbox/workspaces")
bp.before_request(sandbox.refuse_other_sites)
bp.register_error_handler(Invalid, sandbox.invalid)


@bp.before_request
def require_token() -> Response | None:
    """The admin's token, or (for one workspace's call) that workspace's."""
    return sandbox.token_refusal((request.view_args or {}).get("workspace_id"))


def workspaces() -> Workspaces:
    return current_app.extensions[sandbox.WORKSPACES]


def workspace_json(workspace: Workspace, manager: Workspaces) -> dict[str, Any]:
    apiids = manager.registry.workspace_apiids(workspace.id)
    return {"id": workspace.id, "url": f"/_sandbox/workspaces/{workspace.id}/", "scenario": workspace.scenario,
            "created": iso(workspace.created), "used": iso(workspace.used),
            "expires": iso(workspace.used + manager.policy.idle_seconds),
            # each APIID of the scenario, and the workspace's in its place
            "apiids": dict(sorted(apiids.items()))}


@bp.post("")
def create() -> Response | tuple[Response, int]:
    """A new workspace: ``{}`` for the sandbox's active scenario, ``{"scenario": NAME}`` for a
    shipped one (or one in the --scenarios-dir), ``{"toml": TEXT}`` for an inline one."""
    spec: Any = json_body(request) if request.get_data() else {}
    if not isinstance(spec, dict) or len(spec) > 1 or any(
            key not in ("scenario", "toml") or not isinstance(value, str) for key, value in spec.items()):
        return sandbox.error('send {} (the active scenario), {"scenario": "<shipped scenario, or file in the '
                             '--scenarios-dir>"} or {"toml": "<scenario text>"}')
    manager = workspaces()
    try:
        if "scenario" in spec:
            scenario = sandbox.runtime_scenario(spec["scenario"])
        elif "toml" in spec:
            scenario = parse(spec["toml"], "<inline>")
        else:
            scenario = manager.main.active()
        workspace, backend, token = manager.create(scenario, with_token=bool(current_app.config.get(sandbox.ADMIN_TOKEN)))
    except ScenarioError as exc:
        return sandbox.error("the scenario does not load; no workspace was created", problems=exc.problems)
    body = {**workspace_json(workspace, manager),
            "accounts": [sandbox.account_json(a) for a in backend.storage.accounts()]}
    if token is not None:
        body["token"] = token
    return jsonify(body), 201


@bp.get("")
def listing() -> Response:
    manager = workspaces()
    return jsonify(workspaces=[workspace_json(w, manager) for w in manager.all()],
                   idle_seconds=manager.policy.idle_seconds, max_workspaces=manager.policy.max_workspaces)


@bp.get("/<workspace_id>")
def read(workspace_id: str) -> Response:
    manager = workspaces()
    workspace, backend = manager.get(workspace_id)
    return jsonify({**workspace_json(workspace, manager),
                    "accounts": [sandbox.account_json(a) for a in backend.storage.accounts()]})


@bp.delete("/<workspace_id>")
def delete(workspace_id: str) -> Response:
    manager = workspaces()
    manager.get(workspace_id)  # 404 for none
    manager.remove(workspace_id)
    return jsonify(status="deleted", id=workspace_id)
