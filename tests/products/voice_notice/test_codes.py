"""docs/contract.md §14: every voice-notice code, reached by the checks that decide it (0 and 407,
which no check decides, by a scenario rule), byte for byte in XML and JSON, with its message in
both message sets; GetNum's codes; what a success and a failure take."""

from __future__ import annotations

import re
import time

import pytest
from tests.support import new_client

from ihuyi_sandbox.products.voice_notice.answers import parse_xml
from ihuyi_sandbox.products.voice_notice.codes import Code, error_for

from .common import GETNUM_CODES, KEY, LIVE, MESSAGE_SETS, NOTICE, OK, VM, VOICE, json_bytes, scenario, xml

TOO_LONG = "您的订单号是：123456789。已由顺风快递发出，请注意查收。"  # a variable of 9 characters
CAR_TEXT = "尊敬的湘B12345车主您好，您的爱车位于：湖南工业大学，请您及时处理，谢谢！"

# (code, parameters, client IP, sent twice: the first answer 2, the second the code)
CASES = [
    (2, OK, "127.0.0.1", False),
    (2, {**OK, "mobile": "02151234529"}, "127.0.0.1", False),
    (2, {**OK, "templateid": "1361", "content": "9633|顺风快递"}, "127.0.0.1", False),
    (2, {**OK, "content": CAR_TEXT}, "127.0.0.1", False),
    (2, {**OK, "templateid": "10001", "content": "湘B12345|湖南工业大学"}, "127.0.0.1", False),
    (2, {**OK, "account": "VM00000005", "password": "k5"}, "10.1.1.1", False),
    (0, {**OK, "mobile": "13700000000"}, "127.0.0.1", False),
    (400, OK, "10.6.6.6", False),
    (401, {**OK, "account": ""}, "127.0.0.1", False),
    (401, {key: value for key, value in OK.items() if key != "account"}, "127.0.0.1", False),
    (402, {**OK, "password": ""}, "127.0.0.1", False),
    (405, {**OK, "password": "wrong"}, "127.0.0.1", False),
    (405, {**OK, "account": "VM99999999"}, "127.0.0.1", False),
    (2, {**OK, "time": "{now}"}, "127.0.0.1", False),  # the APIKEY itself beside a time
    (2, {**OK, "time": "1000000000"}, "127.0.0.1", False),
    (40501, {**OK, "password": "0" * 32, "time": "1000000000"}, "127.0.0.1", False),
    (40501, {**OK, "password": "0" * 32, "time": "17000000000"}, "127.0.0.1", False),
    (40501, {**OK, "password": "0" * 32, "time": "now"}, "127.0.0.1", False),
    (40502, {**OK, "password": "0" * 32, "time": "{now}"}, "127.0.0.1", False),
    (40502, {**OK, "password": KEY.upper(), "time": "{now}"}, "127.0.0.1", False),
    (4052, {**OK, "account": "VM00000005", "password": "k5"}, "127.0.0.1", False),
    (4050, {**OK, "account": "VM00000003", "password": "k3"}, "127.0.0.1", False),
    (408, {**OK, "account": "VM00000004", "password": "k4"}, "127.0.0.1", False),
    (403, {**OK, "mobile": ""}, "127.0.0.1", False),
    (404, {**OK, "content": ""}, "127.0.0.1", False),
    (404, {**OK, "mobile": "12", "content": ""}, "127.0.0.1", False),
    (406, {**OK, "mobile": "12812345678"}, "127.0.0.1", False),
    (406, {**OK, "mobile": "+8613812345678"}, "127.0.0.1", False),
    (406, {**OK, "mobile": "13812345678,13812345679"}, "127.0.0.1", False),
    (406, {**OK, "mobile": "021512345"}, "127.0.0.1", False),
    (406, {**OK, "mobile": "0012345678"}, "127.0.0.1", False),
    (406, {**OK, "mobile": "021-51234529"}, "127.0.0.1", False),
    (406, {**OK, "mobile": "０２１５１２３４５２９"}, "127.0.0.1", False),
    (4030, {**OK, "mobile": "13900001111"}, "127.0.0.1", False),
    (4073, {**OK, "content": "您" * 181}, "127.0.0.1", False),
    (407, {**OK, "mobile": "13700000407"}, "127.0.0.1", False),
    (4071, {**OK, "templateid": "9999", "content": "9633|顺风快递"}, "127.0.0.1", False),
    (4071, {**OK, "templateid": "abc", "content": "9633|顺风快递"}, "127.0.0.1", False),
    (4071, {**OK, "templateid": "10002", "content": "锅炉"}, "127.0.0.1", False),  # rejected
    (4071, {**OK, "templateid": "10003", "content": "12345"}, "127.0.0.1", False),  # pending, not reviewed
    (4071, {**OK, "templateid": "10004", "content": "x"}, "127.0.0.1", False),  # another account's
    (4071, {**OK, "templateid": "10005", "content": "x"}, "127.0.0.1", False),  # another product's
    (4072, {**OK, "content": "hello"}, "127.0.0.1", False),
    (4072, {**OK, "content": NOTICE.replace("：", ":")}, "127.0.0.1", False),
    (4072, {**OK, "content": "警报警报，锅炉发生故障。"}, "127.0.0.1", False),  # only a rejected template fits
    (4072, {**OK, "content": "1234"}, "127.0.0.1", False),
    (4072, {**OK, "templateid": "1361", "content": "9633"}, "127.0.0.1", False),
    (4072, {**OK, "templateid": "1361", "content": "9633|顺风快递|x"}, "127.0.0.1", False),
    (4072, {**OK, "templateid": "1361", "content": "9633|"}, "127.0.0.1", False),
    (40722, {**OK, "content": TOO_LONG}, "127.0.0.1", False),
    (40722, {**OK, "templateid": "1361", "content": "123456789|顺风快递"}, "127.0.0.1", False),
    (4082, {**OK, "account": "VM00000006", "password": "k6"}, "127.0.0.1", True),
    (408, {**OK, "account": "VM00000007", "password": "k7"}, "127.0.0.1", True),
    (4051, {**OK, "account": "VM00000002", "password": "k2"}, "127.0.0.1", False),
]


