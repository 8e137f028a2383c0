#!/usr/bin/env python3
"""Benchmark: ihuyi-sandbox against WireMock standalone, both journaling every request.

What it measures, and why
-------------------------
The sandbox's promise is that it can stand in for the provider in load tests and CI without being
the bottleneck, while it *journals every request durably* (SQLite, committed before the answer is
sent). The natural yardstick is WireMock standalone answering an equivalent static stub with its
request journal on (its default, kept in memory only). This script starts both, side by side in
the same run, on the same machine, runs the same wrk load on each in alternating turns (see
:func:`drive`), and records for each workload:

* req/s, p50 and p99 latency (wrk ``--latency``; wrk's clock, so coordinated omission applies);
* the peak resident memory of the whole server: the process and all its children, summed
  (``VmRSS`` of every process in the tree, sampled every 0.2 s while wrk runs);
* errors: non-2xx answers and socket errors.

Workloads (each after a short warm-up): Submit success in XML, Submit success in JSON, GetNum, an
error path (4070: content of 2 digits), and a mixed load drawn per request with a fixed seed.

After the sandbox runs, its SQLite file is opened read-only and the journal is
counted against what wrk completed: a fast server that forgot to journal would show here.

Other modes:

* ``--compare-servers``: the submit-xml workload against serving-stack candidates (gunicorn sync
  and gthread, granian's WSGI mode, waitress) running the same app, plus a robustness probe
  (does a normal request still get through while a few clients stall mid-request?).
* ``--soak N``: N requests of the mixed load, RSS every second: does memory stay flat?

Results are printed and written into sections of ``bench/RESULTS.md`` (each mode replaces only
its own section). Standard library only; run it with the Python of the sandbox's virtualenv so the
``ihuyi-sandbox`` command (and the candidates' servers) are found next to it.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import queue
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_OUTPUT = BENCH_DIR / "RESULTS.md"
DEFAULT_CACHE = Path(os.environ.get("IHUYI_BENCH_CACHE", "/tmp/wm"))  # npm --prefix for the WireMock jar

ACCOUNT = "V00000001"
APIKEY = "0123456789abcdef0123456789abcdef"
BALANCE = 1_000_000_000  # Submit success never runs out of units, even over a soak
VOICE_PATH = "/webservice/voice.php"
FORM = "application/x-www-form-urlencoded"
XML = "text/xml; charset=utf-8"
JSON = "application/json; charset=utf-8"
MB = 1024 * 1024
MEMORY_LIMIT = 200 * MB  # the goal for all of the sandbox's processes together
STALLED_CLIENTS = 4      # robustness probe of --compare-servers
RESET_MOBILE = "13900011002"  # --compare-servers: can the stack carry out the scenario fault "reset"?


# -- what is sent, and what each server must answer -----------------------------------------------

@dataclass(frozen=True)
class Kind:
    """One kind of request to the provider API, the answer it must get, and WireMock's stub for it."""

    name: str
    method: str              # the ?method= query parameter
    body: str                # the form body
    content_type: str        # the answer's Content-Type
    marker: bytes            # found in every correct answer
    stub_body: str           # WireMock's static answer: the sandbox's bytes with a fixed id
    stub_priority: int       # WireMock tries stubs by priority, 1 first
    stub_pattern: dict[str, str] | None = None  # WireMock bodyPatterns entry telling it apart

    @property
    def path(self) -> str:
        return f"{VOICE_PATH}?method={self.method}"


_CREDENTIALS = f"account={ACCOUNT}&password={APIKEY}"
_NS = 'xmlns="http://106.ihuyi.com/"'
_DECL = '<?xml version="1.0" encoding="utf-8"?>\n'

SUBMIT_XML = Kind(
    "submit-xml", "Submit", f"{_CREDENTIALS}&mobile=13812345678&content=1234", XML, b"<code>2</code>",
    f"{_DECL}<SubmitResult {_NS}>\n<code>2</code>\n<msg>提交成功</msg>\n"
    "<voiceid>17956541800000000001</voiceid>\n</SubmitResult>\n", 5)
SUBMIT_JSON = Kind(
    "submit-json", "Submit", f"{_CREDENTIALS}&mobile=13812345678&content=1234&format=json", JSON, b'"code":2,',
    '{"code":2,"msg":"提交成功","voiceid":"17956541800000000001"}', 2, {"contains": "format=json"})
