"""docs/contract.md §11–§13: every code of every method of the three products reachable (by the
checks where they decide it, by a scenario rule otherwise), answered byte for byte in XML and
JSON with its message in both message sets."""

from __future__ import annotations

import hashlib
import re
from typing import NamedTuple

import pytest

from ihuyi_sandbox.products.sms.codes import Code
from ihuyi_sandbox.wire.passwords import dynamic_password

from .common import (ADDTEMPLATE_CODES, CODE_TEXT, GETNUM_CODES, KEY, MESSAGES, PRODUCTS, ROOTS, SMS, SUBMITS,
                     answered_value, client, json_bytes, message, now, xml)

LOCAL = "127.0.0.1"


class Case(NamedTuple):
    params: dict[str, str]
    ip: str = LOCAL
    #: requests sent first (the frequency limits need deliveries to count)
    before: tuple[dict[str, str], ...] = ()


def account(prefix: str, n: str) -> dict[str, str]:
    return {"account": f"{prefix}000000{n}", "password": KEY}


def common_cases(product: str) -> dict[int, list[Case]]:
    """The checks every product's Submit shares."""
    ok, prefix = SUBMITS[product], PRODUCTS[product][1]
    return {
        2: [Case(ok), Case({**ok, **account(prefix, "05")}, ip="10.1.1.1")],
        400: [Case(ok, ip="10.6.6.6")],
        401: [Case({**ok, "account": ""})],
        402: [Case({**ok, "password": ""})],
        405: [Case({**ok, "password": "wrong"}), Case({**ok, "account": f"{prefix}99999999"}),
              Case({**ok, "account": "V00000001"})],
        4050: [Case({**ok, **account(prefix, "03")}), Case({**ok, **account(prefix, "04")})],
        40501: [Case({**ok, "time": "1000000000"})],
        40502: [Case({**ok, "time": "{now}"})],
        4051: [Case({**ok, **account(prefix, "02")})],
        4052: [Case({**ok, **account(prefix, "05")})],
        403: [Case({**ok, "mobile": ""})],
        404: [Case({**ok, "content": ""}), Case({**ok, "mobile": "12", "content": ""})],
        4074: [Case({**ok, "content": ok["content"] + "😀"}), Case({**ok, "content": "❤️" + ok["content"]})],
        4073: [Case({**ok, "content": "好" * 501})],
    }


def limit_cases(product: str) -> dict[int, list[Case]]:
    """The frequency limits, each on the account that sets it (…10 to …14)."""
    ok, prefix = SUBMITS[product], PRODUCTS[product][1]
    other = {**ok, "content": CODE_TEXT.replace("1234", "5678")} if product == "sms" else \
        {**ok, "content": "您的验证码是5678"}
    first = {**ok, "content": CODE_TEXT} if product == "sms" else {**ok, "content": "您的验证码是1234"}

    def on(n: str, params: dict[str, str]) -> dict[str, str]:
        return {**params, **account(prefix, n)}
    return {
        4080: [Case(on("10", other), before=(on("10", first),))],
        4083: [Case(on("11", first), before=(on("11", first),))],
        4085: [Case(on("12", other), before=(on("12", first),))],
        4082: [Case(on("13", other), before=(on("13", first),))],
        408: [Case(on("14", other), before=(on("14", first),))],
    }


SUBMIT_CASES: dict[str, dict[int, list[Case]]] = {
    "sms": {
        **common_cases("sms"), **limit_cases("sms"),
        406: [Case({**SUBMITS["sms"], "mobile": m}) for m in ("12812345678", "138123456789", "1381234567x",
                                                              "13812345678,13912345678", "+86 13812345678")],
        4030: [Case({**SUBMITS["sms"], "mobile": "13900001111"})],
        4070: [Case({**SUBMITS["sms"], "sign": s}) for s in ("A", "互-亿", "a.b", "x+y", "#号", "【】", "好" * 31)]
        + [Case({**SUBMITS["sms"], "content": "【A】" + CODE_TEXT})],
        4071: [Case({**SUBMITS["sms"], "templateid": t, "content": "1234"}) for t in ("99999", "10001", "x", "1" * 40)],
        4072: [Case({**SUBMITS["sms"], "content": "hello"}), Case({**SUBMITS["sms"], "content": CODE_TEXT + " "}),
               Case({**SUBMITS["sms"], "templateid": "10000", "content": "张三"})],
        40722: [Case({**SUBMITS["sms"], "content": CODE_TEXT.replace("1234", "123456789")}),
                Case({**SUBMITS["sms"], "templateid": "1", "content": "123456789"})],
    },
    "isms": {
        **common_cases("isms"), **limit_cases("isms"),
        406: [Case({**SUBMITS["isms"], "mobile": m}) for m in ("16305551234", "1  6305551234", "12345 6305551234",
                                                               "1 123", "1 123456789012345", "+1 630-555-1234")],
        4030: [Case({**SUBMITS["isms"], "mobile": "44 7700900123"})],
    },
    "marketing": {
        **common_cases("marketing"),
        406: [Case({**SUBMITS["marketing"], "mobile": m}) for m in ("13812345678,1391234567", "13812345678,",
                                                                    "13812345678, 13912345678", "13812345678;13912345678")],
        4030: [Case({**SUBMITS["marketing"], "mobile": "13812345678,13900001111"}),
               Case({**SUBMITS["marketing"], "mobile": "13900001111"})],
        4070: [Case({**SUBMITS["marketing"], "content": "八折【A】"}),
               Case({**SUBMITS["marketing"], "sign": "a#b"})],
    },
}
#: the codes no request decides, which only a scenario rule answers
FORCED = {
    "sms": {0, 407, 4053, 4075, 4010, 4081, 4084, 4086, 40864},
    "isms": {0, 407, 4053, 4070, 4071, 4072, 40722, 4075, 4010, 4081, 4084, 4086, 40864},
    "marketing": {0, 407, 4053, 4071, 4072, 40722, 4075, 408, 4080, 4082, 4083, 4085, 4010, 4081, 4084, 4086,
                  40864},
}


