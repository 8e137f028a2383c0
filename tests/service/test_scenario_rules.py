"""Every kind of match, every *when* and every effect of a scenario rule, through HTTP."""

from __future__ import annotations

import time

from tests.support import DEMO, VOICE, new_client, scenario_text

from ihuyi_sandbox.products.voice.answers import parse_json, parse_xml
from ihuyi_sandbox.service.products import all_codes

HEAD = scenario_text(balance=100, more='[[accounts]]\napiid = "V00000002"\napikey = "k2"\nbalance = 100\n')
B = {"account": "V00000002", "password": "k2"}


def sandbox(rules: str):
    return new_client(text=HEAD + rules)


def submit(client, mobile="13812345678", content="1234", fmt="xml", ip="127.0.0.1", creds=DEMO) -> int:
    data = {**creds, "mobile": mobile, "content": content, "format": fmt}
    response = client.post(f"{VOICE}?method=Submit", data=data, environ_base={"REMOTE_ADDR": ip})
    return (parse_json(response.data, "Submit") if fmt == "json" else parse_xml(response.data)).code


def balance(client, creds=DEMO) -> int:
    return int(parse_xml(client.post(f"{VOICE}?method=GetNum", data=creds).data).value)


def test_match_by_method():
    client = sandbox('[[rules]]\nmethod = "GetNum"\ncode = 4050\n')
    assert parse_xml(client.post(f"{VOICE}?method=GetNum", data=DEMO).data).code == 4050
    assert submit(client) == 2


def test_match_by_account_keeps_other_accounts_untouched():
    client = sandbox('[[rules]]\naccount = "V00000002"\ncode = 4051\n')
    assert submit(client, creds=B) == 4051
    assert submit(client) == 2


def test_match_by_mobile_exact_prefix_and_regex():
    client = sandbox('[[rules]]\nmobile = ["13811111111", "13822222222"]\ncode = 4030\n'
                     '[[rules]]\nmobile_prefix = "1375"\ncode = 406\n'
                     '[[rules]]\nmobile_regex = "15[0-9]{8}9"\ncode = 0\n')
    assert [submit(client, m) for m in ("13811111111", "13822222222", "13750000000", "15000000009",
                                        "15000000008", "13812345678")] == [4030, 4030, 406, 0, 2, 2]


def test_match_by_content_format_and_client_ip():
    client = sandbox('[[rules]]\ncontent = "0000"\ncode = 407\n'
                     '[[rules]]\ncontent_regex = "9+"\ncode = 4070\n'
                     '[[rules]]\nformat = "json"\ncode = 0\n'
                     '[[rules]]\nclient_ip = "10.1.2.3"\ncode = 400\n')
    assert submit(client, content="0000") == 407
    assert submit(client, content="99999") == 4070
    assert submit(client, fmt="json") == 0
    assert submit(client, ip="10.1.2.3") == 400
    assert submit(client) == 2


def test_nth_every_from_until():
    client = sandbox('[[rules]]\nmobile = "13800000001"\nnth = 2\ncode = 0\n'
                     '[[rules]]\nmobile = "13800000002"\nevery = 3\ncode = 0\n'
                     '[[rules]]\nmobile = "13800000003"\nfrom_call = 2\nuntil_call = 3\ncode = 0\n')
    assert [submit(client, "13800000001") for _ in range(4)] == [2, 0, 2, 2]
    assert [submit(client, "13800000002") for _ in range(7)] == [2, 2, 0, 2, 2, 0, 2]
    assert [submit(client, "13800000003") for _ in range(5)] == [2, 0, 0, 2, 2]


def test_times_then_the_rule_falls_away():
    client = sandbox('[[rules]]\ncode = 0\ntimes = 3\n')
    assert [submit(client) for _ in range(5)] == [0, 0, 0, 2, 2]


def test_after_successes():
    client = sandbox('[[rules]]\nafter_successes = 2\ncode = 4051\n')
    assert [submit(client) for _ in range(4)] == [2, 2, 4051, 4051]
    assert submit(client, creds=B) == 2  # counted per account


def test_counters_are_per_account():
    client = sandbox('[[rules]]\nnth = 2\ncode = 0\n')
    assert [submit(client), submit(client, creds=B), submit(client), submit(client, creds=B)] == [2, 2, 0, 0]


def test_probability_is_replayed_by_the_seed():
    def run(seed: int) -> list[int]:
        text = HEAD.replace("[[accounts]]", f"[settings]\nrandom_seed = {seed}\n[[accounts]]", 1)
        client = new_client(text=text + "[[rules]]\nprobability = 0.5\ncode = 0\n")
        return [submit(client) for _ in range(40)]

    first = run(42)
    assert first == run(42)
    assert 10 < first.count(0) < 30  # about half the calls
    assert run(43) != first


