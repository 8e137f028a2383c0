"""``/_sandbox/``: the web inbox, a page that shows what the sandbox delivered and answered, and
``/_sandbox/docs``, the API's description rendered for a browser.

The page and its assets hold no data (the page reads the JSON API), so they need no admin token.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, send_file

from .sandbox import error, refuse_other_sites

bp = Blueprint("inbox", __name__, url_prefix="/_sandbox")
bp.before_request(refuse_other_sites)

FILES = Path(__file__).resolve().parent.parent / "inbox"
#: the only files served, so no name reaches anything else; Werkzeug adds "; charset=utf-8"
ASSETS = {"inbox.js": "text/javascript", "inbox.css": "text/css", "docs.js": "text/javascript", "docs.css": "text/css"}
# the page loads only its own files and talks only to this server
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _send(name: str, mimetype: str) -> Response:
    response = send_file(FILES / name, mimetype=mimetype, conditional=True, etag=True)
    # revalidate every time (an ETag makes that cheap), so an upgraded sandbox never runs a stale script
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _page(name: str) -> Response:
    response = _send(name, "text/html")
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/")
def page() -> Response:
    return _page("index.html")


@bp.get("/docs")
def docs() -> Response:
    """The API's description (``openapi.json``) rendered for a browser, by a page of our own."""
    return _page("docs.html")


@bp.get("/assets/<name>")
def asset(name: str) -> Response:
    if name not in ASSETS:
        return error(f"no asset {name!r}: the inbox serves {', '.join(sorted(ASSETS))}", 404)
    return _send(name, ASSETS[name])
