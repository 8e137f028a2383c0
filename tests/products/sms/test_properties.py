"""Hypothesis, per product: every request gets a documented code with its documented message in the
format asked for, never a 5xx; and for SMS, whatever set of failures a request carries, the first
in the contract's order answers."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tests.support import new_client

from ihuyi_sandbox.products.sms.answers import ISMS_API, MARKETING_API, SMS_API
from ihuyi_sandbox.service.records import Account, Seed

from .common import CODE_TEXT, KEY, ORDER_TEMPLATE, scenario

CLIENT = new_client(text=scenario())  # one sandbox per module: state only grows, answers must stay valid
#: each product's path (and another that reaches it) and its methods' shapes
SURFACES = {
    "sms": (("/_sms/webservice/sms.php", "/webservice/sms.php"), SMS_API),
    "isms": (("/webservice/isms.php", "/_isms/webservice/isms.php"), ISMS_API),
    "marketing": (("/_yx/webservice/sms.php",), MARKETING_API),
}
KEYS = ["account", "password", "mobile", "content", "time", "format", "templateid", "sign", "stime", "method", "x"]
values = st.one_of(
    st.text(max_size=24),
    st.sampled_from(["C00000001", "I00000001", "M00000001", "V00000001", "C00000013", "C00000014", KEY,
                     "13812345678", "13812345678,13912345678", "1 6305551234", "+44 7700900123", "13900001111",
                     CODE_TEXT, "尊敬的张三，您的订单A123已发货。", ORDER_TEMPLATE, "张三|A123", "1234", "1", "10000",
                     "【互亿无线】" + CODE_TEXT, CODE_TEXT + "😀", "好" * 501, "a-b", "2016-11-30 15:30:00",
                     "1500000000", "json", "xml", "JSON", ""]),
)
params = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), values, max_size=9)
relaxed = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_documented(response, api, method: str, fmt: str, forced: str | None = None) -> None:
    assert response.status_code == 200, response.data
    if (forced or fmt.strip().lower()) == "json":
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        json.loads(response.data)
        answer = api.parse_json(response.data, method)
    else:
        assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
        answer = api.parse_xml(response.data)
    assert answer.method == method  # and parse_* checked the code is documented, with its message


@relaxed
@example(product="sms", method="AddTemplate", query={}, body={"account": "C00000001", "password": KEY,
                                                              "content": "【变量】" * 300}, post=True, path=0)
@given(product=st.sampled_from(list(SURFACES)), method=st.sampled_from(["Submit", "GetNum", "AddTemplate"]),
       query=params, body=params, post=st.booleans(), path=st.integers(0, 1))
def test_any_parameters_get_a_documented_answer(product, method, query, body, post, path):
    paths, api = SURFACES[product]
    if method not in api.names:
        method = "Submit"
    url = paths[path % len(paths)]
    query = {**query, "method": method}
    if post:
        response = CLIENT.post(url, query_string=query, data=body)
    else:
        response = CLIENT.get(url, query_string={**body, **query})
    fmt = ({**query, **body} if post else {**body, **query}).get("format", "")
    assert_documented(response, api, method, fmt)


@relaxed
@given(route=st.sampled_from([("/sms/Submit.json", "Submit"), ("/sms/GetNum.json", "GetNum")]), body=params)
def test_the_json_routes_answer_any_parameters_in_json(route, body):
    path, method = route
    assert_documented(CLIENT.post(path, data=body), SMS_API, method, "", forced="json")


@relaxed
@given(product=st.sampled_from(list(SURFACES)), method=st.sampled_from(["Submit", "GetNum", "AddTemplate"]),
       body=st.binary(max_size=400),
       content_type=st.sampled_from(["application/x-www-form-urlencoded", "text/plain", "",
                                     "application/x-www-form-urlencoded; charset=gbk",
                                     "multipart/form-data; boundary=x", "multipart/form-data"]))
def test_any_body_bytes_get_a_documented_answer(product, method, body, content_type):
    paths, api = SURFACES[product]
    if method not in api.names:
        method = "GetNum"
    response = CLIENT.post(f"{paths[0]}?method={method}", data=body, content_type=content_type or None)
    assert_documented(response, api, method, "")


# The SMS Submit order, and for each code a way to make a request fail it.
ORDER = [400, 401, 402, 405, 4052, 4050, 403, 404, 406, 4030, 4070, 4074, 4073, 4072, 4051]


@settings(max_examples=200, deadline=None)
@given(faults=st.sets(st.sampled_from(ORDER)), method=st.sampled_from(["Submit", "GetNum"]))
def test_the_first_failing_check_answers(faults, method):
    account = Account("C10000001", "key", balance=0 if 4051 in faults else 5, frozen=4050 in faults,
                      registered_ips=("10.9.9.9",) if 4052 in faults else ())
    seed = Seed(accounts=(account,), blacklist=frozenset({"13812345678"} if 4030 in faults else ()),
                refused_ips=frozenset({"127.0.0.1"} if 400 in faults else ()))
    content = "好" * 501 if 4073 in faults else ("hello" if 4072 in faults else CODE_TEXT)
    data = {
        "account": "" if 401 in faults else "C10000001",
        "password": "" if 402 in faults else ("bad" if 405 in faults else "key"),
        "mobile": "" if 403 in faults else ("1381234" if 406 in faults else "13812345678"),
        "content": "" if 404 in faults else content + ("😀" if 4074 in faults else ""),
        "sign": "A" if 4070 in faults else "",
    }
    response = new_client(seed=seed).post(f"/webservice/sms.php?method={method}", data=data)
    code = SMS_API.parse_xml(response.data).code
    if method == "Submit":
        expected = min(faults, key=ORDER.index, default=2)
    else:  # GetNum runs the account's checks only, a refused 4052 answering 400
        first = min((f for f in faults if ORDER.index(f) <= ORDER.index(4050)), key=ORDER.index, default=2)
        expected = {4052: 400}.get(first, first)
    assert code == expected
