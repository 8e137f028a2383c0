"""Hypothesis: generated scenarios answer as a plain reference model of the rules says, and the
check accepts every generated file and rejects mutations with a precise reason."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support import DEMO, VOICE, new_client, scenario_text

from ihuyi_sandbox.service.scenarios import ScenarioError, parse
from ihuyi_sandbox.products.voice.answers import parse_xml

MOBILES = ["13800000001", "13800000002", "13800000003"]
CODES = [0, 406, 407, 4030, 4051]
HEAD = scenario_text()


@st.composite
def rules(draw) -> dict:
    rule: dict = {"code": draw(st.sampled_from(CODES))}
    if draw(st.booleans()):
        rule["mobile"] = draw(st.sampled_from(MOBILES))
    kind = draw(st.sampled_from(["always", "nth", "every", "range"]))
    if kind == "nth":
        rule["nth"] = draw(st.integers(1, 5))
    elif kind == "every":
        rule["every"] = draw(st.integers(1, 4))
    elif kind == "range":
        low = draw(st.integers(1, 5))
        rule["from_call"], rule["until_call"] = low, draw(st.integers(low, 8))
    if draw(st.booleans()):
        rule["times"] = draw(st.integers(1, 4))
    return rule


def to_toml(generated: list[dict]) -> str:
    parts = [HEAD]
    for rule in generated:
        parts.append("[[rules]]\n" + "".join(
            f'{k} = "{v}"\n' if isinstance(v, str) else f"{k} = {v}\n" for k, v in rule.items()))
    return "".join(parts)


def model(generated: list[dict], calls: list[str]) -> list[int]:
    """The rules as the README states them, written plainly: every matching rule counts the call;
    the first whose *when* holds, and whose times are not used up, answers its code."""
    matched = [0] * len(generated)
    fired = [0] * len(generated)
    answers = []
    for mobile in calls:
        candidates = [i for i, r in enumerate(generated) if r.get("mobile", mobile) == mobile]
        for i in candidates:
            matched[i] += 1
        answer = 2
        for i in candidates:
            rule, n = generated[i], matched[i]
            if "nth" in rule and n != rule["nth"]:
                continue
            if "every" in rule and n % rule["every"]:
                continue
            if "from_call" in rule and not rule["from_call"] <= n <= rule["until_call"]:
                continue
            if "times" in rule:
                fired[i] += 1
                if fired[i] > rule["times"]:
                    continue
            answer = rule["code"]
            break
        answers.append(answer)
    return answers


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated=st.lists(rules(), min_size=1, max_size=4), calls=st.lists(st.sampled_from(MOBILES), max_size=12))
def test_answers_match_the_reference_model(generated, calls):
    client = new_client(text=to_toml(generated))
    answers = [parse_xml(client.post(f"{VOICE}?method=Submit",
                                     data={**DEMO, "mobile": m, "content": "1234"}).data).code for m in calls]
    assert answers == model(generated, calls)


@settings(max_examples=60, deadline=None)
@given(generated=st.lists(rules(), min_size=1, max_size=4), data=st.data())
def test_check_accepts_generated_files_and_rejects_mutations_precisely(generated, data):
    text = to_toml(generated)
    assert len(parse(text, "g.toml").rules) == len(generated)
    target = data.draw(st.integers(0, len(generated) - 1))
    mutation = data.draw(st.sampled_from(["unknown key", "unknown code", "bad type"]))
    mutated = [dict(rule) for rule in generated]
    if mutation == "unknown key":
        mutated[target]["colour"] = "red"
        reason = "unknown key 'colour'"
    elif mutation == "unknown code":
        mutated[target]["code"] = 1234
        reason = "unknown code 1234"
    else:
        mutated[target]["code"] = "two"
        reason = "code must be an integer"
    bad = to_toml(mutated)
    try:
        parse(bad, "g.toml")
    except ScenarioError as error:
        (problem,) = error.problems
    else:
        raise AssertionError("the mutation was accepted")
    header_line = [i for i, line in enumerate(bad.splitlines(), 1) if line == "[[rules]]"][target]
    line = int(problem.split(":")[1])
    assert problem.startswith("g.toml:") and reason in problem
    assert header_line < line <= header_line + len(mutated[target])