def _now(params: dict[str, str]) -> dict[str, str]:
    return {key: value.replace("{now}", str(int(time.time()))) for key, value in params.items()}


@pytest.mark.parametrize("message_set", ["live", "doc"])
@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize(("code", "params", "ip", "twice"), CASES)
def test_every_submit_code_byte_for_byte(code, params, ip, twice, fmt, message_set):
    client = new_client(text=scenario(message_set))
    url = f"{VOICE}?method=Submit" + ("&format=json" if fmt == "json" else "")
    params = _now(params)
    if twice:
        assert b"<code>2</code>" in client.post(f"{VOICE}?method=Submit", data=params).data
    response = client.post(url, data=params, environ_base={"REMOTE_ADDR": ip})
    assert response.status_code == 200
    message = MESSAGE_SETS[message_set][code]
    if code == 2:
        found = re.search(rb'<voiceid>([0-9]+)<|"voiceid":"([0-9]+)"', response.data)
        assert found is not None, response.data
        value = (found.group(1) or found.group(2)).decode()
        assert re.fullmatch(r"[1-9][0-9]{19}", value)
    else:
        value = "0"
    if fmt == "json":
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        assert response.data == json_bytes(code, message, value)
    else:
        assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
        assert response.data == xml(code, message, value)


def test_the_two_message_sets_differ_where_the_contract_says():
    differing = {code for code in LIVE if MESSAGE_SETS["live"][code] != MESSAGE_SETS["doc"][code]}
    assert differing == {404, 4072, 4082}
    for message_set in ("live", "doc"):
        client = new_client(text=scenario(message_set))
        answer = client.post(f"{VOICE}?method=Submit", data={**OK, "content": ""}).data
        assert answer == xml(404, MESSAGE_SETS[message_set][404])


def test_every_code_of_the_table_is_reached_above():
    assert {case[0] for case in CASES} == set(LIVE) == {int(code) for code in Code}


