"""``/_sandbox/``: the sandbox's own API, never clashing with the provider's paths."""

from __future__ import annotations

import os

from flask import Blueprint, Response, current_app, jsonify

from .. import __version__

bp = Blueprint("sandbox", __name__, url_prefix="/_sandbox")


@bp.get("/health")
def health() -> Response:
    storage = current_app.extensions["ihuyi_sandbox"].storage
    return jsonify(status="ok", version=__version__, pid=os.getpid(), db=storage.path)
