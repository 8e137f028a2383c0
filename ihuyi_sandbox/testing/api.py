"""A client of a sandbox's own ``/_sandbox/`` API: what was sent (every product's), pushes,
replies, templates, scenarios, reset."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from .._exceptions import SandboxError
from .._loopback import opener
from ..service.records import DEMO_APIID, DEMO_APIKEY


class SandboxAPI:
    """A client of a sandbox's own API: what was sent, scenarios, reset. With ``workspace``, of
    that workspace's (:meth:`create_workspace` makes one); ``admin_token`` is then the admin's
    token or the workspace's own."""

    def __init__(self, url: str, *, admin_token: str | None = None, account: str = DEMO_APIID,
                 apikey: str = DEMO_APIKEY, workspace: str | None = None) -> None:
        self.url = url.rstrip("/")
        self._opener = opener(self.url)
        self.admin_token = admin_token
        self.account = account
        self.apikey = apikey
        self.workspace = workspace
        #: where this handle's calls go: ``/_sandbox`` or a workspace's ``/_sandbox/workspaces/<id>``
        self.base = "/_sandbox" if workspace is None else f"/_sandbox/workspaces/{workspace}"

    # -- workspaces -------------------------------------------------------------------------------
    def create_workspace(self, scenario: str | None = None) -> "SandboxAPI":
        """A new workspace, on the sandbox's active scenario or ``scenario`` (a name the server
        knows, a TOML text, or a local ``.toml`` file's path), and a handle on it: its ``account``
        the workspace's in place of this handle's, its token (when the sandbox has an admin token)
        the one it uses. The workspace's accounts are in :attr:`accounts`."""
        body: dict[str, str] = {}
        if scenario is not None:
            text = _scenario_text(scenario)
            body = {"scenario": scenario} if text is None else {"toml": text}
        made = self.call("POST", "/_sandbox/workspaces", body)
        apiids = made["apiids"]
        account = apiids.get(self.account) or next(iter(apiids.values()), self.account)
        apikey = next((a["apikey"] for a in made["accounts"] if a["apiid"] == account), self.apikey)
        return SandboxAPI(self.url, admin_token=made.get("token", self.admin_token), account=account, apikey=apikey,
                          workspace=made["id"])

    def workspaces(self) -> list[dict[str, Any]]:
        """The sandbox's workspaces (the admin's call)."""
        return self.call("GET", "/_sandbox/workspaces")["workspaces"]

    def delete_workspace(self, workspace: str | None = None) -> None:
        """Remove a workspace (default: this handle's) and everything in it."""
        target = workspace or self.workspace
        if target is None:
            raise SandboxError("this handle is on the sandbox's own state, no workspace: name the one to delete")
        self.call("DELETE", f"/_sandbox/workspaces/{target}")

    @property
    def accounts(self) -> list[dict[str, Any]]:
        """The accounts as the sandbox (or this handle's workspace) holds them now."""
        return self.call("GET", self.base + "/accounts")["accounts"]

    def call(self, method: str, path: str, body: Any = None, *, timeout: float = 70) -> Any:
        """One JSON call; a refusal raises :class:`SandboxError` with the sandbox's reason."""
        headers = {"Accept": "application/json"}
        data = None
        if isinstance(body, str):
            data, headers["Content-Type"] = body.encode(), "application/toml"
        elif body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        if self.admin_token:
            headers["Authorization"] = f"Bearer {self.admin_token}"
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with self._opener.open(request, timeout=timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            try:
                reason = json.loads(error.read())
            except ValueError:
                reason = {"error": error.reason}
            raise SandboxError(f"{method} {path}: HTTP {error.code}: {reason.get('error')}"
                               + "".join(f"\n  {p}" for p in reason.get("problems", []))) from None
        except (urllib.error.URLError, OSError) as error:  # no answer at all
            raise SandboxError(f"{method} {path}: no answer from the sandbox at {self.url}: "
                               f"{getattr(error, 'reason', error)}") from None

    def latest_code(self, mobile: str, *, wait: float = 5.0, since: float | None = None,
                    product: str | None = None) -> str | None:
        """The verification code in the last message delivered to ``mobile`` (of ``product``, after
        ``since``, Unix seconds), waiting up to ``wait`` seconds for one to arrive;
        :class:`SandboxError` if none does. For voice, the digits read out; for a text, the
        variable of a built-in template it fills, else its first run of 4 to 8 digits, else ``None``."""
        return self.latest_message(mobile, wait=wait, since=since, product=product)["code"]

    def latest_message(self, mobile: str, *, wait: float = 5.0, since: float | None = None,
                       product: str | None = None) -> dict[str, Any]:
        """The last message delivered to ``mobile``, as :meth:`latest_code` finds it: ``content``
        (the whole text), ``code``, ``product``, ``account``…"""
        params = {"mobile": mobile, "wait": f"{wait:g}", "product": product,
                  "since": None if since is None else repr(since)}
        return self.call("GET", self.base + "/messages/latest" + _query(params))

    def messages(self, **filters: Any) -> list[dict[str, Any]]:
        """Delivered messages, newest first (filters: mobile, account, product, since, before, after, limit)."""
        return self.call("GET", self.base + "/messages" + _query(filters))["messages"]

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """Answered requests, newest first (filters: code, method, account, mobile, product, since, limit…)."""
        return self.call("GET", self.base + "/requests" + _query(filters))["requests"]

    def products(self) -> list[dict[str, Any]]:
        """The products the sandbox answers for: paths, selector, hosts, APIID prefixes, methods, outcomes."""
        return self.call("GET", self.base + "/products")["products"]

    def receipts(self, **filters: Any) -> list[dict[str, Any]]:
        """Pushes (delivery receipts, replies, template reviews), newest first, with every attempt
        (filters: kind, voiceid, account, status, limit)."""
        return self.call("GET", self.base + "/receipts" + _query(filters))["receipts"]

    def flush_receipts(self) -> int:
        """Make every pending push due now; how many were."""
        return self.call("POST", self.base + "/receipts/flush")["scheduled"]

    def reply(self, mobile: str, content: str, *, account: str | None = None) -> dict[str, Any]:
        """A handset's reply (上行回复) from ``mobile`` to the account (default: this handle's):
        recorded, and pushed to its ``reply_url``; the reply, with ``push`` (the push's id or ``None``)."""
        return self.call("POST", self.base + "/replies", {"account": account or self.account, "mobile": mobile,
                                                       "content": content})

    def replies(self, **filters: Any) -> list[dict[str, Any]]:
        """Handset replies, newest first (filters: account, mobile, limit)."""
        return self.call("GET", self.base + "/replies" + _query(filters))["replies"]

    def templates(self, **filters: Any) -> list[dict[str, Any]]:
        """The accounts' own templates, oldest first (filters: account, product, status)."""
        return self.call("GET", self.base + "/templates" + _query(filters))["templates"]

    def add_template(self, product: str, content: str, *, account: str | None = None,
                     status: str = "approved") -> dict[str, Any]:
        """Give the account (default: this handle's) a template of ``product``: ``approved`` (usable
        at once), ``pending`` (reviewed after the scenario's ``template_review_seconds``) or ``rejected``."""
        return self.call("POST", self.base + "/templates", {"account": account or self.account, "product": product,
                                                         "content": content, "status": status})

    def review_template(self, template_id: int, status: str, reason: str | None = None) -> dict[str, Any]:
        """Approve (``approved``) or reject (``rejected``, with a reason) a pending template; the review
        is pushed to its account's ``reply_url``."""
        body = {"status": status} if reason is None else {"status": status, "reason": reason}
        return self.call("PATCH", self.base + f"/templates/{template_id}", body)

    def use_scenario(self, name_or_toml: str) -> dict[str, Any]:
        """Switch to a TOML text, a local file's (a path ending in ``.toml`` that exists here: it is
        sent as text, since the server loads no file it is named), or a scenario the server knows
        by name (shipped, or in its ``--scenarios-dir``), from its start."""
        text = _scenario_text(name_or_toml)
        body: Any = {"name": name_or_toml} if text is None else text
        return self.call("PUT", self.base + "/scenario", body)["active"]

    def reset(self) -> None:
        self.call("POST", self.base + "/reset")

    def get_account(self, apiid: str | None = None) -> dict[str, Any]:
        """An account as the sandbox holds it now (default: this handle's)."""
        return self.call("GET", self.base + f"/accounts/{apiid or self.account}")


def _scenario_text(name_or_toml: str) -> str | None:
    """The TOML text ``name_or_toml`` is or names (a local ``.toml`` file), ``None`` for a name
    the server knows."""
    if "\n" in name_or_toml or "=" in name_or_toml:
        return name_or_toml
    if name_or_toml.endswith(".toml") and os.path.isfile(name_or_toml):
        with open(name_or_toml, encoding="utf-8") as file:
            return file.read()
    return None


def _query(filters: Mapping[str, Any]) -> str:
    given = {k: v for k, v in filters.items() if v is not None}
    return "?" + urllib.parse.urlencode(given) if given else ""


def wait_until(condition: Any, seconds: float = 10, interval: float = 0.1) -> bool:
    """Poll ``condition()`` until it is true or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
