"""``python -m ihuyi_sandbox`` and the ``ihuyi-sandbox`` command: the server's command line, or,
in an install without the ``server`` extra, one line saying how to install it (exit status 1)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ._extras import server_missing


def main(argv: Sequence[str] | None = None) -> int:
    missing = server_missing("the ihuyi-sandbox command")
    if missing:
        print(f"ihuyi-sandbox: {missing}", file=sys.stderr)
        return 1
    from .server.cli import main as run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