def test_the_expected_messages_cover_the_codes_table():
    assert set(MESSAGES) == set(Code)


@pytest.mark.parametrize("product", PRODUCTS)
def test_every_submit_code_is_decided_by_the_checks_or_forced(product):
    assert set(SUBMIT_CASES[product]) | FORCED[product] == set(MESSAGES)
    assert not set(SUBMIT_CASES[product]) & FORCED[product]


def post(test_client, path: str, method: str, fmt: str, params: dict[str, str], ip: str = LOCAL):
    params = {k: v.replace("{now}", now()) for k, v in params.items()}
    return test_client.post(f"{path}?method={method}&format={fmt}", data=params, environ_base={"REMOTE_ADDR": ip})


def expected(fmt: str, method: str, code: int, msg: str, id_name: str, value: str = "0", *,
             number: bool = False) -> bytes:
    if fmt == "json":
        return json_bytes(code, msg, id_name, value, number=number)
    return xml(ROOTS[method], code, msg, id_name, value)


def assert_answer(response, fmt: str, method: str, code: int, message_set: str, id_name: str,
                  value: str = "0", *, number: bool = False) -> None:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == ("application/json" if fmt == "json" else "text/xml") + \
        "; charset=utf-8"
    assert response.data == expected(fmt, method, code, message(code, method, message_set), id_name, value,
                                     number=number)


@pytest.mark.parametrize("message_set", ["live", "doc"])
@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize(("product", "code"), [(p, c) for p in PRODUCTS for c in sorted(MESSAGES)])
def test_every_submit_code_is_answered_byte_for_byte(product, code, fmt, message_set):
    path, _, id_name = PRODUCTS[product]
    cases = SUBMIT_CASES[product].get(code)
    rules = ""
    if cases is None:
        rules = f'[[rules]]\nproduct = "{product}"\nmethod = "Submit"\ncode = {code}\n'
        cases = [Case(SUBMITS[product])]
    for case in cases:
        test_client = client(message_set=message_set, rules=rules)
        for before in case.before:
            assert b'"code":2' in post(test_client, path, "Submit", "json", before).data
        response = post(test_client, path, "Submit", fmt, case.params, case.ip)
        value = answered_value(response.data, id_name) if code == 2 else "0"
        assert code != 2 or re.fullmatch(r"[0-9]{20}", value)
        assert_answer(response, fmt, "Submit", code, message_set, id_name, value)


def getnum_cases(product: str) -> dict[int, list[tuple[Case, str]]]:
    prefix = PRODUCTS[product][1]
    ok = account(prefix, "01")
    return {
        2: [(Case(ok), "1000"), (Case(account(prefix, "05"), ip="10.1.1.1"), "10"), (Case(account(prefix, "02")), "0")],
        400: [(Case(ok, ip="10.6.6.6"), "0"), (Case(account(prefix, "05")), "0")],
        401: [(Case({"password": KEY}), "0")],
        402: [(Case({"account": ok["account"]}), "0")],
        405: [(Case({**ok, "password": "x"}), "0"), (Case({**ok, "account": "V00000001"}), "0")],
        4050: [(Case(account(prefix, "03")), "0"), (Case(account(prefix, "04")), "0")],
        40501: [(Case({**ok, "time": "1000000000"}), "0")],
        40502: [(Case({**ok, "time": "{now}"}), "0")],
    }


