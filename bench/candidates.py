"""The serving-stack candidates of --compare-servers: the same app behind each server, measured and probed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .checks import reset_fault_probe, stalled_clients_probe
from .load import Load, Run, drive
from .processes import Server, free_port, running
from .sandbox import journal_counts, start_sandbox, write_scenario
from .workloads import WORKLOADS


@dataclass
class Candidate:
    name: str
    tag: str                    # names its database, log and WSGI module
    argv: list[str] | None      # None: not installed
    note: str = ""
    via_serve: bool = False     # the sandbox's own command (else a server importing the app by name)


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else shutil.which(name)


def write_wsgi_module(workdir: Path, tag: str, db: Path, scenario: Path) -> str:
    """A module holding the sandbox's app, for WSGI servers that import an app by name (gunicorn
    run directly, granian, waitress); returns its ``module:app`` name. Like ``serve``'s workers,
    each process also starts the receipt dispatcher (which keeps the journal to its retention)
    where this version of the sandbox has one; not while the module is imported to seed."""
    module = f"bench_wsgi_{tag}"
    (workdir / f"{module}.py").write_text(f'''"""The sandbox app for a WSGI server (written by python -m bench)."""
import os

from ihuyi_sandbox import app as sandbox_app
from ihuyi_sandbox.app import create_app
from ihuyi_sandbox.config import Config
from ihuyi_sandbox.scenario import load_file

app = create_app(Config(db={str(db)!r}, scenario=load_file({str(scenario)!r})))
if hasattr(sandbox_app, "start_dispatcher") and not os.environ.get("IHUYI_BENCH_SEEDING"):
    sandbox_app.start_dispatcher(app)
''')
    return f"{module}:app"


def candidates(serve_command: Sequence[str]) -> list[Candidate]:
    """The serving stacks compared: the ``serve`` command as shipped, then each server running the
    same app directly; ``{app}`` and ``{port}`` are filled in at start. Those not installed have
    ``argv`` None."""
    gunicorn, granian, waitress = _tool("gunicorn"), _tool("granian"), _tool("waitress-serve")
    missing = "not installed: pip install {} into the sandbox's environment"

    def gunicorn_argv(*extra: str) -> list[str] | None:
        return [gunicorn, "--workers", "2", *extra, "--bind", "127.0.0.1:{port}", "--log-level", "warning",
                "{app}"] if gunicorn else None

    def granian_argv(*extra: str) -> list[str] | None:
        return [granian, "--interface", "wsgi", "--workers", "2", *extra, "--host", "127.0.0.1",
                "--port", "{port}", "{app}"] if granian else None

    return [
        Candidate("`ihuyi-sandbox serve`, defaults", "serve", list(serve_command), "the command as shipped",
                  via_serve=True),
        Candidate("`ihuyi-sandbox serve --workers 2`", "serve2", [*serve_command, "--workers", "2"],
                  "two event loops that take turns on SQLite's write lock", via_serve=True),
        Candidate("gunicorn sync, 2 workers", "sync", gunicorn_argv("--worker-class", "sync"),
                  "" if gunicorn else missing.format("gunicorn")),
        Candidate("gunicorn gthread, 2 workers × 4 threads", "gthread",
                  gunicorn_argv("--worker-class", "gthread", "--threads", "4"),
                  "" if gunicorn else missing.format("gunicorn")),
        Candidate("granian WSGI, 2 workers", "granian", granian_argv(),
                  "granian's defaults: backlog/workers/2 = 256 blocking threads per worker" if granian
                  else missing.format("granian")),
        Candidate("granian WSGI, 2 workers × 4 blocking threads", "granian4", granian_argv("--blocking-threads", "4"),
                  "" if granian else missing.format("granian")),
        Candidate("waitress, 1 process × 8 threads", "waitress",
                  [waitress, "--host", "127.0.0.1", "--port", "{port}", "--threads", "8", "{app}"]
                  if waitress else None,
                  "" if waitress else missing.format("waitress")),
    ]



@dataclass
class CandidateResult:
    candidate: Candidate
    run: Run | None = None
    stalled: str = ""
    reset: str = ""
    journal: int | None = None
    sent: int = 0
    failure: str = ""


def start_candidate(candidate: Candidate, workdir: Path) -> Server:
    """The candidate serving the app on the candidates' scenario, a fresh database of its own."""
    assert candidate.argv is not None
    scenario = write_scenario(workdir, reset_rule=True)
    if candidate.via_serve:
        return start_sandbox(candidate.argv, workdir, candidate.tag, candidate.name, scenario)
    db = workdir / f"{candidate.tag}.db"
    app = write_wsgi_module(workdir, candidate.tag, db, scenario)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(workdir), os.environ.get("PYTHONPATH")]))}
    # build and seed the database once, before several workers race to
    subprocess.run([sys.executable, "-c", f"import {app.split(':')[0]}"], env={**env, "IHUYI_BENCH_SEEDING": "1"},
                   check=True)
    port = free_port()
    argv = [arg.replace("{port}", str(port)).replace("{app}", app) for arg in candidate.argv]
    server = Server(candidate.name, argv, workdir / f"{candidate.tag}.log", env=env)
    server.url, server.db = f"http://127.0.0.1:{port}", db
    server.wait_http(f"{server.url}/_sandbox/health")
    return server


def measure_candidate(candidate: Candidate, workdir: Path, load: Load, scripts: dict[str, Path]) -> CandidateResult:
    """submit-xml on one candidate, then the two robustness probes."""
    result = CandidateResult(candidate)
    if candidate.argv is None:
        result.failure = candidate.note
        return result
    try:
        with running(start_candidate(candidate, workdir)) as server:
            (target,) = drive([server], [WORKLOADS[0]], scripts, load)
            result.run, result.sent = target.runs[WORKLOADS[0].name], target.sent
            result.stalled = stalled_clients_probe(server.url)
            result.reset = reset_fault_probe(server.url)
            if not server.alive():
                result.failure = "died"
        assert server.db is not None
        result.journal = journal_counts(server.db).written
    except Exception as error:  # noqa: BLE001 - one candidate failing must not end the comparison
        result.failure = str(error).splitlines()[0]
    return result
