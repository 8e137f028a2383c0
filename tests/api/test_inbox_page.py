"""The inbox page and its assets over plain HTTP (the browser tests are in test_inbox_browser.py)."""

from __future__ import annotations

import re

import pytest
from werkzeug.test import Client

from tests.support import new_client


def test_page_is_html(client: Client) -> None:
    response = client.get("/_sandbox/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-cache"
    assert b'name="viewport"' in response.data


@pytest.mark.parametrize(("name", "mimetype"), [("inbox.js", "text/javascript"), ("inbox.css", "text/css")])
def test_assets_have_their_content_type(client: Client, name: str, mimetype: str) -> None:
    response = client.get(f"/_sandbox/assets/{name}")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_asset_revalidates_with_its_etag(client: Client) -> None:
    etag = client.get("/_sandbox/assets/inbox.js").headers["ETag"]
    assert client.get("/_sandbox/assets/inbox.js", headers={"If-None-Match": etag}).status_code == 304


@pytest.mark.parametrize("name", ["index.html", "nope.js", "..%2Fapp.py", "%2E%2E"])
def test_unknown_asset_is_404_json(client: Client, name: str) -> None:
    response = client.get(f"/_sandbox/assets/{name}")
    assert response.status_code == 404
    assert response.is_json
    assert response.json["status"] == 404


def test_page_is_self_contained(client: Client) -> None:
    """No CDN, no remote font: every URL the page and its assets name is on this server."""
    for path in ("/_sandbox/", "/_sandbox/assets/inbox.js", "/_sandbox/assets/inbox.css"):
        assert not re.search(rb"https?://", client.get(path).data), path
    assert "default-src 'none'" in client.get("/_sandbox/").headers["Content-Security-Policy"]


def test_page_needs_no_token_but_the_api_does() -> None:
    client = new_client(admin_token="s3cret")
    assert client.get("/_sandbox/").status_code == 200
    assert client.get("/_sandbox/assets/inbox.js").status_code == 200
    assert client.get("/_sandbox/messages").status_code == 401


def test_the_docs_page_is_self_contained_html(client: Client) -> None:
    response = client.get("/_sandbox/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    for path in ("/_sandbox/docs", "/_sandbox/assets/docs.js", "/_sandbox/assets/docs.css"):
        answer = client.get(path)
        assert answer.status_code == 200 and not re.search(rb"https?://", answer.data), path
    assert b'data-spec="openapi.json"' in response.data