GETNUM = Kind(
    "getnum", "GetNum", _CREDENTIALS, XML, b"<code>2</code>",
    f"{_DECL}<GetNumResult {_NS}>\n<code>2</code>\n<msg>查询成功</msg>\n<num>999999999</num>\n</GetNumResult>\n", 5)
ERROR_4070 = Kind(
    "error-4070", "Submit", f"{_CREDENTIALS}&mobile=13812345678&content=12", XML, b"<code>4070</code>",
    f"{_DECL}<SubmitResult {_NS}>\n<code>4070</code>\n<msg>语音验证码内容必须为4-6位数字</msg>\n"
    "<voiceid>0</voiceid>\n</SubmitResult>\n", 1, {"matches": "(.*&)?content=12(&.*)?"})
KINDS = (SUBMIT_XML, SUBMIT_JSON, GETNUM, ERROR_4070)


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    mix: tuple[tuple[Kind, int], ...]  # kinds and their weights (per cent)


WORKLOADS = (
    Workload("submit-xml", "Submit success, XML", ((SUBMIT_XML, 100),)),
    Workload("submit-json", "Submit success, JSON", ((SUBMIT_JSON, 100),)),
    Workload("getnum", "GetNum, XML", ((GETNUM, 100),)),
    Workload("error-4070", "Submit error 4070, XML", ((ERROR_4070, 100),)),
    Workload("mixed", "Mixed: 60% Submit XML, 10% JSON, 20% GetNum, 10% 4070",
             ((SUBMIT_XML, 60), (SUBMIT_JSON, 10), (GETNUM, 20), (ERROR_4070, 10))),
)
MIXED = WORKLOADS[-1]
TARGET_WORKLOADS = ("submit-xml", "submit-json")  # the target: Submit success


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lua_script(workload: Workload) -> str:
    """The wrk script: a static request for one kind; a weighted pool drawn per request otherwise."""
    head = f'-- {workload.name}: {workload.title} (written by bench/run.py)\nwrk.headers["Content-Type"] = "{FORM}"\n'
    if len(workload.mix) == 1:
        kind = workload.mix[0][0]
        return head + f'wrk.method = "POST"\nwrk.path = {lua_string(kind.path)}\nwrk.body = {lua_string(kind.body)}\n'
    kinds = ",\n".join(f"  {{{weight}, {lua_string(kind.path)}, {lua_string(kind.body)}}}"
                       for kind, weight in workload.mix)
    return head + f"""local kinds = {{
{kinds}
}}
local pool = {{}}

function init(args)
  math.randomseed(20261126)  -- fixed: every run draws the same sequence (per wrk thread)
  for _, k in ipairs(kinds) do
    for _ = 1, k[1] do pool[#pool + 1] = wrk.format("POST", k[2], nil, k[3]) end
  end
end

function request()
  return pool[math.random(#pool)]
end
"""


# -- processes and their memory -------------------------------------------------------------------

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


# -- the sandbox -----------------------------------------------------------------------------------

def write_scenario(workdir: Path, reset_rule: bool = False) -> Path:
    """The bench scenario: the demo account with a balance that never runs out and no rules, or
    (for the serving-stack candidates) one rule: a TCP reset for :data:`RESET_MOBILE`."""
    path = workdir / ("candidates-scenario.toml" if reset_rule else "bench-scenario.toml")
    rule = f'''
[[rules]]
name = "reset: the connection is reset without an answer"
mobile = "{RESET_MOBILE}"
fault = "reset"
''' if reset_rule else ""
    path.write_text(f'''name = "bench"
description = "Benchmark: the demo account with a balance that never runs out"

[[accounts]]
apiid = "{ACCOUNT}"
apikey = "{APIKEY}"
balance = {BALANCE}
{rule}''')
    return path


def default_serve_command() -> list[str]:
    """``ihuyi-sandbox serve`` of this Python's environment, else of PATH, else ``python -m``."""
    beside = Path(sys.executable).with_name("ihuyi-sandbox")  # not resolved: a venv's bin/
    if beside.exists():
        return [str(beside), "serve"]
    found = shutil.which("ihuyi-sandbox")
    return [found, "serve"] if found else [sys.executable, "-m", "ihuyi_sandbox.cli", "serve"]


