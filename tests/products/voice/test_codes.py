"""CONTRACT.md §3: every code reachable by real inputs, with its message, in the documented order."""

from __future__ import annotations

import pytest
from tests.support import DEMO, VOICE

from ihuyi_sandbox.products.voice.codes import MESSAGES, Code
from ihuyi_sandbox.service.records import DEMO_APIID, DEMO_APIKEY, Account, Seed
from ihuyi_sandbox.products.voice.answers import parse_json, parse_xml

OK = {**DEMO, "mobile": "13812345678", "content": "1234"}
SEED = Seed(
    accounts=(
        Account(DEMO_APIID, DEMO_APIKEY, 1000),
        Account("V00000002", "k2", 0),
        Account("V00000003", "k3", 10, frozen=True),
        Account("V00000004", "k4", 10, auto_frozen=True),
        Account("V00000005", "k5", 10, registered_ips=("10.1.1.1",)),
    ),
    blacklist=frozenset({"13900001111"}),
    refused_ips=frozenset({"10.6.6.6"}),
)

CASES = [
    (Code.OK, OK, "127.0.0.1"),
    (Code.IP_REFUSED, OK, "10.6.6.6"),
    (Code.ACCOUNT_EMPTY, {**OK, "account": ""}, "127.0.0.1"),
    (Code.PASSWORD_EMPTY, {**OK, "password": ""}, "127.0.0.1"),
    (Code.MOBILE_EMPTY, {**OK, "mobile": ""}, "127.0.0.1"),
    (Code.MOBILE_BLACKLISTED, {**OK, "mobile": "13900001111"}, "127.0.0.1"),
    (Code.CONTENT_EMPTY, {**OK, "content": ""}, "127.0.0.1"),
    (Code.BAD_CREDENTIALS, {**OK, "password": "wrong"}, "127.0.0.1"),
    (Code.BAD_CREDENTIALS, {**OK, "account": "V99999999"}, "127.0.0.1"),
    (Code.ACCOUNT_FROZEN, {**OK, "account": "V00000003", "password": "k3"}, "127.0.0.1"),
    (Code.BALANCE_EXHAUSTED, {**OK, "account": "V00000002", "password": "k2"}, "127.0.0.1"),
    (Code.IP_NOT_REGISTERED, {**OK, "account": "V00000005", "password": "k5"}, "127.0.0.1"),
    (Code.OK, {**OK, "account": "V00000005", "password": "k5"}, "10.1.1.1"),
    (Code.DYNAMIC_PASSWORD_EXPIRED, {**OK, "time": "1000000000"}, "127.0.0.1"),
    (Code.DYNAMIC_PASSWORD_MISMATCH, {**OK, "time": "{now}"}, "127.0.0.1"),
    (Code.MOBILE_INVALID, {**OK, "mobile": "12812345678"}, "127.0.0.1"),
    (Code.MOBILE_INVALID, {**OK, "mobile": "138123456789"}, "127.0.0.1"),
    (Code.MOBILE_INVALID, {**OK, "mobile": "13812345678,13812345679"}, "127.0.0.1"),
    (Code.CONTENT_INVALID, {**OK, "content": "123"}, "127.0.0.1"),
    (Code.CONTENT_INVALID, {**OK, "content": "1234567"}, "127.0.0.1"),
    (Code.CONTENT_INVALID, {**OK, "content": "12a4"}, "127.0.0.1"),
    (Code.CONTENT_INVALID, {**OK, "content": "１２３４"}, "127.0.0.1"),
    (Code.ACCOUNT_AUTO_FROZEN, {**OK, "account": "V00000004", "password": "k4"}, "127.0.0.1"),
]


@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize(("code", "params", "ip"), CASES)
def test_every_submit_code_is_reachable(make_client, code, params, ip, fmt):
    import time

    client = make_client(seed=SEED)
    params = {k: v.replace("{now}", str(int(time.time()))) for k, v in params.items()}
    response = client.post(f"{VOICE}?method=Submit&format={fmt}", data=params, environ_base={"REMOTE_ADDR": ip})
    assert response.status_code == 200
    answer = parse_json(response.data, "Submit") if fmt == "json" else parse_xml(response.data)
    assert answer.code == code
    assert answer.msg == MESSAGES[code]
    assert (answer.value != "0") == (code == Code.OK)


GETNUM_CASES = [
    (Code.OK, DEMO, "127.0.0.1", "1000"),
    (Code.IP_REFUSED, DEMO, "10.6.6.6", "0"),
    (Code.IP_REFUSED, {"account": "V00000005", "password": "k5"}, "127.0.0.1", "0"),
    (Code.OK, {"account": "V00000005", "password": "k5"}, "10.1.1.1", "10"),
    (Code.ACCOUNT_EMPTY, {"password": "x"}, "127.0.0.1", "0"),
    (Code.PASSWORD_EMPTY, {"account": DEMO_APIID}, "127.0.0.1", "0"),
    (Code.BAD_CREDENTIALS, {**DEMO, "password": "x"}, "127.0.0.1", "0"),
    (Code.ACCOUNT_FROZEN, {"account": "V00000003", "password": "k3"}, "127.0.0.1", "0"),
    (Code.ACCOUNT_FROZEN, {"account": "V00000004", "password": "k4"}, "127.0.0.1", "0"),
    (Code.OK, {"account": "V00000002", "password": "k2"}, "127.0.0.1", "0"),
]


@pytest.mark.parametrize(("code", "params", "ip", "num"), GETNUM_CASES)
def test_getnum_codes(make_client, code, params, ip, num):
    client = make_client(seed=SEED)
    response = client.get(VOICE, query_string={"method": "GetNum", **params}, environ_base={"REMOTE_ADDR": ip})
    answer = parse_xml(response.data)
    assert (answer.method, answer.code, answer.value) == ("GetNum", code, num)
    assert answer.msg == ("查询成功" if code == Code.OK else MESSAGES[code])


def test_success_takes_one_unit_and_failures_take_nothing(client):
    for params in ({**OK, "content": "1"}, {**OK, "password": "x"}, {**OK, "mobile": "1"}):
        client.post(f"{VOICE}?method=Submit", data=params)
    assert b"<num>1000</num>" in client.post(f"{VOICE}?method=GetNum", data=DEMO).data
    client.post(f"{VOICE}?method=Submit", data=OK)
    assert b"<num>999</num>" in client.post(f"{VOICE}?method=GetNum", data=DEMO).data


def test_balance_runs_out_with_4051(make_client):
    client = make_client(seed=Seed(accounts=(Account(DEMO_APIID, DEMO_APIKEY, 2),)))
    codes = [parse_xml(client.post(f"{VOICE}?method=Submit", data=OK).data).code for _ in range(4)]
    assert codes == [2, 2, 4051, 4051]


def test_voice_ids_are_unique(client):
    ids = {parse_xml(client.post(f"{VOICE}?method=Submit", data=OK).data).value for _ in range(30)}
    assert len(ids) == 30 and all(i.isdigit() for i in ids)
