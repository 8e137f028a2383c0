"""Which URLs delivery receipts may go to: the operator's policy, which the backend checks when a
scenario names receipt URLs and the dispatcher checks again before each attempt."""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

from .._loopback import is_loopback, is_this_machine


@dataclass(frozen=True)
class ReceiptPolicy:
    """Which receipt URLs the operator allows: loopback always, other hosts only if named at
    start (``--receipt-host``), or any with ``--allow-any-receipt-host``; never the sandbox
    itself, at ``served`` (host, port), whose own API a receipt would call (a reset, say)."""

    hosts: frozenset[str] = frozenset()
    allow_any: bool = False
    served: tuple[str, int] | None = None

    def refusal(self, url: str, name: str = "receipt URL") -> str | None:
        """Why receipts may not go to ``url``, or ``None`` if they may; ``name`` is what the
        reason calls the URL (a reply URL takes the same policy)."""
        parts = urllib.parse.urlsplit(url)
        host = (parts.hostname or "").lower()
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return f"{name} {url!r}: its port is not a number from 0 to 65535"
        if self._is_served(host, port):
            return (f"{name} {url!r} is the sandbox's own address: a receipt would be a call to its own "
                    f"API; point it at the integrator's receiver")
        if self.allow_any or host in self.hosts or is_loopback(host):
            return None
        if is_this_machine(host):
            return (f"{name} {url!r}: host {host!r} is the unspecified address, which is this machine; "
                    f"write 127.0.0.1 (or localhost) for a receiver here")
        return (f"{name} {url!r}: host {host!r} is neither loopback nor allowed; start the sandbox with "
                f"--receipt-host {host} (or --allow-any-receipt-host) to send receipts there")

    def _is_served(self, host: str, port: int) -> bool:
        if self.served is None or port != self.served[1]:
            return False
        if is_this_machine(host):
            return True
        bound, targets = _addresses(self.served[0]), _addresses(host)
        if any(ipaddress.ip_address(address).is_unspecified for address in bound):
            return any(_is_local(address) for address in targets)
        return any(is_this_machine(address) or address in bound for address in targets)


def _addresses(host: str) -> set[str]:
    """The addresses ``host`` names; none for a name that does not resolve (it reaches nobody)."""
    try:
        return {info[4][0] for info in socket.getaddrinfo(host.strip("[]"), None, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError):
        return set()


def _is_local(address: str) -> bool:
    """Whether ``address`` is one of this machine's: only those can be bound."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as probe:
            probe.bind((address, 0))
        return True
    except OSError:
        return False


def refusals(urls: Iterable[str], policy: ReceiptPolicy, name: str = "receipt URL") -> list[str]:
    return [reason for url in urls if url and (reason := policy.refusal(url, name))]