def start_sandbox(serve_command: Sequence[str], workdir: Path, tag: str, name: str = "sandbox",
                  scenario: Path | None = None) -> Server:
    """``<serve_command> --port P --db <workdir>/<tag>.db --scenario <bench scenario>``, otherwise
    the defaults; ready once it prints its ``listening on`` line."""
    db = workdir / f"{tag}.db"
    argv = [*serve_command, "--port", str(free_port()), "--db", str(db),
            "--scenario", str(scenario or write_scenario(workdir))]
    server = Server(name, argv, workdir / f"{tag}.log")
    server.url = server.wait_for_line(r"listening on (http://\S+)").group(1)
    server.db = db
    return server


@dataclass(frozen=True)
class JournalCounts:
    """What a stopped sandbox's SQLite file holds. The server may prune the journal (and the
    inbox, a view of it) to its retention, so rows *kept* can be fewer than rows *written*: the
    journal's AUTOINCREMENT high-water mark counts every row ever written, and the balance every
    unit ever taken."""

    written: int                                # journal rows ever written
    kept: int                                   # journal rows still there
    by_code: list[tuple[str, int | None, int]]  # (method, code, rows) of the rows kept
    balance: int | None                         # the bench account's balance left

    @property
    def submit_successes(self) -> int:
        return sum(n for method, code, n in self.by_code if method == "Submit" and code == 2)

    @property
    def units_taken(self) -> int:
        return BALANCE - (self.balance or 0)


