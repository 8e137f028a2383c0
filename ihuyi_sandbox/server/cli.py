"""The ``ihuyi-sandbox`` command."""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import shutil
import socket
import sqlite3
import ssl
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

from .. import __version__
from .._banner import BANNER_END
from .._exceptions import PortUnavailable, ScenarioError, StoreRefused, StoreUnavailable
from .._loopback import is_loopback, opener
from ..api.config import Config, default_db_path
from ..client.cli import add_commands
from ..conform.cli import add_command as add_conform
from ..service.products import prefix_owner, routes
from ..service.receipts import ReceiptPolicy
from ..service.records import MAX_INTEGER, MAX_WORKSPACES, Account, Retention
from ..storage import masked
from ..service.scenarios import load_file, scenario_names, shipped_dir
from ..service.workspaces import WorkspacePolicy
from .environment import read_environment, unreadable
from .health import add_command as add_health

if TYPE_CHECKING:
    from .serve import TLS


#: the banner's last line: once it is printed, the server is up and has said everything


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.run(args) or 0)


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error said in one line (the usage itself is one --help away)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ihuyi-sandbox",
                                     description="A local sandbox of the ihuyi (互亿无线) messaging APIs.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the sandbox server")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    serve.add_argument("--port", type=_port, default=8080, help="port to bind, 0 for any free one (default: %(default)s)")
    serve.add_argument("--db", default=None,
                       help="SQLite file holding the state (:memory: for a throw-away one, removed when the "
                            "server stops), or postgresql://USER@HOST:PORT/DBNAME to share one state among "
                            f"several instances (default: {default_db_path()})")
    serve.add_argument("--db-pool", type=_count(1000), default=None, metavar="N",
                       help="with PostgreSQL: the most connections each worker opens per store (default: 8)")
    serve.add_argument("--workers", type=_count(64), default=1,
                       help="worker processes; one event loop answers thousands of calls a second, and "
                            "SQLite takes one writer at a time, so more workers take turns on its lock "
                            "(bench/RESULTS.md) (default: %(default)s)")
    serve.add_argument("--threads", type=_count(1024), default=32,
                       help="most threads per worker for the sandbox API and the inbox, started as needed; "
                            "the provider API runs on the worker's event loop (default: %(default)s)")
    serve.add_argument("--scenario", default="default",
                       help="a shipped scenario's name or a TOML file's path (default: %(default)s)")
    serve.add_argument("--scenarios-dir", metavar="DIR",
                       help="a directory whose .toml files PUT /_sandbox/scenario may load by name, besides "
                            "the shipped scenarios; no other file is")
    serve.add_argument("--fresh", action="store_true",
                       help="start from the scenario's state even if the database holds a previous run's")
    serve.add_argument("--admin-token", help="require 'Authorization: Bearer TOKEN' on /_sandbox/ calls")
    serve.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                       help="a Host name the sandbox API and the inbox answer besides loopback names, IP "
                            "addresses and --host ('*' for any; repeatable)")
    serve.add_argument("--receipt-host", action="append", default=[], metavar="HOST",
                       help="a host besides loopback that delivery receipts may be sent to (repeatable)")
    serve.add_argument("--allow-any-receipt-host", action="store_true",
                       help="let accounts send delivery receipts to any host")
    serve.add_argument("--keep-requests", type=_count(MAX_INTEGER), default=Retention.max_rows, metavar="N",
                       help="keep the newest N requests and deliveries in the journal and inbox (default: %(default)s)")
    serve.add_argument("--keep-days", type=_span(36500), default=Retention.max_age_seconds / 86400, metavar="DAYS",
                       help="forget requests and deliveries older than this (default: %(default)g)")
    serve.add_argument("--idle-timeout", type=_span(86400), default=Config.idle_timeout, metavar="SECONDS",
                       help="close a connection that has not sent a whole request head this long after it "
                            "opened or after the previous answer (default: %(default)g)")
    serve.add_argument("--body-timeout", type=_span(86400), default=Config.body_timeout, metavar="SECONDS",
                       help="answer 408 to a request whose body has not arrived this long after its head "
                            "(default: %(default)g)")
    serve.add_argument("--workspace-idle", type=_span(365 * 86400), default=WorkspacePolicy.idle_seconds,
                       metavar="SECONDS", help="remove a workspace unused for this long (default: %(default)g)")
    serve.add_argument("--max-workspaces", type=_count(MAX_WORKSPACES), default=WorkspacePolicy.max_workspaces, metavar="N",
                       help="the most workspaces at once (default: %(default)s)")
    serve.add_argument("--access-log", action="store_true", help="log every request to standard output")
    serve.add_argument("--tls-cert", metavar="FILE",
                       help="serve HTTPS with this PEM certificate (its chain after it); needs --tls-key")
    serve.add_argument("--tls-key", metavar="FILE", help="the certificate's private key, PEM, not encrypted")
    serve.add_argument("--url-file", metavar="FILE",
                       help="write the URL served to FILE as the server starts (for `ihuyi-sandbox health`, "
                            "or a script that gave --port 0)")
    serve.set_defaults(run=_serve)
    read_environment(serve)
    read_environment(add_health(commands, seconds=_span(3600)))

    workspaces = commands.add_parser("workspaces", help="create, list or delete the workspaces of a running sandbox")
    workspace_commands = workspaces.add_subparsers(title="workspace commands", required=True, metavar="COMMAND")
    for name, help_text in (("create", "a new workspace; prints it as JSON, with its accounts (and token)"),
                            ("list", "the workspaces, as JSON"), ("delete", "remove a workspace and all in it")):
        command = workspace_commands.add_parser(name, help=help_text)
        command.add_argument("--url", default=os.environ.get("IHUYI_SANDBOX_URL", "http://127.0.0.1:8080"),
                             help="the sandbox (default: $IHUYI_SANDBOX_URL, else %(default)s)")
        command.add_argument("--token", default=os.environ.get("IHUYI_SANDBOX_ADMIN_TOKEN"),
                             help="its admin token, or a workspace's for delete (default: $IHUYI_SANDBOX_ADMIN_TOKEN)")
        if name == "create":
            command.add_argument("--scenario", help="a scenario the sandbox knows by name (default: its active one)")
            command.add_argument("--toml", metavar="FILE", help="a local scenario file to send instead")
        if name == "delete":
            command.add_argument("id", help="the workspace's id")
        command.set_defaults(run=_workspaces, action=name)

    scenarios = commands.add_parser("scenarios", help="list or check scenario files")
    scenario_commands = scenarios.add_subparsers(title="scenario commands", required=True, metavar="COMMAND")
    listing = scenario_commands.add_parser("list", help="the shipped scenarios, with their descriptions")
    listing.set_defaults(run=_scenarios_list)
    check = scenario_commands.add_parser("check", help="validate scenario files; exit 1 listing every error")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.set_defaults(run=_scenarios_check)
    add_commands(commands)
    add_conform(commands)
    return parser


