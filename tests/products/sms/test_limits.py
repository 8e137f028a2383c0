"""docs/contract.md §11.4: an account's frequency limits on its messages to one number, off unless
set, counted over what was delivered: 4080 a second, 4083 the same text a minute, 4085 codes a
day, 4082 messages a day, 408 a number "blacklisted" once it got its day's share."""

from __future__ import annotations

import time

from .common import CODE_TEXT, ISMS, KEY, SMS, YX, client

MOBILE = "13812345678"


def account(n: str, prefix: str = "C") -> dict[str, str]:
    return {"account": f"{prefix}000000{n}", "password": KEY}


def submit(test_client, who: dict[str, str], content: str = CODE_TEXT, mobile: str = MOBILE, path: str = SMS,
           **extra: str) -> int:
    data = {**who, "mobile": mobile, "content": content, **extra}
    return test_client.post(f"{path}?method=Submit&format=json", data=data).json["code"]


def code(digits: str) -> str:
    return CODE_TEXT.replace("1234", digits)


def test_no_limit_unless_one_is_set():
    test_client = client()
    assert [submit(test_client, account("01")) for _ in range(12)] == [2] * 12


def test_one_a_second():
    test_client = client()
    assert [submit(test_client, account("10"), code(d)) for d in ("1111", "2222")] == [2, 4080]
    assert submit(test_client, account("10"), mobile="13912345678") == 2  # another number
    time.sleep(1.1)
    assert submit(test_client, account("10"), code("3333")) == 2


def test_the_same_text_once_a_minute():
    test_client = client()
    assert [submit(test_client, account("11")) for _ in range(3)] == [2, 4083, 4083]
    assert submit(test_client, account("11"), code("5678")) == 2
    # the same delivered text, signature and all, whichever way the signature came
    assert submit(test_client, account("11"), "【互亿无线】" + code("9999")) == 2
    assert submit(test_client, account("11"), code("9999"), sign="互亿无线") == 4083
    assert submit(test_client, account("11"), code("9999"), sign="别的签名") == 2


def test_codes_a_day_count_verification_codes_only():
    test_client = client()
    notice = test_client.post(f"{SMS}?method=AddTemplate&format=json",
                              data={**account("12"), "content": "您的订单【变量】已发货。"}).json
    assert notice["code"] == 2
    assert submit(test_client, account("12"), code("1111")) == 2
    assert submit(test_client, account("12"), code("2222")) == 4085
    assert submit(test_client, account("12"), "您的订单A1已发货。") == 2  # a notice, no code
    assert submit(test_client, account("12"), code("3333"), mobile="13912345678") == 2


def test_messages_a_day():
    test_client = client()
    assert submit(test_client, account("13"), code("1111")) == 2
    assert submit(test_client, account("13"), code("2222")) == 4082
    assert submit(test_client, account("13"), code("2222"), mobile="13912345678") == 2
    assert submit(test_client, account("01"), code("2222")) == 2  # counted per account


def test_blacklisted_after_the_days_share():
    test_client = client()
    assert submit(test_client, account("14"), code("1111")) == 2
    assert [submit(test_client, account("14"), code(d)) for d in ("2222", "3333")] == [408, 408]
    assert submit(test_client, account("14"), code("2222"), mobile="13912345678") == 2


def test_the_limits_apply_in_their_order():
    more = (f'[[accounts]]\napiid = "C00000088"\napikey = "{KEY}"\nbalance = 100\n'
            "limits = { per_second = 1, identical_per_minute = 1, codes_per_day = 1, per_day = 1, blacklist_after = 1 }\n")
    test_client = client(more=more)
    who = account("88")
    assert submit(test_client, who) == 2
    assert submit(test_client, who) == 4080
    time.sleep(1.1)
    assert submit(test_client, who) == 4083
    assert submit(test_client, who, code("2222")) == 4085
    response = test_client.post(f"{SMS}?method=AddTemplate&format=json", data={**who, "content": "通知【变量】"})
    assert response.json["code"] == 2
    assert submit(test_client, who, "通知x") == 4082


def test_international_sms_has_the_same_limits():
    test_client = client()
    assert submit(test_client, account("13", "I"), "Code 1111", "1 6305551234", ISMS) == 2
    assert submit(test_client, account("13", "I"), "Code 2222", "1 6305551234", ISMS) == 4082
    assert submit(test_client, account("13", "I"), "Code 2222", "1 6305559999", ISMS) == 2


def test_marketing_batches_are_not_limited_per_number():
    test_client = client()
    for _ in range(3):
        assert submit(test_client, account("13", "M"), "八折【某某商城】", "13812345678,13912345678", YX) == 2