@pytest.mark.parametrize("message_set", ["live", "doc"])
@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize(("product", "code"), [(p, c) for p in PRODUCTS for c in GETNUM_CODES])
def test_every_getnum_code_is_answered_byte_for_byte(product, code, fmt, message_set):
    path = PRODUCTS[product][0]
    cases = getnum_cases(product)
    assert set(cases) == set(GETNUM_CODES)
    for case, num in cases[code]:
        response = post(client(message_set=message_set), path, "GetNum", fmt, case.params, case.ip)
        assert_answer(response, fmt, "GetNum", code, message_set, "num", num)


def test_a_dynamic_password_signs_submit_and_getnum():
    test_client = client()
    time = now()
    for product, (path, _, id_name) in PRODUCTS.items():
        ok = SUBMITS[product]
        signed = dynamic_password(ok["account"], KEY, time, ok["mobile"], ok["content"])
        response = post(test_client, path, "Submit", "json", {**ok, "password": signed, "time": time})
        assert response.data.startswith(b'{"code":2,'), (product, response.data)
        signed = dynamic_password(ok["account"], KEY, time)
        response = post(test_client, path, "GetNum", "json", {"account": ok["account"], "password": signed, "time": time})
        assert response.data.startswith(b'{"code":2,'), (product, response.data)


def addtemplate_cases() -> dict[int, list[Case]]:
    ok = {**account("C", "01"), "content": "您的会员号是【变量】。"}
    md5 = hashlib.md5(KEY.encode()).hexdigest()
    time = now()
    return {
        2: [Case(ok), Case({**ok, "password": md5})],
        400: [Case(ok, ip="10.6.6.6"), Case({**ok, **account("C", "05")})],
        401: [Case({**ok, "account": ""})],
        402: [Case({**ok, "password": ""})],
        405: [Case({**ok, "password": "x"}), Case({**ok, "password": md5.upper()}),
              Case({**ok, "account": "M00000001"}),
              Case({**ok, "password": dynamic_password("C00000001", KEY, time), "time": time})],
        4050: [Case({**ok, **account("C", "03")}), Case({**ok, **account("C", "04")})],
        404: [Case({**ok, "content": ""})],
    }


@pytest.mark.parametrize("message_set", ["live", "doc"])
@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize("code", ADDTEMPLATE_CODES)
def test_every_addtemplate_code_is_answered_byte_for_byte(code, fmt, message_set):
    cases = addtemplate_cases().get(code)
    rules = ""
    if cases is None:  # 407: the sandbox finds nothing sensitive by itself
        rules = f'[[rules]]\nmethod = "AddTemplate"\ncode = {code}\n'
        cases = [Case({**account("C", "01"), "content": "您的会员号是【变量】。"})]
    for case in cases:
        response = post(client(message_set=message_set, rules=rules), SMS, "AddTemplate", fmt, case.params, case.ip)
        value = answered_value(response.data, "templateid") if code == 2 else "0"
        assert code != 2 or int(value) >= 10000
        assert_answer(response, fmt, "AddTemplate", code, message_set, "templateid", value, number=True)


def test_addtemplate_ids_are_new_each_time():
    test_client = client()
    ids = [answered_value(post(test_client, SMS, "AddTemplate", "xml",
                               {**account("C", "01"), "content": f"模板{i}【变量】"}).data, "templateid") for i in range(3)]
    assert len(set(ids)) == 3 and all(int(i) > 10001 for i in ids)


@pytest.mark.parametrize(("code", "method", "kind"), [
    (405, "Submit", "CredentialsError"), (405, "GetNum", "CredentialsError"), (4053, "Submit", "CredentialsError"),
    (4050, "GetNum", "AccountFrozenError"), (4051, "Submit", "BalanceExhaustedError"),
    (4052, "Submit", "IPRefusedError"), (406, "Submit", "MobileError"), (408, "Submit", "MobileBlacklistedError"),
    (4072, "Submit", "TemplateError"), (404, "AddTemplate", "ContentError"), (4082, "Submit", "RateLimitedError"),
    (0, "Submit", "SubmissionFailedError"),
])
def test_the_client_raises_each_failure_with_its_live_message(code, method, kind):
    from ihuyi_sandbox.products.sms.codes import error_for

    error = error_for(code, method)
    assert (type(error).__name__, error.code, error.message) == (kind, code, message(code, method))


@pytest.mark.parametrize(("code", "method"), [(2, "Submit"), (2, "AddTemplate"), (4051, "GetNum"), (1, "Submit"),
                                              (406, "AddTemplate"), (405, "Send")])
def test_the_client_has_no_error_for_a_success_or_an_undocumented_code(code, method):
    from ihuyi_sandbox.products.sms.codes import error_for

    with pytest.raises(ValueError):
        error_for(code, method)
