"""``assert_sent`` against a served sandbox: what passes, and the failure text, near misses first."""

from __future__ import annotations

import re

import pytest
from tests.support import DEMO

from ihuyi_sandbox.testing import SandboxAPI, running_sandbox

SMS = {"account": "C00000001", "password": DEMO["password"]}
SMS_PATH = "/webservice/sms.php"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with running_sandbox("--db", str(tmp_path_factory.mktemp("verify") / "s.db")) as sandbox:
        sandbox.call("Submit", {**DEMO, "mobile": "13812345678", "content": "1234"})
        sandbox.call("Submit", {**DEMO, "mobile": "13812345679", "content": "1234"})
        sandbox.call("Submit", {**DEMO, "mobile": "13812345678", "content": "12"})  # 4070, delivers nothing
        sandbox.call("Submit", {**SMS, "mobile": "13712345678", "content": "4821", "templateid": "1"},
                     path=SMS_PATH)
        yield SandboxAPI(sandbox.url)


def test_what_was_sent_passes_and_is_returned(api):
    (found,) = api.assert_sent(mobile="13812345679", content="1234")
    assert found["params"]["mobile"] == "13812345679" and found["code"] == 2
    assert len(api.assert_sent(content="1234", count=2)) == 2
    api.assert_sent(mobile="13712345678", content=re.compile(r"验证码是：4821。"), product="sms")
    api.assert_sent(account="C00000001", count=1)
    api.assert_sent(count=3)


def test_a_miss_lists_what_was_sent_closest_first(api):
    with pytest.raises(AssertionError) as failed:
        api.assert_sent(mobile="13812345688", content="1234")
    text = str(failed.value)
    lines = text.splitlines()
    assert lines[0] == ("expected a message with mobile '13812345688', content '1234' to have been sent; "
                        "none matched of the 4 Submits journaled")
    assert lines[1] == "Closest first:"
    # one digit off in the mobile, then two, the content right; then the refusal, off in both
    assert re.match(r"  1\. request \d+: voice V00000001 to 13812345678 '1234': delivered; differs: "
                    r"mobile '13812345678'$", lines[2]), text
    assert "to 13812345679 '1234': delivered; differs: mobile '13812345679'" in lines[3]
    assert lines[4].endswith("to 13812345678 '12': refused with 4070 语音验证码内容必须为4-6位数字; "
                             "differs: mobile '13812345678', content '12', not delivered"), text
    assert "sms C00000001 to 13712345678" in lines[5]


def test_a_refused_submit_is_no_message_sent_and_says_why(api):
    with pytest.raises(AssertionError) as failed:
        api.assert_sent(mobile="13812345678", content="12")
    lines = str(failed.value).splitlines()
    assert "refused with 4070" in lines[2] and "not delivered" in lines[2]


def test_a_wrong_count_lists_the_matches_then_the_near_misses(api):
    with pytest.raises(AssertionError) as failed:
        api.assert_sent(mobile="13812345678", count=2)
    lines = str(failed.value).splitlines()
    assert lines[0].startswith("expected 2 × a message with mobile '13812345678' to have been sent; "
                               "1 matched of the 4 Submits journaled")
    assert lines[1] == "Matched:" and "to 13812345678 '1234': delivered" in lines[2]
    assert lines[3] == "Near misses, closest first:"
    assert "to 13812345678 '12': refused with 4070" in lines[4]


def test_nothing_sent_says_so(tmp_path):
    with running_sandbox("--db", str(tmp_path / "s.db")) as sandbox:
        with pytest.raises(AssertionError, match="none matched of the 0 Submits journaled\nNothing was sent."):
            SandboxAPI(sandbox.url).assert_sent(mobile="13812345678")


def test_an_unknown_field_is_a_type_error(api):
    with pytest.raises(TypeError, match="matches on mobile, content, code, product, account, not colour"):
        api.assert_sent(colour="red")
