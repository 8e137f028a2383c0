"""Reaching a sandbox on this machine over HTTP, with urllib, never through a proxy.

urllib takes ``http_proxy`` from the environment and sends every request there, loopback ones
included, unless ``no_proxy`` names the host (few set it): on a corporate machine or a CI runner a
sandbox on 127.0.0.1 would be asked for through a proxy that cannot reach it, or should not.
Standard library only: the client side (``testing.py``) imports it as well as the server.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
import urllib.request


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (an IPv6 one with or without brackets)."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def opener(url: str, *, redirects: bool = True) -> urllib.request.OpenerDirector:
    """An opener for ``url``: direct to this machine (loopback, or the unspecified address,
    which connects here), through the environment's proxies anywhere else. Without
    ``redirects``, a 3xx answer is raised as :class:`urllib.error.HTTPError`, not followed."""
    host = urllib.parse.urlsplit(url).hostname or ""
    handlers: list[urllib.request.BaseHandler] = []
    if is_loopback(host) or _unspecified(host):
        handlers.append(urllib.request.ProxyHandler({}))
    if not redirects:
        handlers.append(_NoRedirects())
    return urllib.request.build_opener(*handlers)


def _unspecified(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the default error handler then raises the 3xx as an HTTPError