def test_a_sequence_with_states_fail_then_succeed_then_normal():
    client = sandbox('[[rules]]\nstate = "Started"\ncode = 0\nset_state = "failed"\n'
                     '[[rules]]\nstate = "failed"\ncode = 2\nset_state = "done"\n'
                     '[[rules]]\nstate = "done"\ncontent = "0000"\ncode = 407\n')
    assert [submit(client), submit(client), submit(client), submit(client, content="0000")] == [0, 2, 2, 407]
    assert balance(client) == 98  # the forced 2 took a unit like a real success


def test_a_sequence_with_nth():
    client = sandbox('[[rules]]\nnth = 1\ncode = 0\n[[rules]]\nnth = 2\ncode = 2\n')
    assert [submit(client) for _ in range(3)] == [0, 2, 2]


def test_forced_codes_change_no_state():
    client = sandbox('[[rules]]\nmobile = "13900000408"\ncode = 408\n'
                     '[[rules]]\nmobile = "13900004051"\ncode = 4051\n')
    assert submit(client, "13900000408") == 408
    assert submit(client, "13900004051") == 4051
    assert submit(client) == 2  # not frozen by the forced 408
    assert balance(client) == 99


def test_frequency_limit_per_mobile():
    client = sandbox('[[rules]]\nlimit = { count = 2, window_seconds = 60 }\ncode = 0\n')
    assert [submit(client) for _ in range(3)] == [2, 2, 0]
    assert submit(client, "13812340000") == 2


def test_frequency_limit_per_account_that_freezes():
    client = sandbox('[[rules]]\nlimit = { count = 2, window_seconds = 60, per = "account" }\ncode = 408\nfreeze = true\n')
    assert [submit(client, f"1381234000{i}") for i in range(3)] == [2, 2, 408]
    assert parse_xml(client.post(f"{VOICE}?method=GetNum", data=DEMO).data).code == 4050  # frozen now
    assert submit(client, creds=B) == 2


def test_latency_comes_before_the_answer():
    client = sandbox('[[rules]]\nlatency_ms = 300\n')
    started = time.monotonic()
    assert submit(client) == 2  # latency alone leaves the ordinary answer
    assert time.monotonic() - started >= 0.3


def test_code_from_mobile_passes_numbers_that_are_no_code():
    client = sandbox('[[rules]]\nmobile_prefix = "1390000"\ncode_from_mobile = true\n')
    assert [submit(client, m) for m in ("13900004051", "13900000406", "13900000000", "13900001234")] == \
        [4051, 406, 0, 2]


def test_a_code_getnum_does_not_document_lets_getnum_pass():
    client = sandbox('[[rules]]\ncode = 4051\n')
    assert submit(client) == 4051
    assert parse_xml(client.post(f"{VOICE}?method=GetNum", data=DEMO).data).code == 2


def test_switch_and_reset_through_the_sandbox_api():
    client = sandbox('[[rules]]\nnth = 2\ncode = 0\n')
    assert [submit(client), submit(client)] == [2, 0]
    response = client.put("/_sandbox/scenario", json={"name": "insufficient-balance"})
    assert response.status_code == 200 and response.json["active"]["name"] == "insufficient-balance"
    assert [submit(client) for _ in range(4)] == [2, 2, 2, 4051]
    assert client.post("/_sandbox/reset").json["status"] == "reset"
    assert [submit(client) for _ in range(4)] == [2, 2, 2, 4051]
    inline = HEAD + '[[rules]]\ncode = 407\n'
    assert client.put("/_sandbox/scenario", data=inline, content_type="application/toml").status_code == 200
    assert submit(client) == 407
    listing = client.get("/_sandbox/scenarios").json
    assert listing["active"]["source"] == "<inline>"
    assert {"default", "sequence"} <= {s["name"] for s in listing["available"]}


def test_a_bad_scenario_is_refused_and_the_active_one_stays():
    client = sandbox('[[rules]]\ncode = 407\n')
    response = client.put("/_sandbox/scenario", json={"toml": HEAD + '[[rules]]\ncode = 1\n'})
    assert response.status_code == 400
    (problem,) = response.json["problems"]
    head, _, listed = problem.partition("; documented: ")
    assert head == "<inline>:12: unknown code 1"
    documented = [int(code) for code in listed.split(", ")]
    assert documented == sorted(all_codes())  # every product's codes, once each, in order
    assert {0, 2, 400, 405, 4070, 40501, 40502} <= set(documented)
    assert submit(client) == 407
    for bad in ({"name": 5}, {"nope": "x"}, [], "x"):
        assert client.put("/_sandbox/scenario", json=bad).status_code == 400
    assert client.put("/_sandbox/scenario", json={"name": "no-such"}).status_code == 400
