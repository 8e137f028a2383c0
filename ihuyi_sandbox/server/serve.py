"""Serving the app with granian (a Rust HTTP server, RSGI mode) from the ``serve`` command.

Why granian: its HTTP layer is asynchronous Rust and its per-request cost a fraction of a
pure-Python server's (bench/RESULTS.md measures the candidates). Why its RSGI interface: the
provider API then runs on each worker's event loop, where the requests that arrive together are
handled and committed together and no thread waits on a slow client (see ``api/provider.py``),
at less cost per request than ASGI's (``api/bridge.py``); the sandbox API and the inbox, a Flask app,
run in a pool of threads beside it.

The arbiter (this process) creates and seeds the database before any worker exists; each worker
then builds its own app that joins the running state (``Config.attach``) and opens its own SQLite
connections. SIGTERM and Ctrl-C stop gracefully; every answer is committed before it is sent, so
nothing acknowledged is lost.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._exceptions import PortUnavailable
from .._loopback import opener
from ..api.config import Config
from ..service.products import receipt_form
from ..service.stores import Storage
from .dispatcher import Dispatcher, Source

if TYPE_CHECKING:
    from ..api.app import SandboxRSGI

#: the worker processes read their configuration from here
ENV = "IHUYI_SANDBOX_WORKER_CONFIG"
#: and the banner one of them prints once the server answers
BANNER_ENV = "IHUYI_SANDBOX_BANNER"
#: a client may send at most this much of request line and headers
MAX_HEADER_BYTES = 16 * 1024
#: how long a stopping worker may take over what is in flight: waits (long polls, latency and
#: hang faults) answer at once, and a request still arriving (a head or body being trickled)
#: must not hold the stop for the idle or body timeout (container runtimes kill after 10 s)
KILL_SECONDS = 1


@dataclass
class PortClaim:
    """A port this server has claimed (:func:`claim_port`), until :meth:`close`."""

    port: int
    lock: int  # the descriptor holding the port's lock file

    def close(self) -> None:
        os.close(self.lock)


def claim_port(host: str, port: int) -> PortClaim:
    """``host:port`` (any free port for 0), claimed for this server alone.

    granian's workers each bind the address with ``SO_REUSEPORT``, which lets a second server on
    the same port start and silently take part of the traffic. So a sandbox first takes the
    port's lock file (another sandbox on this machine holds it while it runs, however close
    together the two start), then binds the port without ``SO_REUSEPORT``, which fails if any
    other program listens there. (Port 0 cannot be handed to the workers: each would get a
    different port; the free port found here is what they bind.)
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(8):  # a free port another sandbox took between our look and our lock: look again
        try:
            chosen = _bind_free(family, host, port) if port == 0 else port
            lock = _lock_port(chosen)
            if lock is None:
                if port == 0:
                    continue
                raise OSError(errno.EADDRINUSE, "held by another sandbox")
            try:
                _bind_free(family, host, chosen)
            except BaseException:
                os.close(lock)
                raise
            return PortClaim(chosen, lock)
        except OSError as error:
            shown = port or "(any)"
            if error.errno == errno.EADDRINUSE:
                raise PortUnavailable(f"port {shown} on {host} is in use (another sandbox or program listens "
                                      "there); choose another --port, or 0 for any free one") from None
            raise PortUnavailable(f"cannot listen on {host} port {shown}: {error.strerror or error}") from None
    raise PortUnavailable(f"no free port on {host} could be claimed; name one with --port")


def _bind_free(family: int, host: str, port: int) -> int:
    """Bind ``host:port`` and let go (OSError if it cannot be bound): the port bound."""
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # SO_REUSEADDR: the connections of a server just stopped, left in TIME_WAIT, are no
        # server; on Linux a listening socket still refuses the bind
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        return probe.getsockname()[1]


def _lock_port(port: int) -> int | None:
    """The descriptor of the port's lock file, locked; ``None`` if another sandbox holds it."""
    path = os.path.join(tempfile.gettempdir(), f"ihuyi-sandbox-port-{port}.lock")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except PermissionError:  # another user's sandbox made it: locking needs reading only
        fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def serve(config: Config, *, host: str, claim: PortClaim, workers: int, threads: int,
          banner: Callable[[str], str], access_log: bool = False) -> None:
    """Serve until stopped on the port claimed (:func:`claim_port`)."""
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    port = claim.port
    os.environ[ENV] = json.dumps({"config": config.to_json(), "threads": threads})
    server = Granian("ihuyi_sandbox.server.serve:worker_app", address=host, port=port, interface=Interfaces.RSGI,
                     websockets=False, factory=True, workers=workers, backlog=1024, loop=_loop(Loops),
                     # HTTP/1.1 only: in its "auto" mode granian waits, with no time limit, for a new
                     # connection's first bytes before its header timeout starts
                     http=HTTPModes.http1,
                     http1_settings=HTTP1Settings(max_buffer_size=MAX_HEADER_BYTES,
                                                  header_read_timeout=round(config.idle_timeout * 1000)),
                     respawn_failed_workers=True, workers_kill_timeout=KILL_SECONDS,
                     log_level=LogLevels.error, log_access=access_log)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}"
    os.environ[BANNER_ENV] = json.dumps({"url": url, "banner": banner(url), "run": uuid.uuid4().hex})
    try:
        server.serve()
    except SystemExit as exit:
        # Ctrl-C in a terminal (or systemd's stop) signals the workers too: they end on their own
        # while the arbiter stops them, which granian counts as a crash. Asked to stop, it stopped.
        if exit.code and server.interrupt_signal:
            raise SystemExit(0) from None
        raise
    finally:
        claim.close()


def _loop(loops: Any) -> Any:
    """uvloop where it is installed (a dependency but on Windows), else asyncio's own loop;
    granian's ``auto`` would prefer rloop, slower for this app (bench/RESULTS.md)."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return loops.asyncio
    return loops.uvloop


def _announce_when_up(storage: Storage) -> None:
    """Print the banner once the server answers, so that whoever reads it can use the URL at once.

    A worker does it, from a thread of its own: a thread started in the arbiter would be forked
    into the workers mid-flight. The first worker to claim the run's lease prints; the others stay
    quiet.
    """
    announcement = json.loads(os.environ[BANNER_ENV])
    health = f"{announcement['url']}/_sandbox/health"

    def wait() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with opener(health).open(health, timeout=1):
                    break
            except OSError:
                time.sleep(0.05)
        if storage.hold_lease(f"banner:{announcement['run']}", str(os.getpid()), time.time(), 86400 * 365):
            print(announcement["banner"], flush=True)

    threading.Thread(target=wait, name="banner", daemon=True).start()


def worker_app() -> SandboxRSGI:
    """The RSGI app of one worker process: it joins the state the arbiter prepared."""
    from ..api.app import SandboxRSGI, backend_of, create_app, workspaces_of

    settings = json.loads(os.environ[ENV])
    config = Config.from_json(settings["config"])
    app = create_app(config)
    backend = backend_of(app)
    workspaces = workspaces_of(app)

    def more() -> list[Source]:
        return [(b.storage, b.active_settings) for b in workspaces.each()]

    # each worker runs one; one at a time sends (see dispatcher.py)
    Dispatcher(backend.storage, backend.active_settings, backend.policy, receipt_form,
               retention=config.retention, more=more, expire=workspaces.expire).start()
    _announce_when_up(backend.storage)
    return SandboxRSGI(app, threads=settings["threads"], body_timeout=config.body_timeout)
