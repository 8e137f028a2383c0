"""``--postgres``: Submit on PostgreSQL, one instance and two on one database, beside SQLite's one
instance, all up at once and taking turns, on a throw-away PostgreSQL server
(``ihuyi_sandbox.testing.postgres``: Debian's ``postgresql`` package) on the same machine."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

from ihuyi_sandbox.testing.postgres import throwaway_postgres

from .checks import probe
from .load import Load, WrkResult
from .processes import Server, running
from .report import RunInfo, fmt_ms, header_lines, table
from .sandbox import start_sandbox
from .workloads import MIXED, SUBMIT_XML, WORKLOADS

#: the workloads measured: Submit success, the one that writes
MEASURED = tuple(w for w in WORKLOADS if w.name in ("submit-xml", "mixed"))


@dataclass
class Group:
    """Instances measured together: wrk's connections split among them, one wrk each."""

    name: str
    servers: list[Server]


def run_group(group: Group, load: Load, script: Path, seconds: int) -> WrkResult:
    """One wrk per instance at once, the connections and threads shared out; their sum."""
    share = replace(load, connections=max(1, load.connections // len(group.servers)),
                    threads=max(1, load.threads // len(group.servers)))
    results: list[WrkResult] = [None] * len(group.servers)  # type: ignore[list-item]

    def one(i: int) -> None:
        results[i] = share.run(group.servers[i].url, script, seconds)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(group.servers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return WrkResult(requests=sum(r.requests for r in results), seconds=max(r.seconds for r in results),
                     rps=sum(r.rps for r in results), p50_ms=max(r.p50_ms for r in results),
                     p99_ms=max(r.p99_ms for r in results), non_2xx=sum(r.non_2xx for r in results),
                     socket_errors=sum(r.socket_errors for r in results))


def run_postgres(serve_command: Sequence[str], workdir: Path, scripts: dict[str, Path], info: RunInfo,
                 rounds: int) -> str:
    """The section: each workload on each group, ``rounds`` times in alternating turns."""
    load = info.load
    with throwaway_postgres() as server, ExitStack() as stack:
        def started(tag: str, db: str | None = None) -> Server:
            return stack.enter_context(running(start_sandbox(serve_command, workdir, tag, name=tag, db=db)))

        one, two = server.database("bench_one"), server.database("bench_two")
        groups = [Group("SQLite, 1 instance", [started("sqlite")]),
                  Group("PostgreSQL, 1 instance", [started("pg-one", one)]),
                  Group("PostgreSQL, 2 instances", [started("pg-two-a", two), started("pg-two-b", two)])]
        print("\nPostgreSQL: " + "; ".join(f"{g.name}" for g in groups), flush=True)
        for group in groups:
            for instance in group.servers:
                probe(instance.url, SUBMIT_XML)
            if load.initial_warmup:
                run_group(group, load, scripts[MIXED.name], load.initial_warmup)
        measured: dict[tuple[str, str], list[WrkResult]] = {}
        turn = 0
        for workload in MEASURED:
            for _ in range(rounds):
                for group in groups if turn % 2 == 0 else groups[::-1]:
                    if load.warmup:
                        run_group(group, load, scripts[workload.name], load.warmup)
                    result = run_group(group, load, scripts[workload.name], load.duration)
                    print(f"  {group.name} · {workload.name}: {result.rps:.0f} req/s  p50 {result.p50_ms:.2f} ms  "
                          f"p99 {result.p99_ms:.2f} ms  errors {result.errors}", flush=True)
                    measured.setdefault((group.name, workload.name), []).append(result)
                turn += 1
        for group in groups:
            for instance in group.servers:
                if not instance.alive():
                    raise RuntimeError(f"{instance.name} died during the run; see {instance.log}")
    return postgres_section(info, groups, measured, rounds)


def postgres_section(info: RunInfo, groups: Sequence[Group], measured: dict[tuple[str, str], list[WrkResult]],
                     rounds: int) -> str:
    lines = ["## PostgreSQL: one and two instances on one database, beside SQLite", "",
             *header_lines(info, f"{info.load.duration} s per run after a {info.load.warmup} s warm-up, each "
                                 f"group first warmed up by {info.load.initial_warmup} s of the mixed load; every "
                                 f"instance up at once, each workload run {rounds} times on each group in "
                                 "alternating turns (req/s: the mean; p50, p99: the worst); two instances share "
                                 "wrk's connections, one wrk each, their req/s summed"), "",
             "The PostgreSQL server is a throw-away one on the same machine (`fsync=off`, as a test server; "
             "`synchronous_commit` on), sharing its cores with the sandboxes and wrk; each instance has the "
             "defaults (one worker, `--db-pool 8`).", ""]
    rows = []
    for workload in MEASURED:
        base = measured.get((groups[0].name, workload.name))
        for group in groups:
            results = measured.get((group.name, workload.name))
            if not results:
                continue
            rps = sum(r.rps for r in results) / len(results)
            ratio = f"{rps / (sum(r.rps for r in base) / len(base)):.2f}" if base else "—"
            rows.append([workload.name, group.name, f"{rps:,.0f}", fmt_ms(max(r.p50_ms for r in results)),
                         fmt_ms(max(r.p99_ms for r in results)), ratio, str(sum(r.errors for r in results))])
    lines.append(table(["workload", "store", "req/s", "p50", "p99", "× SQLite", "errors"], rows))
    return "\n".join(lines)
