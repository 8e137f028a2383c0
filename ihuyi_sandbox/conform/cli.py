"""The ``conform`` subcommand of ``ihuyi-sandbox``: its options, and its exit statuses (0 no
difference, 1 a difference, 2 a run that could not be made)."""

from __future__ import annotations

import argparse
import os
import sys

from .run import ConformError, Options, run

#: the upstream's key may come from the environment, so that it is not in the shell's history
APIKEY_ENV = "IHUYI_APIKEY"


def add_command(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    conform = commands.add_parser(
        "conform", help="compare the answers of the real service (or any upstream) with the sandbox's",
        description="Send a fixed set of probes (by default only requests refused without charge, and GetNum) "
                    "to the upstream and to a sandbox, and print every difference. Exit 0: none; 1: some; 2: "
                    "the run could not be made.")
    conform.add_argument("--upstream", required=True, metavar="URL",
                         help="the service to check, e.g. http://api.voice.ihuyi.com")
    conform.add_argument("--account", required=True, metavar="APIID", help="the upstream account's APIID")
    conform.add_argument("--apikey", default=os.environ.get(APIKEY_ENV), metavar="KEY",
                         help=f"its APIKEY (default: ${APIKEY_ENV}); never printed nor saved")
    conform.add_argument("--product", help="the product probed (default: the one the APIID's prefix names)")
    conform.add_argument("--sandbox", metavar="URL",
                         help="a sandbox running elsewhere (default: one in this process, on a throw-away database)")
    conform.add_argument("--scenario", default="default",
                         help="the in-process sandbox's scenario, a shipped name or a file; the base of "
                              "--write-scenario (default: %(default)s)")
    conform.add_argument("--path", action="append", default=[], dest="paths", metavar="PATH",
                         help="probe only this path of the product (repeatable; default: all of its paths)")
    conform.add_argument("--timeout", type=_seconds, default=10.0, metavar="SECONDS",
                         help="the most one request may take, whole (default: %(default)g)")
    conform.add_argument("--mobile", help="the number the charged probes go to (and the refused ones name)")
    conform.add_argument("--allow-charged-probes", type=int, default=0, metavar="N",
                         help="send at most N probes that may place a call or send a message (to --mobile)")
    conform.add_argument("--write-scenario", metavar="FILE",
                         help="write the scenario whose settings make the sandbox answer as the upstream did")
    conform.add_argument("--save", metavar="DIR", help="keep each probe's request and both answers as files")
    conform.set_defaults(run=_conform)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 600, got {text}")
    return value


def _conform(args: argparse.Namespace) -> int:
    if not args.apikey:
        print(f"ihuyi-sandbox conform: give the upstream's key with --apikey or ${APIKEY_ENV}", file=sys.stderr)
        return 2
    options = Options(upstream=args.upstream, account=args.account, apikey=args.apikey, product=args.product,
                      sandbox=args.sandbox, scenario=args.scenario, timeout=args.timeout, mobile=args.mobile,
                      allow_charged_probes=args.allow_charged_probes, paths=tuple(args.paths),
                      write_scenario=args.write_scenario, save=args.save)
    try:
        return run(options)
    except (ConformError, ValueError, OSError) as error:
        print(f"ihuyi-sandbox conform: {error}", file=sys.stderr)
        return 2
