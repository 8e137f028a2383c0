"""``python -m ihuyi_sandbox``: the ``ihuyi-sandbox`` command."""

import sys

from .server.cli import main

sys.exit(main())
