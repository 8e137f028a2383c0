"""CONTRACT.md §5: dynamic passwords, with the configurable skew (40501) and the md5 (40502)."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.support import VOICE, new_client

from ihuyi_sandbox.service.records import DEMO_APIID, DEMO_APIKEY, Account, Seed, Settings
from ihuyi_sandbox.wire.passwords import dynamic_password
from ihuyi_sandbox.products.voice.answers import parse_xml

MOBILE, CONTENT = "13812345678", "1234"
SEED = Seed(accounts=(Account(DEMO_APIID, DEMO_APIKEY, 10**6), Account("V00000002", "other-key", 10)))


def submit(client, *, account=DEMO_APIID, apikey=DEMO_APIKEY, mobile=MOBILE, content=CONTENT,
           signed_time=None, sent_time=None, signed=None):
    signed_time = signed_time if signed_time is not None else str(int(time.time()))
    sent_time = sent_time if sent_time is not None else signed_time
    s_account, s_mobile, s_content = signed or (account, mobile, content)
    password = dynamic_password(s_account, apikey, signed_time, s_mobile, s_content)
    data = {"account": account, "password": password, "mobile": mobile, "content": content, "time": sent_time}
    return parse_xml(client.post(f"{VOICE}?method=Submit", data=data).data).code


def test_valid_dynamic_password_succeeds_for_submit_and_getnum(make_client):
    client = make_client(seed=SEED)
    assert submit(client) == 2
    now = str(int(time.time()))
    data = {"account": DEMO_APIID, "password": dynamic_password(DEMO_APIID, DEMO_APIKEY, now), "time": now}
    assert parse_xml(client.post(f"{VOICE}?method=GetNum", data=data).data).code == 2


def test_md5_is_of_the_plain_concatenation():
    assert dynamic_password("a", "b", "1700000000", "13812345678", "1234") == \
        __import__("hashlib").md5(b"ab1381234567812341700000000").hexdigest()


def test_skew_window_is_configurable(make_client):
    client = make_client(seed=SEED, settings=Settings(password_skew=60))
    now = int(time.time())
    assert submit(client, signed_time=str(now - 50)) == 2
    assert submit(client, signed_time=str(now - 70)) == 40501
    assert submit(client, signed_time=str(now + 70)) == 40501
    assert submit(client, signed_time="17000000") == 40501  # not a 10-digit time
    assert submit(client, signed_time="abc") == 40501


def test_plain_apikey_with_a_time_is_a_mismatch(make_client):
    client = make_client(seed=SEED)
    data = {"account": DEMO_APIID, "password": DEMO_APIKEY, "mobile": MOBILE, "content": CONTENT,
            "time": str(int(time.time()))}
    assert parse_xml(client.post(f"{VOICE}?method=Submit", data=data).data).code == 40502


@settings(max_examples=60, deadline=None)
@given(which=st.sampled_from(["apikey", "mobile", "content", "time", "account"]),
       offset=st.integers(1, 200), data=st.data())
def test_any_change_to_one_input_gives_40502(which, offset, data):
    client = new_client(seed=SEED)
    now = int(time.time())
    other_mobile = data.draw(st.from_regex(r"\A1[3-9][0-9]{9}\Z").filter(lambda m: m != MOBILE))
    other_content = data.draw(st.from_regex(r"\A[0-9]{4,6}\Z").filter(lambda c: c != CONTENT))
    changed = {
        "apikey": dict(apikey=DEMO_APIKEY + "x"),
        "mobile": dict(signed=(DEMO_APIID, other_mobile, CONTENT)),
        "content": dict(signed=(DEMO_APIID, MOBILE, other_content)),
        "time": dict(signed_time=str(now), sent_time=str(now - offset)),
        "account": dict(account="V00000002"),
    }[which]
    assert submit(client, **changed) == 40502
