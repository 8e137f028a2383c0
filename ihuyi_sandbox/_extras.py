"""Whether the sandbox server (the ``server`` extra) is installed, and, when not, a one-line answer
naming what to install; standard library only, imports nothing of the package.

The client needs nothing but the standard library, so ``pip install ihuyi-sandbox`` brings no
server; the ``ihuyi-sandbox`` command and the pytest plugin, installed with it all the same, ask
here first and say what is missing instead of failing on an import.
"""

from __future__ import annotations

import importlib.util

#: the modules the server imports, each with the distribution that provides it
SERVER_MODULES = {"flask": "Flask", "werkzeug": "Werkzeug", "granian": "granian", "re2": "google-re2"}
INSTALL_SERVER = "pip install 'ihuyi-sandbox[server]'"


def server_missing(what: str) -> str | None:
    """Why ``what`` cannot run here (the server's distributions that are not installed, and the
    command that installs them); ``None`` when the server is installed."""
    absent = [dist for module, dist in SERVER_MODULES.items() if importlib.util.find_spec(module) is None]
    if not absent:
        return None
    return (f"{what} needs the sandbox server, which is not installed here ({', '.join(absent)} missing); "
            f"install it with: {INSTALL_SERVER}")
