"""Scenario files are checked whole: every error as file:line: reason, never half-loaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ihuyi_sandbox.service.scenarios import ScenarioError, parse, scenario_names

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
HEAD = 'name = "t"\ndescription = "d"\n'


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        parse(text, "s.toml")
    return caught.value.problems


@pytest.mark.parametrize(("body", "line", "reason"), [
    ('[[rules]]\ncode = 4051\ncolour = "red"\n', 5, "unknown key 'colour'"),
    ('[[rules]]\ncode = 9999\n', 4, "unknown code 9999"),
    ('[[rules]]\nmobile_regex = "13(["\ncode = 0\n', 4, "bad pattern"),
    ('[[rules]]\nnth = 2\nevery = 3\ncode = 0\n', 5, "nth and every cannot both be set"),
    ('[[rules]]\nfrom_call = 5\nuntil_call = 2\ncode = 0\n', 5, "until_call 2 comes before from_call 5"),
    ('[[rules]]\nnth = 1\nfrom_call = 3\ncode = 0\n', 4, "nth = 1 lies outside"),
    ('[[rules]]\nmethod = "GetNum"\ncode = 4051\n', 5, "not a GetNum code"),
    ('[[rules]]\nmethod = "Send"\ncode = 0\n', 4, "unknown method 'Send'"),
    ('[[rules]]\ncode = 408\nfreeze = true\n', 5, "freeze needs a limit"),
    ('[[rules]]\nmobile = "13800000000"\n', 3, "the rule does nothing"),
    ('[[rules]]\nfault = "explode"\n', 4, "unknown fault 'explode'"),
    ('[[rules]]\nfault = "reset"\nhang_seconds = 5\n', 5, "hang_seconds needs fault = 'hang'"),
    ('[[rules]]\nfault = "hang"\nhang_seconds = 500\n', 5, "at most 120"),
    ('[[rules]]\nlatency_ms = [900, 100]\n', 4, "runs backwards"),
    ('[[rules]]\nprobability = 1.5\ncode = 0\n', 4, "between 0 and 1"),
    ('[[rules]]\nstate = "nowhere"\ncode = 0\n', 4, "state 'nowhere' is never reached"),
    ('[[rules]]\nlimit = { count = 0, window_seconds = 60 }\ncode = 0\n', 4, "limit.count must be"),
    ('[[rules]]\nnth = "two"\ncode = 0\n', 4, "nth must be an integer"),
    ('[settings]\nnamespace = 5\n', 4, "namespace must be a string"),
    ('[settings]\nskew = 5\n', 4, "unknown key 'skew'"),
    ('[settings]\nxml_content_type = "xml"\n', 4, "xml_content_type must be a media type"),
    ('[settings]\njson_content_type = "application/json\\r\\nX: 1"\n', 4, "json_content_type must be a media type"),
    ('[settings]\n[settings.messages.pager.Submit]\n406 = "x"\n', 4, "unknown product 'pager'"),
    ('[settings]\n[settings.messages.voice.Send]\n406 = "x"\n', 4, "voice has no method 'Send'"),
    ('[settings.messages.voice.GetNum]\n406 = "x"\n', 4, "'406' is not a voice GetNum code"),
    ('[settings.messages.voice.Submit]\n402 = "x"\n406 = ""\n', 5, "must be a string of 1 to 200"),
    ('[settings.messages.sms.Submit]\n406 = "a\\u0000b"\n', 4, "without control characters"),
    ('[settings.messages]\nvoice = 5\n', 4, "settings.messages.voice must be a table"),
    ('[[accounts]]\napiid = "V1"\n', 3, "needs a non-empty apiid and apikey"),
    ('[[accounts]]\napiid = "V1"\napikey = "k"\nbalance = -1\n', 6, "balance must be between 0 and"),
])
def test_each_error_names_its_line_and_reason(body, line, reason):
    found = problems(HEAD + body)
    assert any(p.startswith(f"s.toml:{line}: ") and reason in p for p in found), found


def test_every_error_is_reported_not_only_the_first():
    found = problems(HEAD + '[[rules]]\ncode = 1\n[[rules]]\ncode = 0\nbogus = 1\n')
    assert [p.split(": ", 1)[0] for p in found] == ["s.toml:4", "s.toml:7"]


def test_invalid_toml_names_its_line():
    (found,) = problems(HEAD + "[[rules]]\ncode = = 4\n")
    assert found.startswith("s.toml:4: invalid TOML")


def test_missing_name_and_description():
    assert {p.split(": ", 1)[1] for p in problems("")} == {"a scenario needs a name", "a scenario needs a description"}


@pytest.mark.parametrize("name", scenario_names())
def test_every_shipped_scenario_passes_the_check(name):
    parse((SCENARIOS / f"{name}.toml").read_text(encoding="utf-8"), name)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ihuyi_sandbox", *args], capture_output=True, text=True,
                          timeout=60)


def test_cli_check_exits_1_listing_every_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(HEAD + '[[rules]]\ncode = 1\n[[rules]]\nmobile_regex = "("\ncode = 0\n')
    good = SCENARIOS / "default.toml"
    result = run_cli("scenarios", "check", str(good), str(bad))
    assert result.returncode == 1
    assert f"{good}: ok" in result.stdout
    assert f"{bad}:4: unknown code 1" in result.stderr and f"{bad}:6: bad pattern" in result.stderr


def test_cli_check_accepts_the_shipped_files():
    result = run_cli("scenarios", "check", *map(str, sorted(SCENARIOS.glob("*.toml"))))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(": ok") == len(scenario_names())


def test_cli_list_shows_every_shipped_scenario_with_its_description():
    result = run_cli("scenarios", "list")
    assert result.returncode == 0
    for name in ("default", "insufficient-balance", "frozen-account", "blacklist", "ip-restricted",
                 "rate-limited", "flaky-network", "slow-provider", "sequence"):
        assert any(line.startswith(name + " ") for line in result.stdout.splitlines()), name


def test_serve_refuses_a_bad_scenario_with_its_reasons(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(HEAD + '[[rules]]\ncode = 1\n')
    result = run_cli("serve", "--port", "0", "--db", str(tmp_path / "s.db"), "--scenario", str(bad))
    assert result.returncode == 2 and f"{bad}:4: unknown code 1" in result.stderr
    result = run_cli("serve", "--port", "0", "--db", str(tmp_path / "s.db"), "--scenario", "nope")
    assert result.returncode == 2 and "no such scenario" in result.stderr and "default" in result.stderr