GETNUM_CASES = [
    (2, VM, "127.0.0.1", "1000"),
    (2, {"account": "VM00000002", "password": "k2"}, "127.0.0.1", "0"),
    (2, {"account": "VM00000005", "password": "k5"}, "10.1.1.1", "10"),
    (2, {**VM, "time": "{now}", "password": "{signed}"}, "127.0.0.1", "1000"),
    (400, VM, "10.6.6.6", "0"),
    (400, {"account": "VM00000005", "password": "k5"}, "127.0.0.1", "0"),
    (401, {"password": KEY}, "127.0.0.1", "0"),
    (402, {"account": "VM00000001"}, "127.0.0.1", "0"),
    (405, {**VM, "password": "x"}, "127.0.0.1", "0"),
    (405, {"account": "VM99999999", "password": KEY}, "127.0.0.1", "0"),
    (4050, {"account": "VM00000003", "password": "k3"}, "127.0.0.1", "0"),
    (4050, {"account": "VM00000004", "password": "k4"}, "127.0.0.1", "0"),
    (2, {**VM, "time": "{now}"}, "127.0.0.1", "1000"),
    (40501, {**VM, "password": "0" * 32, "time": "1000000000"}, "127.0.0.1", "0"),
    (40502, {**VM, "password": "0" * 32, "time": "{now}"}, "127.0.0.1", "0"),
]


@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize(("code", "params", "ip", "num"), GETNUM_CASES)
def test_getnum_codes_byte_for_byte(code, params, ip, num, fmt):
    from ihuyi_sandbox.wire.passwords import dynamic_password

    now = str(int(time.time()))
    params = {k: v.replace("{now}", now).replace("{signed}", dynamic_password("VM00000001", KEY, now))
              for k, v in params.items()}
    client = new_client(text=scenario())
    response = client.get(VOICE, query_string={"method": "GetNum", "format": fmt, **params},
                          environ_base={"REMOTE_ADDR": ip})
    message = "查询成功" if code == 2 else LIVE[code]
    if fmt == "json":
        assert response.data == json_bytes(code, message, num, "num")
    else:
        assert response.data == xml(code, message, num, "GetNumResult", "num")
    assert code in GETNUM_CODES


def test_a_signed_submit_covers_the_variables_as_sent():
    from ihuyi_sandbox.wire.passwords import dynamic_password

    client = new_client(text=scenario())
    now = str(int(time.time()))
    params = {**OK, "templateid": "1361", "content": "9633|顺风快递", "time": now}
    params["password"] = dynamic_password("VM00000001", KEY, now, params["mobile"], "9633|顺风快递")
    assert parse_xml(client.post(f"{VOICE}?method=Submit", data=params).data).code == 2
    params["password"] = dynamic_password("VM00000001", KEY, now, params["mobile"], NOTICE)  # the filled text
    assert parse_xml(client.post(f"{VOICE}?method=Submit", data=params).data).code == 40502


def test_a_success_takes_one_unit_and_a_failure_nothing():
    client = new_client(text=scenario())
    for params in ({**OK, "content": "hello"}, {**OK, "mobile": "1"}, {**OK, "templateid": "9999"},
                   {**OK, "content": "您" * 181}):
        assert parse_xml(client.post(f"{VOICE}?method=Submit", data=params).data).code != 2
    assert b"<num>1000</num>" in client.post(f"{VOICE}?method=GetNum", data=VM).data
    client.post(f"{VOICE}?method=Submit", data=OK)
    assert b"<num>999</num>" in client.post(f"{VOICE}?method=GetNum", data=VM).data


def test_the_balance_runs_out_with_4051():
    client = new_client(text=scenario().replace("balance = 1000\n", "balance = 2\n", 1))  # VM00000001's
    codes = [parse_xml(client.post(f"{VOICE}?method=Submit", data=OK).data).code for _ in range(4)]
    assert codes == [2, 2, 4051, 4051]


@pytest.mark.parametrize("code", sorted(set(LIVE) - {2}))
def test_the_client_raises_an_error_with_the_message_for_every_failure(code):
    error = error_for(code)
    assert (error.code, error.message) == (code, LIVE[code])


def test_a_success_is_no_error():
    with pytest.raises(ValueError):
        error_for(2)

