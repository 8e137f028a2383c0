"""Server processes: starting and stopping them, and the memory of their whole process trees."""

from __future__ import annotations

import os
import queue
import re
import shlex
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

MB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    """Direct children of ``pid``: /proc/<pid>/task/*/children, else a scan of every /proc/*/stat
    (kernels without CONFIG_PROC_CHILDREN)."""
    tasks = list(Path(f"/proc/{pid}/task").glob("*/children"))
    if tasks:
        found: list[int] = []
        for task in tasks:
            try:
                found += [int(child) for child in task.read_text().split()]
            except OSError:
                pass
        return found
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # fields after "(comm)": state, ppid, ...
            children.append(int(stat.parent.name))
    return children


def process_tree(pid: int) -> list[int]:
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += _children(current)
    return tree


def _status_kb(pid: int, key: str, source: str = "status") -> int:
    try:
        for line in Path(f"/proc/{pid}/{source}").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:  # the process just ended
        pass
    return 0


def tree_memory(pid: int, with_pss: bool = False) -> tuple[int, int]:
    """(RSS, PSS) in bytes of ``pid`` and all its descendants, summed. Summed RSS counts pages
    shared by forked workers once per process (an overstatement); PSS splits them fairly."""
    pids = process_tree(pid)
    rss = sum(_status_kb(p, "VmRSS") for p in pids) * 1024
    pss = sum(_status_kb(p, "Pss", "smaps_rollup") for p in pids) * 1024 if with_pss else 0
    return rss, pss


class MemorySampler:
    """Samples a process tree's memory every ``interval`` seconds in a thread, while in a ``with``."""

    def __init__(self, pid: int, interval: float, with_pss: bool = False) -> None:
        self.pid, self.interval, self.with_pss = pid, interval, with_pss
        self.samples: list[tuple[float, int, int]] = []  # (seconds since start, RSS, PSS)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        start = time.monotonic()
        while True:
            rss, pss = tree_memory(self.pid, self.with_pss)
            self.samples.append((time.monotonic() - start, rss, pss))
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_rss(self) -> int:
        return max((rss for _, rss, _ in self.samples), default=0)


class Server:
    """A server process started in its own session, its output kept in a log file."""

    def __init__(self, name: str, argv: Sequence[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.name, self.argv, self.log = name, list(argv), log
        self.url = ""
        self.db: Path | None = None
        self._lines: queue.Queue[str] = queue.Queue()
        self.process = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        env=env, start_new_session=True, stdin=subprocess.DEVNULL)
        threading.Thread(target=self._pump, daemon=True).start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _pump(self) -> None:
        assert self.process.stdout is not None
        with self.log.open("w") as out:
            for line in self.process.stdout:
                out.write(line)
                out.flush()
                self._lines.put(line)

    def _failed(self, why: str) -> RuntimeError:
        self.stop()
        tail = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
        return RuntimeError(f"{self.name} {why}: {shlex.join(self.argv)}\n--- its output ---\n{tail}")

    def wait_for_line(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                match = re.search(pattern, self._lines.get(timeout=0.2))
            except queue.Empty:
                if self.process.poll() is not None:
                    raise self._failed(f"exited with status {self.process.returncode}") from None
                continue
            if match:
                return match
        raise self._failed(f"printed no line matching {pattern!r} within {timeout:.0f} s")

    def wait_http(self, url: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise self._failed(f"exited with status {self.process.returncode}")
            try:
                with urllib.request.urlopen(url, timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                time.sleep(0.2)
        raise self._failed(f"did not answer {url} within {timeout:.0f} s")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM to the server (a graceful stop); then SIGKILL to whatever is left of the process
        group this script started for it (a worker that outlived its parent, a server that hung)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()


@contextmanager
def running(server: Server) -> Iterator[Server]:
    try:
        yield server
    finally:
        server.stop()
