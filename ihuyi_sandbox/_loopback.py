"""Reaching a sandbox on this machine over HTTP, with urllib, never through a proxy.

urllib takes ``http_proxy`` from the environment and sends every request there, loopback ones
included, unless ``no_proxy`` names the host (few set it): on a corporate machine or a CI runner a
sandbox on 127.0.0.1 would be asked for through a proxy that cannot reach it, or should not.
Standard library only: the client side (``testing.py``) imports it as well as the server.
"""

from __future__ import annotations

import ipaddress
import ssl
import urllib.parse
import urllib.request
from collections.abc import Iterable


def is_loopback(host: str) -> bool:
    """``localhost`` (``localhost.`` too) or a loopback address: an IPv6 one with or without
    brackets, an IPv4-mapped one (``::ffff:127.0.0.1``, which Python does not count as loopback)."""
    host = host.strip("[]").lower()
    if host in ("localhost", "localhost."):
        return True
    address = _address(host)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address is not None and address.is_loopback


def is_this_machine(host: str) -> bool:
    """Loopback, or the unspecified address (``0.0.0.0``, ``::``), which connects here too."""
    address = _address(host.strip("[]"))
    return is_loopback(host) or (address is not None and address.is_unspecified)


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def opener(url: str, *, redirects: bool = True,
           handlers: Iterable[urllib.request.BaseHandler] = ()) -> urllib.request.OpenerDirector:
    """An opener for ``url``: direct to this machine (loopback, or the unspecified address,
    which connects here), through the environment's proxies anywhere else. Without
    ``redirects``, a 3xx answer is raised as :class:`urllib.error.HTTPError`, not followed.
    ``handlers`` are added (or replace the default ones they subclass)."""
    host = urllib.parse.urlsplit(url).hostname or ""
    chosen = [*handlers]
    if is_this_machine(host):
        chosen.append(urllib.request.ProxyHandler({}))
    if not redirects:
        chosen.append(_NoRedirects())
    return urllib.request.build_opener(*chosen)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the default error handler then raises the 3xx as an HTTPError


def own_certificate() -> urllib.request.HTTPSHandler:
    """HTTPS without checking the certificate: for a sandbox asking itself (or its container's
    health check asking it) whether it is up, where the certificate is its own, whoever signed it."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return urllib.request.HTTPSHandler(context=context)
