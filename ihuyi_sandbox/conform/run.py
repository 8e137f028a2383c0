"""A conformance run: the probes sent to the upstream and to a sandbox, their answers compared,
the differences printed as a table, and, if asked, the scenario that makes the sandbox answer as
the upstream did. The upstream's APIID and APIKEY are never printed nor written to a file: the
saved requests carry ``***`` in their place."""

from __future__ import annotations

import os
import sys
import time
import unicodedata
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from .._exceptions import ScenarioError, TransportError
from ..service.products import prefix_owner, product, product_names
from ..service.records import Account
from ..service.scenarios import Scenario, load_file, parse
from . import compare
from .probes import DEFAULT_MOBILE, PROBE_SETS, Probe, charged_cases, probes
from .settings import Shown, differing, read, scenario_text, settings_for
from .targets import Answered, HttpTarget, LocalTarget

#: how wide a value may be in the table of differences
COLUMN = 64


class ConformError(Exception):
    """The run cannot go on (a usage error, an upstream that does not answer as a service):
    said in one sentence, exit status 2."""


@dataclass(frozen=True)
class Options:
    upstream: str
    account: str
    apikey: str
    product: str | None = None
    #: a sandbox running elsewhere; ``None``: one in this process, with ``scenario``
    sandbox: str | None = None
    scenario: str = "default"
    timeout: float = 10.0
    mobile: str | None = None
    allow_charged_probes: int = 0
    paths: tuple[str, ...] = ()
    write_scenario: str | None = None
    save: str | None = None


@dataclass
class Outcome:
    probe: Probe
    upstream: Answered | str
    sandbox: Answered | str
    differences: list[tuple[str, str, str]]


def run(options: Options, out: TextIO = sys.stdout) -> int:
    """The run ``options`` describe; 0 if no probe differs, 1 if one does. Raises
    :class:`ConformError` when it cannot be run."""
    name = product_of(options)
    try:
        base = load_file(options.scenario)
    except ScenarioError as error:
        raise ConformError(f"the scenario {options.scenario!r} does not load:\n{error}") from None
    sandbox_account = demo_account(base, name)
    chosen = chosen_probes(name, options)
    upstream = HttpTarget(options.upstream, options.timeout)
    sandbox = HttpTarget(options.sandbox, options.timeout) if options.sandbox else None
    print(preamble(name, chosen, options, upstream.label, sandbox.label if sandbox else
                   f"a sandbox in this process (scenario {base.name})", sandbox_account), file=out, flush=True)
    local = LocalTarget(base) if sandbox is None else None
    target = sandbox or local
    assert target is not None
    try:
        outcomes, shown_up, shown_down = probe_both(name, chosen, options, upstream, target, sandbox_account)
    finally:
        if local is not None:
            local.close()
    if options.save:
        save(Path(options.save), outcomes, options)
    report(outcomes, shown_up, shown_down, out)
    if options.write_scenario:
        write(Path(options.write_scenario), name, base, shown_up, upstream.label, out)
    return 1 if any(o.differences for o in outcomes) else 0


def product_of(options: Options) -> str:
    if options.product:
        if options.product not in PROBE_SETS:
            raise ConformError(f"unknown product {options.product!r}; the products are {', '.join(product_names())}")
        return options.product
    owner = prefix_owner(options.account)
    if owner is None:
        raise ConformError(f"the APIID's prefix names no product: give --product ({', '.join(product_names())})")
    return owner.name


def demo_account(scenario: Scenario, name: str) -> Account:
    """The scenario's first account of product ``name``: the sandbox's side of every probe."""
    unit = product(name)
    for account in scenario.seed.accounts:
        if name in account.products or (not account.products and prefix_owner(account.apiid) is unit):
            return account
    raise ConformError(f"the scenario {scenario.name!r} has no account of {name} for the sandbox's side")


def chosen_probes(name: str, options: Options) -> list[Probe]:
    paths = tuple(options.paths)
    known = {route.path for route in product(name).routes}
    for path in paths:
        if path not in known:
            raise ConformError(f"{name} answers on {', '.join(sorted(known))}, not on {path}")
    if options.allow_charged_probes < 0:
        raise ConformError("--allow-charged-probes takes a count from 0")
    if options.allow_charged_probes and not options.mobile:
        raise ConformError("--allow-charged-probes needs --mobile: the number that may get a call or a message")
    found = probes(name, paths=paths, charged=options.allow_charged_probes > 0)
    free = [p for p in found if not p.charged]
    return free + [p for p in found if p.charged][:options.allow_charged_probes]


