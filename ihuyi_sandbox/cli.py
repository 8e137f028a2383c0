"""The ``ihuyi-sandbox`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from .config import Config, default_db_path


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.run(args) or 0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ihuyi-sandbox",
                                     description="A local sandbox of the ihuyi voice verification-code API.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the sandbox server")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8080, help="port to bind, 0 for any free one (default: %(default)s)")
    serve.add_argument("--db", default=None, help=f"SQLite file holding the state (default: {default_db_path()})")
    serve.add_argument("--workers", type=_positive, default=2, help="worker processes (default: %(default)s)")
    serve.add_argument("--threads", type=_positive, default=4, help="threads per worker (default: %(default)s)")
    serve.add_argument("--access-log", action="store_true", help="log every request to standard output")
    serve.set_defaults(run=_serve)
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def _serve(args: argparse.Namespace) -> int:
    from .app import backend_of, create_app
    from .server import serve

    config = Config(db=args.db or default_db_path())
    if config.db == ":memory:" and args.workers > 1:
        print("ihuyi-sandbox: --db :memory: cannot be shared by several workers; use --workers 1 or a file",
              file=sys.stderr)
        return 2
    app = create_app(config)
    storage = backend_of(app).storage
    accounts = config.seed.accounts

    def banner(url: str) -> str:
        lines = [f"ihuyi-sandbox {__version__} listening on {url}",
                 f"  provider API  {url}/webservice/voice.php?method=Submit",
                 f"  health        {url}/_sandbox/health",
                 f"  database      {storage.path}"]
        lines += [f"  account       APIID {a.apiid}  APIKEY {a.apikey}  (seed balance {a.balance})" for a in accounts]
        return "\n".join(lines)

    storage.close()  # the workers open their own connections after the fork
    serve(app, host=args.host, port=args.port, workers=args.workers, threads=args.threads,
          banner=banner, access_log=args.access_log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
