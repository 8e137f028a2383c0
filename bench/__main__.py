"""The command: its options, and the run of the workloads, --compare-servers and --soak."""

from __future__ import annotations

import argparse
import datetime
import os
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from . import __doc__ as DESCRIPTION  # the package's docstring, the first line of --help
from .candidates import candidates, measure_candidate
from .checks import answers
from .load import Load, drive
from .postgres import run_postgres
from .processes import running
from .report import (RunInfo, baseline_section, candidates_section, machine, machine_section, soak_section, update_results,
                     workloads_section)
from .sandbox import default_serve_command, journal_counts, start_sandbox
from .soak import soak
from .wiremock import find_wiremock_jar, start_wiremock
from .workloads import MIXED, WORKLOADS, lua_script

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_OUTPUT = BENCH_DIR / "RESULTS.md"
DEFAULT_CACHE = Path(os.environ.get("IHUYI_BENCH_CACHE", "/tmp/wm"))  # npm --prefix for the WireMock jar


def at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number no smaller than ``minimum``, or a message saying so."""
    def whole(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is less than {minimum}, the least accepted")
        return value
    return whole


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=at_least(1), default=10, help="seconds of each measured wrk run (default: 10)")
    parser.add_argument("--warmup", type=at_least(0), default=2, help="seconds of warm-up before each (default: 2)")
    parser.add_argument("--initial-warmup", type=at_least(0), default=60,
                        help="seconds of the mixed load before a server's first workload, so that the JVM has "
                             "compiled WireMock's hot code (default: 60)")
    parser.add_argument("--connections", type=at_least(1), default=32, help="wrk connections (default: 32)")
    parser.add_argument("--threads", type=at_least(1), default=2, help="wrk threads (default: 2)")
    parser.add_argument("--rounds", type=at_least(1), default=2,
                        help="measured runs of each workload per server, in alternating turns (default: 2)")
    parser.add_argument("--only", choices=("sandbox", "wiremock"), help="run one side only (no ratio)")
    parser.add_argument("--server-cmd", help="the sandbox's serve command, to which --port, --db and --scenario are "
                                             f"appended (default: {shlex.join(default_serve_command())})")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="results file (default: bench/RESULTS.md)")
    parser.add_argument("--note", default="", help="a line to show in the results, e.g. 'preliminary, machine busy'")
    parser.add_argument("--wiremock-jar",
                        help="the standalone jar (default: $WIREMOCK_JAR, else npm's under --cache-dir)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE,
                        help="npm --prefix where wiremock@3 is installed when missing (default: %(default)s)")
    parser.add_argument("--baseline-cmd", metavar="SERVER_CMD",
                        help="another install's serve command (as --server-cmd): run the workloads on it and on "
                             "this checkout's sandbox, both up, in alternating turns, instead of against WireMock")
    parser.add_argument("--baseline-label", default="baseline",
                        help="what the baseline is, for the results' heading (e.g. a commit)")
    parser.add_argument("--compare-servers", action="store_true",
                        help="measure serving-stack candidates on submit-xml instead of the workloads")
    parser.add_argument("--postgres", action="store_true",
                        help="Submit on PostgreSQL, one and two instances on one database, beside SQLite, instead "
                             "of the workloads (needs Debian's postgresql package and the [postgres] extra)")
    parser.add_argument("--soak", type=at_least(1), metavar="N",
                        help="drive N requests of the mixed load and follow memory, instead of the workloads")
    parser.add_argument("--all", action="store_true",
                        help="the workloads, --compare-servers and --soak (1,000,000 unless given) in one go")
    args = parser.parse_args(argv)
    if args.all:
        args.compare_servers = True
        args.soak = args.soak or 1_000_000
    return args


def run_workloads(serve_command: Sequence[str], jar: Path | None, want_sandbox: bool, workdir: Path,
                  scripts: dict[str, Path], info: RunInfo, rounds: int) -> str:
    """Every workload against the sandbox and WireMock, both running, in alternating turns; the
    results section."""
    with ExitStack() as stack:
        servers = []
        if want_sandbox:
            print(f"\nsandbox: {shlex.join(serve_command)} --port P --db … --scenario …", flush=True)
            servers.append(stack.enter_context(running(start_sandbox(serve_command, workdir, "bench"))))
        if jar is not None:
            print(f"WireMock: java -jar {jar} --port P --disable-banner (journal on)", flush=True)
            servers.append(stack.enter_context(running(start_wiremock(jar, workdir))))
        targets = dict(zip((server.name for server in servers), drive(servers, WORKLOADS, scripts, info.load, rounds)))
    sandbox, wiremock = targets.get("sandbox"), targets.get("WireMock")
    if sandbox is not None:
        assert servers[0].db is not None
        sandbox.journal = journal_counts(servers[0].db)
    return workloads_section(info, sandbox, wiremock, rounds)


def run_baseline(baseline_command: Sequence[str], label: str, serve_command: Sequence[str], workdir: Path,
                 scripts: dict[str, Path], info: RunInfo, rounds: int) -> str:
    """Every workload on the baseline's sandbox and this checkout's, in alternating turns."""
    with ExitStack() as stack:
        print(f"\nbefore ({label}): {shlex.join(baseline_command)} --port P --db … --scenario …", flush=True)
        servers = [stack.enter_context(running(start_sandbox(baseline_command, workdir, "before", name="before")))]
        print(f"after: {shlex.join(serve_command)} --port P --db … --scenario …", flush=True)
        servers.append(stack.enter_context(running(start_sandbox(serve_command, workdir, "after", name="after"))))
        both = [w for w in WORKLOADS if answers(servers[0].url, w)]  # the baseline's are the fewer
        before, after = drive(servers, both, scripts, info.load, rounds)
    for server, target in zip(servers, (before, after)):
        assert server.db is not None
        target.journal = journal_counts(server.db)
    return baseline_section(info, label, shlex.join(baseline_command), before, after, rounds)


def run_candidates(serve_command: Sequence[str], workdir: Path, scripts: dict[str, Path], info: RunInfo) -> str:
    print("\nserving-stack candidates, submit-xml:", flush=True)
    load = replace(info.load, initial_warmup=0)  # no JIT among them: the per-run warm-up is enough
    results = [measure_candidate(candidate, workdir, load, scripts)
               for candidate in candidates(serve_command)]
    return candidates_section(info, results)


def run_soak(total: int, serve_command: Sequence[str], jar: Path | None, want_sandbox: bool, workdir: Path,
             scripts: dict[str, Path], info: RunInfo) -> str:
    soaks = []
    if want_sandbox:
        print(f"\nsoak, sandbox: {total:,} requests of the mixed load", flush=True)
        with running(start_sandbox(serve_command, workdir, "soak")) as server:
            soaks.append(soak(server, total, info.load, scripts[MIXED.name]))
        assert server.db is not None
        soaks[-1].journal = journal_counts(server.db)
        soaks[-1].db_sizes = {f.name: f.stat().st_size for f in sorted(server.db.parent.glob(server.db.name + "*"))}
    if jar is not None:
        print(f"\nsoak, WireMock: {total:,} requests of the mixed load", flush=True)
        with running(start_wiremock(jar, workdir)) as server:
            soaks.append(soak(server, total, info.load, scripts[MIXED.name]))
    return soak_section(info, soaks, total)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    serve_command = shlex.split(args.server_cmd) if args.server_cmd else default_serve_command()
    load = Load(args.threads, args.connections, args.duration, args.warmup, args.initial_warmup)
    want_workloads = not args.baseline_cmd and (args.all or not (args.compare_servers or args.soak or args.postgres))
    want_sandbox = args.only != "wiremock"
    want_wiremock = args.only != "sandbox" and bool(want_workloads or args.soak)
    jar = find_wiremock_jar(args.wiremock_jar, args.cache_dir, install=want_wiremock)
    command = shlex.join([sys.executable or "python3", "-m", "bench", *(sys.argv[1:] if argv is None else argv)])
    info = RunInfo(command, datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                   args.note, load, machine(jar))
    print("\n".join(f"{k:>28}: {v}" for k, v in info.machine), flush=True)
    if not want_wiremock:
        jar = None

    def record(name: str, text: str) -> None:
        """Print a section and write it at once, so an interrupted --all keeps what it measured."""
        print("\n" + text, flush=True)
        update_results(args.output, {"machine": machine_section(info), name: text})

    with tempfile.TemporaryDirectory(prefix="ihuyi-bench-") as tmp:
        workdir = Path(tmp)
        scripts = {}
        for workload in WORKLOADS:
            scripts[workload.name] = workdir / f"{workload.name}.lua"
            scripts[workload.name].write_text(lua_script(workload))
        if want_workloads:
            record("workloads", run_workloads(serve_command, jar, want_sandbox, workdir, scripts, info, args.rounds))
        if args.baseline_cmd:
            record("baseline", run_baseline(shlex.split(args.baseline_cmd), args.baseline_label, serve_command,
                                            workdir, scripts, info, args.rounds))
        if args.compare_servers:
            record("candidates", run_candidates(serve_command, workdir, scripts, info))
        if args.postgres:
            record("postgres", run_postgres(serve_command, workdir, scripts, info, args.rounds))
        if args.soak:
            record("soak", run_soak(args.soak, serve_command, jar, want_sandbox, workdir, scripts, info))
    print(f"\nwritten: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