def preamble(name: str, chosen: list[Probe], options: Options, upstream: str, sandbox: str,
             account: Account) -> str:
    charged = [p for p in chosen if p.charged]
    codes = sorted({p.code for p in chosen if not p.charged and p.code != 2})
    paths = ", ".join(dict.fromkeys(p.path for p in chosen))
    lines = [f"ihuyi-sandbox conform: {len(chosen)} probes of {product(name).title} ({name}) on {paths}",
             f"  to the upstream  {upstream}  (account {masked_id(options.account)}; the key is never shown)",
             f"  and to           {sandbox}  (account {account.apiid})",
             f"  free: GetNum, and requests refused with the codes {', '.join(map(str, codes))}, each over GET "
             "and POST, in XML and JSON",
             f"  mobile in the refused requests: {options.mobile or DEFAULT_MOBILE} (each is refused before "
             "anything is sent to it)"]
    if charged:
        lines.append(f"  CHARGED: {len(charged)} probes that may place a call or send a message to "
                     f"{options.mobile}: {', '.join(p.name for p in charged)}")
    else:
        lines.append(f"  charged probes: none ({charged_cases(name)} cases that could be charged are left out; "
                     "--allow-charged-probes N --mobile M sends at most N)")
    return "\n".join(lines)


def masked_id(apiid: str) -> str:
    return apiid[:2] + "*" * max(len(apiid) - 2, 3)


def probe_both(name: str, chosen: list[Probe], options: Options, upstream: HttpTarget,
               sandbox: HttpTarget | LocalTarget, account: Account) -> tuple[list[Outcome], Shown, Shown]:
    mobile = options.mobile or DEFAULT_MOBILE
    routes = {route.path: route for route in product(name).routes}
    shown_up, shown_down = Shown(), Shown()
    outcomes: list[Outcome] = []
    for index, probe in enumerate(chosen):
        now = int(time.time())
        up = _send(upstream, probe, options.account, options.apikey, mobile, now, first=index == 0, side="upstream")
        down = _send(sandbox, probe, account.apiid, account.apikey, mobile, now, first=index == 0, side="sandbox")
        if index == 0:
            _check_first(up, upstream.label)
        differences = ([("answer", _text(up), _text(down))] if isinstance(up, str) or isinstance(down, str)
                       else compare.differences(up, down))
        if isinstance(up, Answered):
            shown_up.add(probe, up, routes[probe.path].num_as_number)
        if isinstance(down, Answered):
            shown_down.add(probe, down, routes[probe.path].num_as_number)
        outcomes.append(Outcome(probe, up, down, differences))
    return outcomes, shown_up, shown_down


def _send(target: HttpTarget | LocalTarget, probe: Probe, account: str, apikey: str, mobile: str, now: int, *,
          first: bool, side: str) -> Answered | str:
    path, body = probe.request(account, apikey, mobile, now)
    try:
        return target.send(probe.http, path, body)
    except TransportError as error:
        said = _masked(error.message, [account, apikey])  # a GET's URL carries them
        if first:
            raise ConformError(f"the {side} does not answer: {said}") from None
        return f"no answer: {said}"


def _check_first(answer: Answered | str, label: str) -> None:
    """The first probe is GetNum with the account and key: if its answer is no ihuyi answer, or
    refuses them, nothing after it can be compared."""
    assert isinstance(answer, Answered)
    found = read(answer.body, "xml") if answer.status == 200 else None
    if found is None:
        raise ConformError(f"the upstream {label} does not answer as an ihuyi service: HTTP {answer.status}, "
                           f"Content-Type {answer.content_type or '(none)'}, body {compare.text(answer.body)[:120]}")
    if found.code != 2:
        raise ConformError(f"the upstream refuses the account and key: code {found.code} {found.msg}; check "
                           "--account, --apikey and --product")


def _text(answer: Answered | str) -> str:
    if isinstance(answer, str):
        return answer
    return f"HTTP {answer.status} {answer.content_type}: {compare.text(answer.body)}"