def _workspaces(args: argparse.Namespace) -> int:
    """One call of ``/_sandbox/workspaces``, its answer printed as JSON."""
    method, path, body = {"create": ("POST", "", {}), "list": ("GET", "", None),
                          "delete": ("DELETE", f"/{getattr(args, 'id', '')}", None)}[args.action]
    if args.action == "create":
        if args.scenario and args.toml:
            print("ihuyi-sandbox: give --scenario or --toml, not both", file=sys.stderr)
            return 2
        if args.scenario:
            body = {"scenario": args.scenario}
        elif args.toml:
            try:
                body = {"toml": open(args.toml, encoding="utf-8").read()}
            except OSError as error:
                print(f"ihuyi-sandbox: --toml {args.toml}: {error.strerror}", file=sys.stderr)
                return 2
    url = args.url.rstrip("/")
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    if args.token:
        headers["Authorization"] = f"Bearer {args.token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{url}/_sandbox/workspaces{path}", data=data, method=method, headers=headers)
    try:
        with opener(url).open(request, timeout=30) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            reason = json.loads(error.read()).get("error", error.reason)
        except ValueError:
            reason = error.reason
        print(f"ihuyi-sandbox: {method} {url}/_sandbox/workspaces{path}: HTTP {error.code}: {reason}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError) as error:
        print(f"ihuyi-sandbox: no answer from the sandbox at {url}: {getattr(error, 'reason', error)}", file=sys.stderr)
        return 1
    print(json.dumps(answer, ensure_ascii=False, indent=2))
    return 0


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None


def _count(most: int) -> Callable[[str], int]:
    """A whole number from 1 to ``most``, for argparse."""
    def count(text: str) -> int:
        value = _integer(text)
        if not 1 <= value <= most:
            raise argparse.ArgumentTypeError(f"must be from 1 to {most}, got {value}")
        return value
    return count


def _port(text: str) -> int:
    value = _integer(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port from 1 to 65535, or 0 for any free one, got {value}")
    return value


def _span(most: float) -> Callable[[str], float]:
    """A number more than 0 and at most ``most``, for argparse."""
    def span(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
        if not 0 < value <= most:
            raise argparse.ArgumentTypeError(f"must be more than 0 and at most {most:g}, got {text}")
        return value
    return span


def _address(host: str) -> str:
    """The IP address to bind for ``--host`` (an address, or a name such as ``localhost``)."""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise argparse.ArgumentTypeError(f"--host {host!r} is neither an IP address nor a name this machine "
                                         f"resolves ({error})") from None
    # a name of both families (localhost) binds its IPv4 address, as most clients try that first
    return sorted(found, key=lambda info: info[0] != socket.AF_INET)[0][4][0]


def _serve(args: argparse.Namespace) -> int:
    bad = unreadable(args)
    if bad:
        print(f"ihuyi-sandbox: {bad}", file=sys.stderr)
        return 2
    db = args.db or default_db_path()
    if db == ":memory:":  # the workers are processes of their own: a throw-away file they share instead
        throwaway = tempfile.mkdtemp(prefix="ihuyi-sandbox-")
        try:
            return _serve_on(args, os.path.join(throwaway, "sandbox.db"))
        finally:
            shutil.rmtree(throwaway, ignore_errors=True)
    return _serve_on(args, db)


def _serve_on(args: argparse.Namespace, db: str) -> int:
    from ..api.app import backend_of, create_app
    from .serve import claim_port, serve, served_url, write_url

    try:
        scenario = load_file(args.scenario)
    except ScenarioError as error:
        print(f"ihuyi-sandbox: the scenario does not load:\n{error}", file=sys.stderr)
        return 2
    tls = _tls(args.tls_cert, args.tls_key)
    if isinstance(tls, str):
        print(f"ihuyi-sandbox: {tls}", file=sys.stderr)
        return 2
    if args.scenarios_dir and not os.path.isdir(args.scenarios_dir):
        print(f"ihuyi-sandbox: --scenarios-dir {args.scenarios_dir} is not a directory", file=sys.stderr)
        return 2
    # the address is claimed before the database is touched: a refusal leaves nothing behind
    try:
        host = _address(args.host)
        claim = claim_port(host, args.port)
    except (argparse.ArgumentTypeError, PortUnavailable) as error:
        print(f"ihuyi-sandbox: {error}", file=sys.stderr)
        return 2
    # receipts must not be sent to the sandbox itself: the policy learns where it listens
    policy = ReceiptPolicy(frozenset(h.lower() for h in args.receipt_host), args.allow_any_receipt_host,
                           served=(host, claim.port))
    config = Config(db=db, scenario=scenario, keep_state=not args.fresh, admin_token=args.admin_token,
                    scenarios_dir=args.scenarios_dir and os.path.abspath(args.scenarios_dir),
                    receipt_policy=policy, retention=Retention(args.keep_requests, args.keep_days * 86400),
                    idle_timeout=args.idle_timeout, body_timeout=args.body_timeout, db_pool=args.db_pool,
                    allowed_hosts=(*args.allowed_host, args.host, host),
                    workspaces=WorkspacePolicy(args.workspace_idle, args.max_workspaces))
    try:
        app = create_app(config)
    except ScenarioError as error:
        claim.close()
        print(f"ihuyi-sandbox: the scenario cannot be used:\n{error}", file=sys.stderr)
        return 2
    except (sqlite3.DatabaseError, OSError, StoreRefused, StoreUnavailable) as error:
        claim.close()
        print(f"ihuyi-sandbox: the database {masked(db)} cannot be used: {error}", file=sys.stderr)
        return 2
    if args.url_file:
        try:
            write_url(args.url_file, served_url(host, claim.port, tls))
        except OSError as error:
            claim.close()
            print(f"ihuyi-sandbox: --url-file {args.url_file} cannot be written: {error.strerror or error}",
                  file=sys.stderr)
            return 2
    warning = security_warning(host, args.admin_token)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    storage = backend_of(app).storage
    accounts = scenario.seed.accounts

    def banner(url: str) -> str:
        lines = [f"ihuyi-sandbox {__version__} listening on {url}"]
        lines += [f"  provider API  {url}{path}  ({', '.join(dict.fromkeys(p.name for p, _ in entries))})"
                  for path, entries in routes().items()]
        lines += [f"  health        {url}/_sandbox/health",
                  f"  inbox         {url}/_sandbox/" + ("  (admin token required)" if args.admin_token else ""),
                  f"  database      {storage.path}",
                  f"  scenario      {scenario.name}: {scenario.description}",
                  f"  workspaces    {url}/_sandbox/workspaces  (at most {args.max_workspaces}, each removed after "
                  f"{args.workspace_idle:g} s unused)"]
        width = max((len(a.apiid) for a in accounts), default=0)
        lines += [f"  account       APIID {a.apiid:{width}}  APIKEY {a.apikey}  ({account_products(a)}, "
                  f"seed balance {a.balance})" for a in accounts]
        lines.append(BANNER_END)
        return "\n".join(lines)

    storage.close()  # the workers open their own connections
    serve(config, host=host, claim=claim, workers=args.workers, threads=args.threads, banner=banner,
          access_log=args.access_log, tls=tls)
    return 0


def _tls(cert: str | None, key: str | None) -> TLS | None | str:
    """The certificate and key to serve HTTPS with, ``None`` for HTTP, or why they cannot serve."""
    from .serve import TLS

    if not cert and not key:
        return None
    if not (cert and key):
        return "--tls-cert and --tls-key go together: give both, or neither for plain HTTP"
    tls = TLS(cert, key)
    try:
        tls.check()
    except ssl.SSLError as error:
        return (f"--tls-cert {cert} with --tls-key {key} cannot serve HTTPS ({error.reason or error}): both "
                "must be PEM, the key not encrypted and the certificate's own")
    except OSError as error:
        return f"--tls-cert {cert} / --tls-key {key}: {error.strerror or error} ({error.filename or cert})"
    return tls


def account_products(account: Account) -> str:
    """What the banner says an account is for: its products, else its APIID prefix's, else any."""
    if account.products:
        return ", ".join(account.products)
    owner = prefix_owner(account.apiid)
    return owner.name if owner is not None else "any product"


def security_warning(host: str, admin_token: str | None) -> str | None:
    """The loud warning for a sandbox reachable beyond this machine with its API open to all."""
    if admin_token:
        return None
    if is_loopback(host):
        return None
    return (f"\n*** WARNING: ihuyi-sandbox listens on {host}, beyond this machine, WITHOUT an admin token:\n"
            "*** anyone who can reach it can read every code sent and change accounts and scenarios.\n"
            "*** Set --admin-token or IHUYI_SANDBOX_ADMIN_TOKEN.\n")


def _scenarios_list(args: argparse.Namespace) -> int:
    for name in scenario_names():
        try:
            description = load_file(name).description
        except ScenarioError as error:
            description = f"(does not load: {error.problems[0]})"
        print(f"{name:24} {description}")
    print(f"\n{len(scenario_names())} scenarios in {shipped_dir()}")
    return 0


def _scenarios_check(args: argparse.Namespace) -> int:
    failed = 0
    for file in args.files:
        try:
            scenario = load_file(file)
        except ScenarioError as error:
            failed += 1
            print(error, file=sys.stderr)
        else:
            print(f"{file}: ok ({scenario.name}, {len(scenario.rules)} rules, {len(scenario.seed.accounts)} accounts)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