def journal_counts(db: Path) -> JournalCounts:
    """The journal and balance of a stopped sandbox, read from its SQLite file read-only."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        def one(sql: str, *args: object) -> int | None:
            row = conn.execute(sql, args).fetchone()
            return row[0] if row else None

        kept = one("SELECT count(*) FROM journal") or 0
        written = (one("SELECT seq FROM sqlite_sequence WHERE name = 'journal'")
                   or one("SELECT max(id) FROM journal") or 0)
        by_code = conn.execute("SELECT method, code, count(*) FROM journal GROUP BY 1, 2 ORDER BY 1, 2").fetchall()
        return JournalCounts(written, kept, by_code,
                             one("SELECT balance FROM accounts WHERE apiid = ?", ACCOUNT))
    finally:
        conn.close()


# -- WireMock --------------------------------------------------------------------------------------

def find_wiremock_jar(explicit: str | None, cache: Path, install: bool = True) -> Path | None:
    """The standalone jar: --wiremock-jar, $WIREMOCK_JAR, or the npm package ``wiremock`` (which
    ships it) under ``cache``, installed there with npm when missing (else None)."""
    for given in (explicit, os.environ.get("WIREMOCK_JAR")):
        if given:
            if not Path(given).is_file():
                raise SystemExit(f"no WireMock jar at {given}")
            return Path(given)

    def installed() -> Path | None:
        jars = sorted((cache / "node_modules" / "wiremock").glob("**/wiremock-standalone-*.jar"),
                      key=lambda p: [int(n) for n in re.findall(r"\d+", p.name)])
        return jars[-1] if jars else None

    jar = installed()
    if jar is None and install:
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("the WireMock jar is missing and npm is not installed to fetch it")
        print(f"installing WireMock: npm install --prefix {cache} wiremock@3", flush=True)
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--prefix", str(cache), "--no-audit", "--no-fund", "wiremock@3"], check=True)
        jar = installed()
        if jar is None:
            raise SystemExit(f"npm installed wiremock under {cache} but no wiremock-standalone-*.jar was found")
    return jar


def wiremock_stubs() -> list[dict[str, object]]:
    """One stub per kind of request: urlPath + the method query parameter, and a body pattern where
    the path alone cannot tell two kinds apart."""
    stubs = []
    for kind in KINDS:
        request: dict[str, object] = {"method": "POST", "urlPath": VOICE_PATH,
                                      "queryParameters": {"method": {"equalTo": kind.method}}}
        if kind.stub_pattern:
            request["bodyPatterns"] = [kind.stub_pattern]
        stubs.append({"name": kind.name, "priority": kind.stub_priority, "request": request,
                      "response": {"status": 200, "headers": {"Content-Type": kind.content_type},
                                   "body": kind.stub_body}})
    return stubs


def start_wiremock(jar: Path, workdir: Path) -> Server:
    """``java -jar <jar> --port P --disable-banner``: its defaults, the request journal on."""
    port = free_port()
    server = Server("WireMock", ["java", "-jar", str(jar), "--port", str(port), "--disable-banner"],
                    workdir / "wiremock.log")
    server.url = f"http://127.0.0.1:{port}"
    server.wait_http(f"{server.url}/__admin/mappings", timeout=90)
    for stub in wiremock_stubs():
        post = urllib.request.Request(f"{server.url}/__admin/mappings", json.dumps(stub).encode(),
                                      {"Content-Type": "application/json"})
        with urllib.request.urlopen(post, timeout=10) as answer:
            if answer.status != 201:
                raise RuntimeError(f"WireMock refused the stub {stub['name']}: HTTP {answer.status}")
    return server


# -- driving a server with wrk --------------------------------------------------------------------

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


def probe(url: str, kind: Kind) -> None:
    """One request of ``kind``: the answer must be a 200 of the right Content-Type and code."""
    request = urllib.request.Request(url + kind.path, kind.body.encode(), {"Content-Type": FORM})
    with urllib.request.urlopen(request, timeout=10) as answer:
        body, content_type = answer.read(), answer.headers.get("Content-Type", "")
    if content_type != kind.content_type or kind.marker not in body:
        raise RuntimeError(f"{url}: {kind.name} answered {content_type!r} {body[:200]!r}")


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
    """Probe every kind on each server; warm each up on the mixed load; then each workload on
    every server in turn, ``rounds`` times: a warm-up, then the measured run with RSS sampled.

    The turns alternate (A B, then B A, …), so a machine that speeds up or slows down during the
    run (a shared virtual machine does, by 20% and more) favours neither server. Over several
    rounds a server's figures are its mean req/s and its worst p50, p99 and memory."""
    targets = []
    for server in servers:
        for kind in KINDS:
            probe(server.url, kind)
        time.sleep(0.5)
        target = TargetResult(server.name, tree_memory(server.pid)[0], {}, sent=len(KINDS), wrk_runs=0)
        if load.initial_warmup:
            target.sent += load.run(server.url, scripts[MIXED.name], load.initial_warmup).requests
            target.wrk_runs += 1
        targets.append(target)
    turn = 0
    for workload in workloads:
        runs: list[list[Run]] = [[] for _ in servers]
        for _ in range(rounds):
            order = list(range(len(servers)))
            for i in order if turn % 2 == 0 else order[::-1]:
                runs[i].append(measure(servers[i], targets[i], workload, scripts[workload.name], load))
            turn += 1
        for target, done in zip(targets, runs):
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


