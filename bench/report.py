"""The report: the machine described, the results as Markdown tables, and their sections in RESULTS.md."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .candidates import CandidateResult
from .checks import STALLED_CLIENTS
from .load import Load, TargetResult
from .processes import MB
from .sandbox import JournalCounts
from .soak import MEMORY_LIMIT, SoakResult
from .workloads import FAMILY_WORKLOADS, RESET_MOBILE, TARGET_WORKLOADS, WORKLOADS


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
    if sandbox and (family := family_sentence(sandbox)):
        lines += ["", "**Family** (each product's Submit within 10% of the voice Submit's rate in the same run): "
                      + family + "."]
    lines += ["", "Idle RSS after start-up and one probe per kind: "
              + ", ".join(f"{t.name} {mb(t.idle_rss)}" for t in (sandbox, wiremock) if t) + "."]
    errors = [f"{t.name} {name}: {r.result.non_2xx} non-2xx, {r.result.socket_errors} socket errors"
              for t in (sandbox, wiremock) if t for name, r in t.runs.items() if r.result.errors]
    lines += ["", "Errors: " + ("; ".join(errors) if errors else "none (no non-2xx answer, no socket error).")]
    if sandbox and sandbox.journal:
        lines += ["", journal_sentence(sandbox.journal, sandbox.sent, sandbox.wrk_runs * info.load.connections)]
    return "\n".join(lines)


def baseline_section(info: RunInfo, label: str, command: str, before: TargetResult, after: TargetResult,
                     rounds: int) -> str:
    """The same workloads on two sandboxes, up together and taking turns: ``before`` (another
    install, ``command``) and ``after`` (this checkout's)."""
    lines = [f"## Before and after: {label} vs this checkout", "",
             *header_lines(info, f"{info.load.duration} s per run after a {info.load.warmup} s warm-up, each "
                                 f"sandbox first warmed up by {info.load.initial_warmup} s of the mixed load; both up, "
                                 f"each workload run {rounds} times on each in alternating turns (req/s: the mean; "
                                 "p50, p99, RSS: the worst)"),
             "", f"Before: `{command}`. After: this checkout's `serve`.", ""]
    rows = []
    for workload in WORKLOADS:
        b, a = before.runs.get(workload.name), after.runs.get(workload.name)
        if b is None or a is None:
            continue
        rows.append([workload.name, f"{b.result.rps:,.0f}", fmt_ms(b.result.p99_ms), f"{a.result.rps:,.0f}",
                     fmt_ms(a.result.p99_ms), f"**{a.result.rps / b.result.rps:.2f}**"])
    lines.append(table(["workload", "before req/s", "before p99", "after req/s", "after p99", "after / before"], rows))
    errors = [f"{t.name} {name}: {r.result.non_2xx} non-2xx, {r.result.socket_errors} socket errors"
              for t in (before, after) for name, r in t.runs.items() if r.result.errors]
    lines += ["", "Errors: " + ("; ".join(errors) if errors else "none (no non-2xx answer, no socket error).")]
    families = [f"{t.name}: {family}" for t in (before, after) if (family := family_sentence(t))]
    if families:
        lines += ["", "**Family** (each product's Submit within 10% of the voice Submit's rate): " + "; ".join(families) + "."]
    for target in (before, after):
        if target.journal:
            lines += ["", f"{target.name}: " + journal_sentence(target.journal, target.sent,
                                                                target.wrk_runs * info.load.connections)]
    return "\n".join(lines)


def family_sentence(target: TargetResult) -> str:
    """Each product's Submit rate against the voice Submit's on one server, and whether the
    target is met; "" without those workloads."""
    if "submit-xml" not in target.runs:
        return ""
    voice = target.runs["submit-xml"].result.rps
    family = [(n, target.runs[n].result.rps / voice) for n in FAMILY_WORKLOADS if n in target.runs]
    if not family:
        return ""
    met = all(ratio >= 0.9 for _, ratio in family)
    return (", ".join(f"`{n}` {ratio:.2f} × submit-xml" for n, ratio in family)
            + f": **{'met' if met else 'not met'}**")


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


#: the sections, in their order in the file; ``history`` is written by hand (comparisons kept for
#: the record) and never by a run
SECTIONS = ("machine", "workloads", "baseline", "candidates", "postgres", "soak", "history")


def update_results(path: Path, sections: dict[str, str]) -> None:
    """Replace the given sections of the results file, keeping the others from earlier runs."""
    old = path.read_text() if path.exists() else ""
    kept = {name: m.group(1) for name in SECTIONS
            if (m := re.search(rf"<!-- bench:{name} -->\n(.*?)\n<!-- /bench:{name} -->", old, re.S))}
    kept.update(sections)
    parts = ["# Benchmark results", "",
             "Written by `python -m bench` (see `README.md` beside it for what each column means). Each section "
             "says when and with which command it was measured; a run replaces only its own sections."]
    for name in SECTIONS:
        if name in kept:
            parts += ["", f"<!-- bench:{name} -->\n{kept[name]}\n<!-- /bench:{name} -->"]
    path.write_text("\n".join(parts) + "\n")
