"""Serving the app with gunicorn, a production WSGI server, from the ``serve`` command.

The app is built once in the arbiter (``preload_app``), so the database is created and seeded
before any worker exists; each worker then opens its own SQLite connections. SIGTERM stops
gracefully (workers finish the requests in hand); Ctrl-C stops at once. Either way nothing
acknowledged is lost, because every answer is committed before it is sent.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

from .app import start_dispatcher


class SandboxServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Flask, options: dict[str, Any], banner: Callable[[str], str]) -> None:
        self.application = app
        self.options = options
        self.banner = banner
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        self.cfg.set("when_ready", self._when_ready)
        self.cfg.set("post_worker_init", self._post_worker_init)

    def _post_worker_init(self, worker: Any) -> None:
        # every worker runs a receipt dispatcher; a lease in the store lets one send at a time
        start_dispatcher(self.application)

    def load(self) -> Flask:
        return self.application

    def _when_ready(self, arbiter: Arbiter) -> None:
        host, port = arbiter.LISTENERS[0].sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        print(self.banner(f"http://{shown}:{port}"), flush=True)


def serve(app: Flask, *, host: str, port: int, workers: int, threads: int,
          banner: Callable[[str], str], access_log: bool = False) -> None:
    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "preload_app": True,
        "graceful_timeout": 10,
        "timeout": 120,
        "keepalive": 5,
        "loglevel": "warning",
        "accesslog": "-" if access_log else None,
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
        "proc_name": "ihuyi-sandbox",
    }
    SandboxServer(app, options, banner).run()
    sys.exit(0)
