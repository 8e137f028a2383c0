"""``ihuyi-sandbox health``: exit 0 when a sandbox answers its health check, 1 (the reason on
standard error) when not: a container's ``HEALTHCHECK``, which must find the port serve was given
however it was given (``serve --url-file`` writes the URL) and must not go through a proxy."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.parse
from collections.abc import Callable
from typing import Any

from .._loopback import is_loopback, is_this_machine, opener, own_certificate
from .environment import unreadable


def add_command(commands: Any, seconds: Callable[[str], float]) -> argparse.ArgumentParser:
    """Add ``health`` to the command's subparsers; its parser (``seconds`` reads ``--timeout``)."""
    health = commands.add_parser("health", help="exit 0 if a sandbox answers its health check, else 1 "
                                                "(a container's HEALTHCHECK)")
    health.add_argument("--url", help="the sandbox's base URL (default: the one in --url-file)")
    health.add_argument("--url-file", metavar="FILE", help="the file `serve --url-file` wrote its URL to")
    health.add_argument("--timeout", type=seconds, default=3.0, metavar="SECONDS",
                        help="seconds to wait for the answer (default: %(default)g)")
    health.set_defaults(run=_health)
    return health


def _health(args: argparse.Namespace) -> int:
    """GET /_sandbox/health of the sandbox at ``--url`` (or the URL ``--url-file`` holds), direct
    (never through a proxy: it is on this machine), its certificate unchecked (its own)."""
    bad = unreadable(args)
    if bad:
        print(f"ihuyi-sandbox health: {bad}", file=sys.stderr)
        return 2
    url = args.url
    if not url:
        if not args.url_file:
            print("ihuyi-sandbox health: give --url URL, or --url-file FILE written by `serve --url-file`",
                  file=sys.stderr)
            return 2
        try:
            with open(args.url_file, encoding="utf-8") as file:
                url = file.read().strip()
        except OSError as error:
            print(f"unhealthy: no URL in {args.url_file} ({error.strerror or error}): is the sandbox started?",
                  file=sys.stderr)
            return 1
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if is_this_machine(host) and not is_loopback(host):  # bound to every address: ask loopback
        loopback = "[::1]" if ":" in host else "127.0.0.1"
        parts = parts._replace(netloc=f"{loopback}:{parts.port}" if parts.port else loopback)
    health = f"{urllib.parse.urlunsplit(parts).rstrip('/')}/_sandbox/health"
    try:
        with opener(health, handlers=[own_certificate()]).open(health, timeout=args.timeout) as answer:
            status = json.load(answer).get("status")
    except urllib.error.HTTPError as error:  # the sandbox's own reason, e.g. its database is down
        print(f"unhealthy: {health}: {error.code} {_reason(error)}", file=sys.stderr)
        return 1
    except (OSError, ValueError, AttributeError) as error:
        print(f"unhealthy: {health}: {getattr(error, 'reason', None) or error}", file=sys.stderr)
        return 1
    if status != "ok":
        print(f"unhealthy: {health} answered status {status!r}", file=sys.stderr)
        return 1
    print(f"healthy: {health}")
    return 0


def _reason(error: urllib.error.HTTPError) -> str:
    """The ``error`` of a JSON error answer, else the status's name."""
    try:
        return str(json.loads(error.read(4096))["error"])
    except (OSError, ValueError, KeyError, TypeError):
        return str(error.reason)
