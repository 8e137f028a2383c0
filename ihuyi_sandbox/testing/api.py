"""A client of a sandbox's own ``/_sandbox/`` API: what was sent, scenarios, reset."""

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
    """A client of a sandbox's own API: what was sent, scenarios, reset."""

    def __init__(self, url: str, *, admin_token: str | None = None, account: str = DEMO_APIID,
                 apikey: str = DEMO_APIKEY) -> None:
        self.url = url.rstrip("/")
        self._opener = opener(self.url)
        self.admin_token = admin_token
        self.account = account
        self.apikey = apikey

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

    def latest_code(self, mobile: str, *, wait: float = 5.0, since: float | None = None) -> str:
        """The last code delivered to ``mobile`` (after ``since``, Unix seconds), waiting up to
        ``wait`` seconds for one to arrive; :class:`SandboxError` if none does."""
        params = {"mobile": mobile, "wait": f"{wait:g}"}
        if since is not None:
            params["since"] = repr(since)
        return self.call("GET", "/_sandbox/messages/latest?" + urllib.parse.urlencode(params))["code"]

    def messages(self, **filters: Any) -> list[dict[str, Any]]:
        """Delivered calls, newest first (filters: mobile, account, since, before, after, limit)."""
        return self.call("GET", "/_sandbox/messages" + _query(filters))["messages"]

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """Answered requests, newest first (filters: code, method, account, mobile, since, limit…)."""
        return self.call("GET", "/_sandbox/requests" + _query(filters))["requests"]

    def receipts(self, **filters: Any) -> list[dict[str, Any]]:
        """Delivery receipts, newest first, with every attempt (filters: voiceid, account, status)."""
        return self.call("GET", "/_sandbox/receipts" + _query(filters))["receipts"]

    def flush_receipts(self) -> int:
        """Make every pending receipt due now; how many were."""
        return self.call("POST", "/_sandbox/receipts/flush")["scheduled"]

    def use_scenario(self, name_or_toml: str) -> dict[str, Any]:
        """Switch to a TOML text, a local file's (a path ending in ``.toml`` that exists here: it is
        sent as text, since the server loads no file it is named), or a scenario the server knows
        by name (shipped, or in its ``--scenarios-dir``), from its start."""
        body: Any = name_or_toml if "\n" in name_or_toml or "=" in name_or_toml else {"name": name_or_toml}
        if isinstance(body, dict) and name_or_toml.endswith(".toml") and os.path.isfile(name_or_toml):
            with open(name_or_toml, encoding="utf-8") as file:
                body = file.read()
        return self.call("PUT", "/_sandbox/scenario", body)["active"]

    def reset(self) -> None:
        self.call("POST", "/_sandbox/reset")

    def get_account(self, apiid: str | None = None) -> dict[str, Any]:
        """An account as the sandbox holds it now (default: this handle's)."""
        return self.call("GET", f"/_sandbox/accounts/{apiid or self.account}")


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
