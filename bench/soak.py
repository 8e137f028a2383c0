"""The memory soak of --soak: the mixed load over N requests, memory sampled every second."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .checks import probe
from .load import Load
from .processes import MB, MemorySampler, Server, tree_memory
from .sandbox import JournalCounts
from .workloads import KINDS

MEMORY_LIMIT = 200 * MB  # the goal for all of the sandbox's processes together


@dataclass
class SoakResult:
    name: str
    requests: int
    seconds: float
    errors: str          # non-2xx answers and socket errors, counted by wrk
    samples: list[tuple[float, int, int]]
    idle_rss: int        # after start-up, before the warm-up
    journal: JournalCounts | None = None
    db_sizes: dict[str, int] = field(default_factory=dict)  # the SQLite files after the run, by name

    @property
    def start_rss(self) -> int:
        return self.samples[0][1]

    @property
    def peak_rss(self) -> int:
        return max(rss for _, rss, _ in self.samples)

    @property
    def end_rss(self) -> int:
        return self.samples[-1][1]

    @property
    def end_pss(self) -> int:
        return self.samples[-1][2]


def soak(server: Server, total: int, load: Load, script: Path) -> SoakResult:
    """Drive ``total`` requests of the mixed load in consecutive wrk runs, RSS (and PSS) every second."""
    for kind in KINDS:
        probe(server.url, kind)
    idle_rss = tree_memory(server.pid)[0]
    if load.initial_warmup:
        load.run(server.url, script, load.initial_warmup)
    done, non_2xx, socket_errors, rate = 0, 0, 0, 0.0
    start = time.monotonic()
    with MemorySampler(server.pid, 1.0, with_pss=True) as memory:
        while done < total:
            seconds = 10 if rate == 0 else int(min(120, max(1, (total - done) / rate + 1)))
            chunk = load.run(server.url, script, seconds)
            done, rate = done + chunk.requests, chunk.rps
            non_2xx, socket_errors = non_2xx + chunk.non_2xx, socket_errors + chunk.socket_errors
            print(f"  {server.name} · soak: {done:,} / {total:,} requests  {chunk.rps:.0f} req/s  "
                  f"RSS {memory.samples[-1][1] / MB:.1f} MB", flush=True)
    return SoakResult(server.name, done, time.monotonic() - start, f"{non_2xx} non-2xx, {socket_errors} socket",
                      memory.samples, idle_rss)
