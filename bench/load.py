"""The wrk load: running wrk and reading its output, and driving servers with it in alternating turns."""

from __future__ import annotations

import re
import shlex
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .checks import probe
from .processes import MB, MemorySampler, Server, tree_memory
from .sandbox import JournalCounts
from .workloads import KINDS, MIXED, Workload


@dataclass
class WrkResult:
    requests: int          # completed
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    output: str = field(repr=False, default="")

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS_MS[unit]


def parse_wrk(output: str) -> WrkResult:
    """Requests/sec, the 50% and 99% lines of --latency, completed requests, non-2xx, socket errors."""
    def latency(percent: str) -> float:
        match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M)
        return _ms(*match.groups()) if match else float("nan")

    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m|h)", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not done or not rps:
        raise RuntimeError(f"cannot read wrk's output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return WrkResult(requests=int(done.group(1)), seconds=_ms(done.group(2), done.group(3)) / 1000,
                     rps=float(rps.group(1)), p50_ms=latency("50"), p99_ms=latency("99"),
                     non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
                     socket_errors=sum(map(int, sockets.groups())) if sockets else 0, output=output)


@dataclass(frozen=True)
class Load:
    """How wrk drives a server: ``wrk -t<threads> -c<connections> -d<seconds>s --latency -s <script>``."""

    threads: int
    connections: int
    duration: int
    warmup: int           # seconds before each measured run
    initial_warmup: int   # seconds of the mixed load before the first workload (the JVM's JIT)

    def run(self, url: str, script: Path, seconds: int) -> WrkResult:
        argv = ["wrk", f"-t{self.threads}", f"-c{self.connections}", f"-d{seconds}s", "--latency",
                "-s", str(script), url + "/"]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
        if done.returncode != 0:
            raise RuntimeError(f"wrk failed ({done.returncode}): {shlex.join(argv)}\n{done.stderr}")
        return parse_wrk(done.stdout)



@dataclass
class Run:
    workload: Workload
    result: WrkResult
    peak_rss: int


@dataclass
class TargetResult:
    name: str
    idle_rss: int
    runs: dict[str, Run]
    sent: int            # requests wrk completed plus probes (warm-ups included)
    wrk_runs: int
    journal: JournalCounts | None = None


def drive(servers: Sequence[Server], workloads: Sequence[Workload], scripts: dict[str, Path], load: Load,
          rounds: int = 1) -> list[TargetResult]:
    """Probe every kind on each server; warm each up on the mixed load; then ``rounds`` rounds,
    each running every workload on every server in turn: a warm-up, then the measured run with
    RSS sampled.

    The turns alternate: servers A B, then B A, and the workloads in order, then in reverse order
    in the next round. A machine that speeds up or slows down during the run (a shared virtual
    machine does; bench/RESULTS.md shows by how much) so favours neither server and no workload,
    which is what lets the report compare one server's workloads with each other (the family's
    Submits with the voice Submit). Over several rounds a server's figures are its mean req/s and
    its worst p50, p99 and memory."""
    targets = []
    kinds = [kind for kind in KINDS if any(kind is k for w in (*workloads, MIXED) for k, _ in w.mix)]
    for server in servers:
        for kind in kinds:
            probe(server.url, kind)
        time.sleep(0.5)
        target = TargetResult(server.name, tree_memory(server.pid)[0], {}, sent=len(kinds), wrk_runs=0)
        if load.initial_warmup:
            target.sent += load.run(server.url, scripts[MIXED.name], load.initial_warmup).requests
            target.wrk_runs += 1
        targets.append(target)
    runs: dict[str, list[list[Run]]] = {w.name: [[] for _ in servers] for w in workloads}
    turn = 0
    for round_ in range(rounds):
        for workload in workloads if round_ % 2 == 0 else workloads[::-1]:
            order = list(range(len(servers)))
            for i in order if turn % 2 == 0 else order[::-1]:
                runs[workload.name][i].append(measure(servers[i], targets[i], workload, scripts[workload.name], load))
            turn += 1
    for workload in workloads:
        for target, done in zip(targets, runs[workload.name]):
            target.runs[workload.name] = combined(done)
    for server in servers:
        if not server.alive():
            raise RuntimeError(f"{server.name} died during the run; see {server.log}")
    return targets


def measure(server: Server, target: TargetResult, workload: Workload, script: Path, load: Load) -> Run:
    if load.warmup:
        target.sent += load.run(server.url, script, load.warmup).requests
        target.wrk_runs += 1
    with MemorySampler(server.pid, 0.2) as memory:
        measured = load.run(server.url, script, load.duration)
    target.sent += measured.requests
    target.wrk_runs += 1
    print(f"  {server.name} · {workload.name}: {measured.rps:.0f} req/s  p50 {measured.p50_ms:.2f} ms  "
          f"p99 {measured.p99_ms:.2f} ms  peak RSS {memory.peak_rss / MB:.1f} MB  errors {measured.errors}",
          flush=True)
    return Run(workload, measured, memory.peak_rss)


def combined(runs: Sequence[Run]) -> Run:
    """Several runs of one workload as one: mean req/s, worst latencies and memory, all errors."""
    results = [run.result for run in runs]
    return Run(runs[0].workload, WrkResult(
        requests=sum(r.requests for r in results), seconds=sum(r.seconds for r in results),
        rps=sum(r.rps for r in results) / len(results), p50_ms=max(r.p50_ms for r in results),
        p99_ms=max(r.p99_ms for r in results), non_2xx=sum(r.non_2xx for r in results),
        socket_errors=sum(r.socket_errors for r in results)), max(run.peak_rss for run in runs))
