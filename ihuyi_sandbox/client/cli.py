"""``ihuyi-sandbox send`` and ``ihuyi-sandbox balance``: the client on the command line.

Exit codes: 0 success, 1 an ihuyi error or a transport error (printed to standard error with its
code and message), 2 a usage error such as a missing account or key.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from .._exceptions import IhuyiError, TransportError
from .voice import DEFAULT_URL, VoiceClient

T = TypeVar("T")


def add_commands(subparsers: Any) -> None:
    """Add ``send`` and ``balance`` to the ``ihuyi-sandbox`` command's subparsers (the object
    ``ArgumentParser.add_subparsers`` returns; argparse gives its class no public name)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--account", help="the APIID (default: $IHUYI_ACCOUNT)")
    common.add_argument("--apikey", help="the APIKEY (default: $IHUYI_APIKEY)")
    common.add_argument("--url", help=f"the service's base URL (default: $IHUYI_URL, else {DEFAULT_URL})")
    common.add_argument("--format", choices=("xml", "json"), default="xml", help="answer format (default: %(default)s)")
    common.add_argument("--dynamic-password", action="store_true",
                        help="sign with time + md5 instead of sending the APIKEY")
    common.add_argument("--timeout", type=_seconds, default=10.0, help="seconds to wait (default: %(default)s)")

    send = subparsers.add_parser("send", parents=[common], help="have a mobile called with a code read out")
    send.add_argument("--mobile", required=True, help="the mobile to call, 11 digits")
    send.add_argument("--code", required=True, help="the code read out, 4 to 6 digits")
    send.set_defaults(run=_send, command_parser=send)

    balance = subparsers.add_parser("balance", parents=[common], help="print the calls left on the account")
    balance.set_defaults(run=_balance, command_parser=balance)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def _client(args: argparse.Namespace) -> VoiceClient:
    """The client the options and environment describe; a usage error (exit 2) if incomplete."""
    account = args.account or os.environ.get("IHUYI_ACCOUNT", "")
    apikey = args.apikey or os.environ.get("IHUYI_APIKEY", "")
    url = args.url or os.environ.get("IHUYI_URL", "") or DEFAULT_URL
    parser: argparse.ArgumentParser = args.command_parser
    if not account:
        parser.error("no account: pass --account or set IHUYI_ACCOUNT")
    if not apikey:
        parser.error("no APIKEY: pass --apikey or set IHUYI_APIKEY")
    try:
        return VoiceClient(account, apikey, url, format=args.format, dynamic_password=args.dynamic_password,
                           timeout=args.timeout)
    except ValueError as error:
        parser.error(str(error))
        raise  # parser.error exits; this only tells type checkers so


def _send(args: argparse.Namespace) -> int:
    client = _client(args)
    return _report(lambda: client.send_code(args.mobile, args.code),
                   lambda result: f"sent: voice id {result.voiceid} (code {result.code} {result.message})")


def _balance(args: argparse.Namespace) -> int:
    client = _client(args)
    return _report(client.balance, lambda left: f"balance: {left}")


def _report(call: Callable[[], T], show: Callable[[T], str]) -> int:
    """Run ``call``; print its result shown plainly (exit 0) or its error on stderr (exit 1)."""
    try:
        result = call()
    except IhuyiError as error:
        print(f"error {error.code}: {error.message}", file=sys.stderr)
        return 1
    except TransportError as error:
        print(f"transport error: {error.message}", file=sys.stderr)
        return 1
    print(show(result))
    return 0
