"""Hypothesis: every input gets a documented answer, never a 500; the precedence order holds."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tests.support import VOICE, new_client

from ihuyi_sandbox.products.voice.codes import GETNUM_CODES, SUBMIT_CODES, Code
from ihuyi_sandbox.service.records import Account, Seed
from ihuyi_sandbox.products.voice.answers import parse_json, parse_xml

CLIENT = new_client()  # one sandbox for the whole module: state only grows, answers must stay valid
KEYS = ["account", "password", "mobile", "content", "time", "format", "method", "x"]
values = st.one_of(st.text(max_size=20), st.sampled_from(["V00000001", "0123456789abcdef0123456789abcdef",
                                                          "13812345678", "1234", "json", "xml", ""]))
params = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), values, max_size=8)
relaxed = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_documented(response, method: str, fmt: str) -> None:
    assert response.status_code == 200, response.data
    if fmt.strip().lower() == "json":
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        json.loads(response.data)
        answer = parse_json(response.data, method)
    else:
        assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
        answer = parse_xml(response.data)
    assert answer.code in (SUBMIT_CODES if method == "Submit" else GETNUM_CODES)


@relaxed
@given(method=st.sampled_from(["Submit", "GetNum"]), query=params, body=params, post=st.booleans())
def test_any_parameters_get_a_documented_answer(method, query, body, post):
    query = {**query, "method": method}
    if post:
        response = CLIENT.post(VOICE, query_string=query, data=body)
    else:
        response = CLIENT.get(VOICE, query_string={**body, **query})
    fmt = ({**query, **body} if post else {**body, **query}).get("format", "")
    assert_documented(response, method, fmt)


@relaxed
@given(method=st.sampled_from(["Submit", "GetNum"]), body=st.binary(max_size=300),
       content_type=st.sampled_from(["application/x-www-form-urlencoded", "text/plain", "",
                                     "application/x-www-form-urlencoded; charset=gbk",
                                     "application/x-www-form-urlencoded; charset=nonsense",
                                     "multipart/form-data; boundary=x", "multipart/form-data"]))
def test_any_body_bytes_get_a_documented_answer(method, body, content_type):
    response = CLIENT.post(f"{VOICE}?method={method}", data=body, content_type=content_type or None)
    assert_documented(response, method, "")


@relaxed
@given(method=st.text(max_size=10))
def test_any_method_gets_an_answer_or_the_clear_method_error(method):
    response = CLIENT.get(VOICE, query_string={"method": method})
    if method in ("Submit", "GetNum"):
        assert_documented(response, method, "")
    else:
        assert response.status_code == 400
        assert b"method=Submit or method=GetNum" in response.data


# The contract's order, and for each code a way to make a request fail it: the property is that
# whatever set of failures a request carries, the first in this order answers.
ORDER = [400, 401, 402, 405, 4052, 4050, 408, 403, 406, 4030, 404, 4070, 4051]


@settings(max_examples=200, deadline=None)
@given(faults=st.sets(st.sampled_from(ORDER)), method=st.sampled_from(["Submit", "GetNum"]))
def test_the_first_failing_check_answers(faults, method):
    account = Account("V10000001", "key", balance=0 if 4051 in faults else 5, frozen=4050 in faults,
                      auto_frozen=408 in faults, registered_ips=("10.9.9.9",) if 4052 in faults else ())
    seed = Seed(accounts=(account,), blacklist=frozenset({"13812345678"} if 4030 in faults else ()),
                refused_ips=frozenset({"127.0.0.1"} if 400 in faults else ()))
    data = {
        "account": "" if 401 in faults else "V10000001",
        "password": "" if 402 in faults else ("bad" if 405 in faults else "key"),
        "mobile": "" if 403 in faults else ("1381234" if 406 in faults else "13812345678"),
        "content": "" if 404 in faults else ("12" if 4070 in faults else "1234"),
    }
    code = parse_xml(new_client(seed=seed).post(f"{VOICE}?method={method}", data=data).data).code
    if method == "Submit":
        expected = min(faults, key=ORDER.index, default=Code.OK)
    else:  # GetNum runs the account checks only, and answers with its own codes
        first = min((f for f in faults if ORDER.index(f) <= ORDER.index(408)), key=ORDER.index, default=Code.OK)
        expected = {4052: 400, 408: 4050}.get(first, first)
    assert code == expected


form_text = st.text(alphabet=st.characters(max_codepoint=0x7F, exclude_characters="&=%+"), max_size=12) | \
    st.text(alphabet=" \t\x0bab1", max_size=4)


@relaxed
@example(pairs=[(" account ", " V00000001 "), ("\x1c", "x"), ("", "1"), ("a", "")], charset="")
@given(pairs=st.lists(st.tuples(st.sampled_from(KEYS) | form_text, form_text), max_size=6),
       charset=st.sampled_from(["", "; charset=UTF-8", "; charset=gbk"]))
def test_a_form_reads_the_same_with_every_byte_percent_escaped(pairs, charset):
    """A plain body takes a shortcut past unescaping and decoding; escaping every byte sends it
    the long way round, which must read exactly the same parameters."""
    plain = "&".join(f"{k}={v}" for k, v in pairs).encode()
    escaped = "&".join("".join(f"%{b:02X}" for b in k.encode()) + "=" + "".join(f"%{b:02X}" for b in v.encode())
                       for k, v in pairs).encode()
    read = []
    for body in (plain, escaped):
        CLIENT.post(f"{VOICE}?method=Submit", data=body,
                    content_type="application/x-www-form-urlencoded" + charset)
        read.append(CLIENT.get("/_sandbox/requests?limit=1").json["requests"][0]["params"])
    assert read[0] == read[1]