# -- serving-stack candidates ---------------------------------------------------------------------

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
    (workdir / f"{module}.py").write_text(f'''"""The sandbox app for a WSGI server (written by bench/run.py)."""
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


def stalled_clients_probe(url: str, count: int = STALLED_CLIENTS, timeout: float = 5.0) -> str:
    """Can a normal Submit get through while ``count`` clients sit on half-sent requests?"""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    stalled = []
    try:
        for _ in range(count):
            sock = socket.create_connection((host, int(port)), timeout=5)
            sock.sendall(f"POST {SUBMIT_XML.path} HTTP/1.1\r\nHost: {host}\r\n".encode())  # and never the rest
            stalled.append(sock)
        time.sleep(0.3)
        start = time.monotonic()
        request = urllib.request.Request(url + SUBMIT_XML.path, SUBMIT_XML.body.encode(), {"Content-Type": FORM})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                answer.read()
        except OSError:
            return f"blocked (no answer in {timeout:.0f} s)"
        return f"answers ({(time.monotonic() - start) * 1000:.0f} ms)"
    finally:
        for sock in stalled:
            sock.close()


def reset_fault_probe(url: str) -> str:
    """Does the scenario fault ``reset`` (a TCP reset, no answer) happen on this stack? The app
    finds the connection's socket in the WSGI environ; not every server puts it there."""
    body = SUBMIT_XML.body.replace("mobile=13812345678", f"mobile={RESET_MOBILE}")
    request = urllib.request.Request(url + SUBMIT_XML.path, body.encode(), {"Content-Type": FORM})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return f"no: HTTP {answer.status}, {len(answer.read())} bytes"
    except (ConnectionError, http.client.HTTPException):
        return "yes"
    except urllib.error.URLError as error:
        return "yes" if isinstance(error.reason, ConnectionError) else f"no: {error.reason}"


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


# -- soak -----------------------------------------------------------------------------------------

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


# -- the machine and the report -------------------------------------------------------------------

def _first_line(argv: Sequence[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    return lines[0].strip() if lines else "unknown"


def _package_version(name: str) -> str:
    from importlib import metadata
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine(jar: Path | None) -> list[tuple[str, str]]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    virtual = " (virtual machine)" if re.search(r"^flags\s*:.*\bhypervisor\b", cpuinfo, re.M) else ""
    mem_total = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
    ram = f"{int(mem_total.group(1)) / 1024 / 1024:.1f} GiB" if mem_total else "unknown"
    wiremock = "not used"
    if jar is not None:
        version = subprocess.run(["java", "-jar", str(jar), "--version"], capture_output=True, text=True, timeout=60)
        wiremock = f"{(version.stdout.strip().splitlines() or ['?'])[-1]} ({jar.name})"
    return [
        ("CPU", (model.group(1) if model else platform.processor() or "unknown") + virtual),
        ("cores", f"{os.cpu_count()} logical CPUs (load generator and server share them)"),
        ("RAM", ram),
        ("kernel", f"{platform.system()} {platform.release()}"),
        ("Python", f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})"),
        ("sandbox stack", ", ".join(f"{p} {_package_version(p)}" for p in
                                    ("ihuyi-sandbox", "granian", "uvloop", "flask", "werkzeug", "gunicorn"))),
        ("wrk", _first_line(["wrk", "--version"]).split(" Copyright")[0]),
        ("Java", _first_line(["java", "-version"])),
        ("WireMock", wiremock),
        ("load average before the run", " ".join(f"{x:.2f}" for x in os.getloadavg())),
    ]


def mb(value: int) -> str:
    return f"{value / MB:.1f} MB"


def fmt_ms(value: float) -> str:
    return f"{value:.2f} ms"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


@dataclass
class RunInfo:
    command: str
    date: str
    note: str
    load: Load
    machine: list[tuple[str, str]]


def header_lines(info: RunInfo, what: str) -> list[str]:
    lines = [f"Run {info.date}: `{info.command}`", "",
             f"wrk -t{info.load.threads} -c{info.load.connections}, {what}; load average after the run: "
             + " ".join(f"{x:.2f}" for x in os.getloadavg()) + "."]
    if info.note:
        lines += ["", f"> **{info.note}**"]
    return lines


def machine_section(info: RunInfo) -> str:
    return "\n".join(["## Machine", "", f"As of the latest run ({info.date}).", "",
                      table(["", ""], [(k, v) for k, v in info.machine])])


def workloads_section(info: RunInfo, sandbox: TargetResult | None, wiremock: TargetResult | None,
                      rounds: int) -> str:
    turns = (f"both servers up, each workload run {rounds} times on each in alternating turns (req/s: the mean; "
             "p50, p99, RSS: the worst)" if rounds > 1 else "both servers up, each workload on each in turn")
    lines = ["## Sandbox vs WireMock, both journaling", "",
             *header_lines(info, f"{info.load.duration} s per run after a {info.load.warmup} s warm-up, "
                                 f"each server first warmed up by {info.load.initial_warmup} s of the mixed "
                                 f"load; {turns}"), ""]
    rows = []
    for workload in WORKLOADS:
        s = sandbox.runs.get(workload.name) if sandbox else None
        w = wiremock.runs.get(workload.name) if wiremock else None
        if s is None and w is None:
            continue
        cells = [f"{workload.name}"]
        for run in (s, w):
            cells += ([f"{run.result.rps:,.0f}", fmt_ms(run.result.p50_ms), fmt_ms(run.result.p99_ms), mb(run.peak_rss)]
                      if run else ["—"] * 4)
        if s and w:
            cells += [f"**{s.result.rps / w.result.rps:.2f}**", "yes" if s.result.p99_ms <= w.result.p99_ms else "no"]
        else:
            cells += ["—", "—"]
        rows.append(cells)
    lines.append(table(["workload", "sandbox req/s", "p50", "p99", "peak RSS", "WireMock req/s", "p50", "p99",
                        "peak RSS", "ratio", "p99 ≤ WireMock's"], rows))
    lines += ["", "Workloads: " + "; ".join(f"`{w.name}` {w.title}" for w in WORKLOADS) + "."]
    if sandbox and wiremock:
        met = all(sandbox.runs[n].result.rps >= wiremock.runs[n].result.rps
                  and sandbox.runs[n].result.p99_ms <= wiremock.runs[n].result.p99_ms
                  for n in TARGET_WORKLOADS if n in sandbox.runs and n in wiremock.runs)
        lines += ["", f"**Target** (Submit success, XML and JSON: ratio ≥ 1.0 and p99 no worse than WireMock's): "
                      f"**{'met' if met else 'not met'}** in this run."]
    lines += ["", "Idle RSS after start-up and one probe per kind: "
              + ", ".join(f"{t.name} {mb(t.idle_rss)}" for t in (sandbox, wiremock) if t) + "."]
    errors = [f"{t.name} {name}: {r.result.non_2xx} non-2xx, {r.result.socket_errors} socket errors"
              for t in (sandbox, wiremock) if t for name, r in t.runs.items() if r.result.errors]
    lines += ["", "Errors: " + ("; ".join(errors) if errors else "none (no non-2xx answer, no socket error).")]
    if sandbox and sandbox.journal:
        lines += ["", journal_sentence(sandbox.journal, sandbox.sent, sandbox.wrk_runs * info.load.connections)]
    return "\n".join(lines)


def journal_sentence(journal: JournalCounts, sent: int, in_flight: int) -> str:
    """The correctness check: every answered request journaled, every Submit success paid
    for. wrk does not count the answers still in flight when a run ends, so the journal
    may hold up to one more row per connection and run."""
    pruned = journal.written - journal.kept
    checks = [sent <= journal.written <= sent + in_flight,          # one journal row per request
              journal.units_taken >= journal.submit_successes,      # every delivery paid for
              pruned > 0 or journal.units_taken == journal.submit_successes]
    by_code = ", ".join(f"{m} {c}: {n:,}" for m, c, n in journal.by_code)
    kept = (f"{journal.kept:,} kept after the server's retention pruned {pruned:,} (by method and code: {by_code})"
            if pruned else f"all kept (by method and code: {by_code})")
    verdict = "OK" if all(checks) else "MISMATCH"
    return (f"Correctness (the sandbox's SQLite file, read after it stopped): **{verdict}**. "
            f"The journal had {journal.written:,} rows written for {sent:,} requests completed by wrk and the "
            f"probes (up to {in_flight:,} more may have been in flight when a wrk run ended), {kept}; "
            f"{journal.submit_successes:,} Submit successes (deliveries) kept; "
            f"{journal.units_taken:,} units of balance taken in all.")


def candidates_section(info: RunInfo, results: Sequence[CandidateResult]) -> str:
    lines = ["## Serving stack candidates", "",
             *header_lines(info, f"submit-xml only, {info.load.duration} s after a {info.load.warmup} s warm-up"),
             "",
             "The same app (`create_app`, the bench scenario plus one `reset` rule, a fresh SQLite file each) "
             f"behind each server. *Stalled clients*: {STALLED_CLIENTS} connections send half a request and stop; "
             "does a normal Submit still get an answer within 5 s? *Reset fault*: does the scenario fault `reset` "
             f"(mobile {RESET_MOBILE}) reach the client as a TCP reset? *Journal*: rows written to the SQLite file / "
             "requests wrk and the probes completed.", ""]
    rows = []
    for r in results:
        if r.run is None:
            rows.append([r.candidate.name, *["—"] * 8, r.failure or r.candidate.note])
            continue
        res = r.run.result
        rows.append([r.candidate.name, f"{res.rps:,.0f}", fmt_ms(res.p50_ms), fmt_ms(res.p99_ms), mb(r.run.peak_rss),
                     str(res.errors), r.stalled, r.reset,
                     f"{r.journal:,} / {r.sent:,}" if r.journal is not None else "?",
                     "; ".join(filter(None, [r.candidate.note, r.failure]))])
    lines.append(table(["candidate", "req/s", "p50", "p99", "peak RSS", "errors", "stalled clients", "reset fault",
                        "journal", "notes"], rows))
    return "\n".join(lines)


def soak_section(info: RunInfo, results: Sequence[SoakResult], total: int) -> str:
    lines = ["## Memory over a long run", "",
             *header_lines(info, f"the mixed load, at least {total:,} requests per server in consecutive wrk "
                                 "runs, memory sampled every second"), ""]
    rows = []
    for r in results:
        growth = r.end_rss - r.start_rss
        rows.append([r.name, f"{r.requests:,}", f"{r.seconds:,.0f} s", f"{r.requests / r.seconds:,.0f}", r.errors,
                     mb(r.idle_rss), mb(r.start_rss), mb(r.peak_rss), mb(r.end_rss), f"{growth / MB:+.1f} MB",
                     mb(r.end_pss), "yes" if r.peak_rss < MEMORY_LIMIT else "no"])
    lines.append(table(["server", "requests", "time", "req/s", "errors", "RSS idle", "RSS start", "RSS peak",
                        "RSS end", "growth (end − start)", "PSS end", "peak < 200 MB"], rows))
    lines += ["", "*RSS idle*: after start-up, before the warm-up; *start*: the first sample after the warm-up, "
                  "when the counted requests begin."]
    lines += ["", "RSS (all processes of the server summed) at each tenth of the run:", ""]
    checkpoint_rows = []
    for tenth in range(11):
        row = [f"{tenth * 10}%"]
        for r in results:
            at = r.samples[-1][0] * tenth / 10
            sample = min(r.samples, key=lambda s: abs(s[0] - at))
            row.append(mb(sample[1]))
        checkpoint_rows.append(row)
    lines.append(table(["elapsed", *(r.name for r in results)], checkpoint_rows))
    for r in results:
        if r.journal:
            lines += ["", f"{r.name}'s SQLite file after the run: {r.journal.written:,} journal rows written "
                          f"for {r.requests:,} requests counted by wrk (plus the warm-up), {r.journal.kept:,} kept "
                          f"(the server's retention), {r.journal.submit_successes:,} deliveries kept, "
                          f"{r.journal.units_taken:,} units of balance taken; files: "
                          + ", ".join(f"`{name}` {mb(size)}" for name, size in r.db_sizes.items()) + "."]
    return "\n".join(lines)


SECTIONS = ("machine", "workloads", "candidates", "soak")


def update_results(path: Path, sections: dict[str, str]) -> None:
    """Replace the given sections of the results file, keeping the others from earlier runs."""
    old = path.read_text() if path.exists() else ""
    kept = {name: m.group(1) for name in SECTIONS
            if (m := re.search(rf"<!-- bench:{name} -->\n(.*?)\n<!-- /bench:{name} -->", old, re.S))}
    kept.update(sections)
    parts = ["# Benchmark results", "",
             "Written by `bench/run.py` (see `README.md` beside it for what each column means). Each section "
             "says when and with which command it was measured; a run replaces only its own sections."]
    for name in SECTIONS:
        if name in kept:
            parts += ["", f"<!-- bench:{name} -->\n{kept[name]}\n<!-- /bench:{name} -->"]
    path.write_text("\n".join(parts) + "\n")


# -- the command ----------------------------------------------------------------------------------

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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
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
    parser.add_argument("--compare-servers", action="store_true",
                        help="measure serving-stack candidates on submit-xml instead of the workloads")
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
    want_workloads = args.all or not (args.compare_servers or args.soak)
    want_sandbox = args.only != "wiremock"
    want_wiremock = args.only != "sandbox" and bool(want_workloads or args.soak)
    jar = find_wiremock_jar(args.wiremock_jar, args.cache_dir, install=want_wiremock)
    command = shlex.join([sys.executable or "python3",
                          os.path.relpath(sys.argv[0]) if argv is None else "bench/run.py",
                          *(sys.argv[1:] if argv is None else argv)])
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
        if args.compare_servers:
            record("candidates", run_candidates(serve_command, workdir, scripts, info))
        if args.soak:
            record("soak", run_soak(args.soak, serve_command, jar, want_sandbox, workdir, scripts, info))
    print(f"\nwritten: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