def report(outcomes: list[Outcome], upstream: Shown, sandbox: Shown, out: TextIO) -> None:
    rows = [(o.probe.name, *d) for o in outcomes for d in o.differences]
    differing_probes = sum(1 for o in outcomes if o.differences)
    if rows:
        widths = [max(len("probe"), *(len(r[0]) for r in rows)), max(len("aspect"), *(len(r[1]) for r in rows)),
                  COLUMN]
        print("\n" + _line(("probe", "aspect", "upstream", "sandbox"), widths), file=out)
        for probe, aspect, up, down in rows:
            print(_line((probe, aspect, _cut(up), _cut(down)), widths), file=out)
    settings = differing(upstream, sandbox)
    if settings:
        print("\nsettings the answers show apart (upstream, sandbox):", file=out)
        for name, up, down in settings:
            print(f"  {name}: {up}  |  {down}", file=out)
    print(f"\n{differing_probes} of {len(outcomes)} probes differ", file=out)


def _cut(value: str) -> str:
    """``value`` within :data:`COLUMN` columns of a terminal (a Chinese character takes two)."""
    cut = ""
    for char in value:
        if _width(cut + char) > COLUMN - 1:
            return cut + "…"
        cut += char
    return cut


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _line(cells: tuple[str, ...], widths: list[int]) -> str:
    """The cells padded to their columns' widths on a terminal, the last one as it is."""
    return "  ".join(cell + " " * (width - _width(cell)) for cell, width in zip(cells, widths)) + "  " + cells[-1]


def save(folder: Path, outcomes: list[Outcome], options: Options) -> None:
    """Each probe's request and both answers, as files, the upstream's credentials masked."""
    folder.mkdir(parents=True, exist_ok=True)
    secrets = [options.account, options.apikey]
    for number, outcome in enumerate(outcomes, 1):
        stem = f"{number:03d}-" + "-".join(outcome.probe.name.replace("/", "_").split())
        probe = outcome.probe
        path, body = probe.request(options.account, options.apikey, options.mobile or DEFAULT_MOBILE,
                                   int(time.time()))
        request = f"{probe.http} {path}\n" + (f"\n{body.decode()}\n" if body is not None else "")
        (folder / f"{stem}.request.txt").write_text(_masked(request, secrets))
        for side, answer in (("upstream", outcome.upstream), ("sandbox", outcome.sandbox)):
            data = (answer.encode() if isinstance(answer, str) else
                    f"HTTP {answer.status}\nContent-Type: {answer.content_type}\n\n".encode() + answer.body)
            (folder / f"{stem}.{side}.txt").write_bytes(data)


def _masked(text: str, secrets: list[str]) -> str:
    """``text`` without the secrets (as sent or percent-encoded) and with no password's value."""
    for secret in secrets:
        if secret:
            text = text.replace(urllib.parse.quote_plus(secret), "***").replace(secret, "***")
    parts = []
    for piece in text.replace("?", "?\0").replace("&", "&\0").replace("\n", "\n\0").split("\0"):
        parts.append("password=***" + ("&" if piece.endswith("&") else "\n" if piece.endswith("\n") else "")
                     if piece.startswith("password=") else piece)
    return "".join(parts)


def write(path: Path, name: str, base: Scenario, upstream: Shown, label: str, out: TextIO) -> None:
    written = settings_for(name, upstream, base.settings)
    host = urllib.parse.urlsplit(label).hostname or label
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    text = scenario_text(base, written.settings, name=f"{base.name}-as-{host}",
                         description=f"{base.name}, with the settings {host} answered {name} probes with "
                                     f"(ihuyi-sandbox conform, {stamp})",
                         comments=[f"Written by ihuyi-sandbox conform from the answers of {host} to {name} probes.",
                                   *(f"Not expressible as a setting: {item}" for item in written.unexpressed)])
    try:  # what is written must load: an answer no setting can hold is said here, not by the next run
        parse(text, str(path))
    except ScenarioError as error:
        raise ConformError(f"the upstream's answers make no valid scenario, so none was written:\n{error}") from None
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    print(f"scenario written to {path}" + (f" ({len(written.unexpressed)} differences no setting expresses)"
                                           if written.unexpressed else ""), file=out)
