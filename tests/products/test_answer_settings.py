"""The settings that choose an answer's headers and texts in every product: the Content-Types
and the messages replaced code by code (docs/contract.md §7)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import new_client

from ihuyi_sandbox.service.records import DEMO_APIKEY
from ihuyi_sandbox.service.scenarios import ScenarioError, parse

SETTINGS = '''name = "t"
description = "d"
[settings]
xml_content_type = "application/xml"
json_content_type = "text/json; charset=UTF-8"
[settings.messages.voice.Submit]
406 = "手机格式不正确，格式为11位的数字."
[settings.messages.sms.GetNum]
405 = "API ID或API KEY不正确"
[[accounts]]
apiid = "V00000001"
apikey = "0123456789abcdef0123456789abcdef"
balance = 10
[[accounts]]
apiid = "C00000001"
apikey = "0123456789abcdef0123456789abcdef"
balance = 10
'''


@pytest.fixture(scope="module")
def client():
    return new_client(text=SETTINGS)


@pytest.mark.parametrize(("fmt", "content_type"), [("xml", "application/xml"), ("json", "text/json; charset=UTF-8")])
def test_each_format_carries_the_content_type_set(client, fmt, content_type):
    answer = client.post(f"/webservice/voice.php?method=GetNum&format={fmt}",
                         data={"account": "V00000001", "password": DEMO_APIKEY})
    assert answer.status_code == 200 and answer.headers["Content-Type"] == content_type


def test_a_replaced_text_is_answered_for_its_product_and_method_only(client):
    voice = client.post("/webservice/voice.php?method=Submit&format=json",
                        data={"account": "V00000001", "password": DEMO_APIKEY, "mobile": "12", "content": "1234"})
    assert voice.data == '{"code":406,"msg":"手机格式不正确，格式为11位的数字.","voiceid":"0"}'.encode()
    sms_getnum = client.post("/webservice/sms.php?method=GetNum", data={"account": "C00000001", "password": "x"})
    assert "<msg>API ID或API KEY不正确</msg>".encode() in sms_getnum.data
    sms_submit = client.post("/webservice/sms.php?method=Submit", data={"account": "C00000001", "password": "x"})
    assert "<msg>API ID或API KEY不正确</msg>".encode() in sms_submit.data  # Submit's own text, unchanged
    voice_getnum = client.post("/webservice/voice.php?method=GetNum", data={"account": "V00000001", "password": "x"})
    assert "<msg>用户名或密码不正确</msg>".encode() in voice_getnum.data


def test_the_journal_reports_the_replaced_text(client):
    client.post("/webservice/voice.php?method=Submit", data={"account": "V00000001", "password": DEMO_APIKEY,
                                                             "mobile": "123", "content": "1234"})
    entries = client.get("/_sandbox/requests?mobile=123").get_json()["requests"]
    assert entries[0]["code"] == 406 and entries[0]["message"] == "手机格式不正确，格式为11位的数字."


def _scenario(settings: str) -> str:
    return ('name = "t"\ndescription = "d"\n[settings]\n' + settings
            + '[[accounts]]\napiid = "V00000001"\napikey = "0123456789abcdef0123456789abcdef"\nbalance = 10\n')


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.text(st.characters(exclude_categories=("Cs",)), max_size=80))
def test_a_content_type_setting_is_refused_with_its_line_or_served_as_written(value):
    text = _scenario(tomli_w.dumps({"json_content_type": value}))
    try:
        parse(text, "s.toml")
    except ScenarioError as error:
        assert error.problems == [f"s.toml:4: json_content_type must be a media type such as "
                                  f"'text/xml; charset=utf-8' (printable ASCII, at most 200 characters), "
                                  f"got {value!r}"]
        return
    answer = new_client(text=text).post("/webservice/voice.php?method=GetNum&format=json",
                                        data={"account": "V00000001", "password": DEMO_APIKEY})
    assert answer.status_code == 200 and answer.headers["Content-Type"] == value


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.text(st.characters(exclude_categories=("Cs",)), max_size=220))
def test_a_message_text_is_refused_with_its_line_or_answered_in_both_formats(value):
    text = _scenario("[settings.messages.voice.Submit]\n" + tomli_w.dumps({"406": value}))
    try:
        parse(text, "s.toml")
    except ScenarioError as error:
        assert len(error.problems) == 1 and error.problems[0].startswith("s.toml:5: the text of voice Submit 406")
        return
    client = new_client(text=text)
    form = {"account": "V00000001", "password": DEMO_APIKEY, "mobile": "12", "content": "1234"}
    as_json = client.post("/webservice/voice.php?method=Submit&format=json", data=form)
    assert as_json.status_code == 200 and as_json.get_json()["msg"] == value
    as_xml = client.post("/webservice/voice.php?method=Submit", data=form)
    assert as_xml.status_code == 200 and ET.fromstring(as_xml.data)[1].text == value
