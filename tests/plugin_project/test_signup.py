"""An outside project's tests: only the ihuyi_sandbox fixtures, no conftest code.

This file is the README's example; the suite runs it as an outside user would.
"""

import urllib.parse
import urllib.request


def send_signup_code(base_url: str, account: str, apikey: str, mobile: str, code: str) -> bytes:
    """The application code under test: it asks ihuyi to call the user with a code."""
    body = urllib.parse.urlencode({"account": account, "password": apikey, "mobile": mobile, "content": code})
    with urllib.request.urlopen(f"{base_url}/webservice/voice.php?method=Submit", body.encode(), timeout=10) as r:
        return r.read()


def test_the_user_gets_the_code_we_sent(ihuyi_sandbox):
    send_signup_code(ihuyi_sandbox.url, ihuyi_sandbox.account, ihuyi_sandbox.apikey, "13812345678", "482913")
    assert ihuyi_sandbox.latest_code("13812345678", wait=5) == "482913"


def test_each_test_starts_clean(ihuyi_sandbox):
    assert ihuyi_sandbox.messages() == []
    assert ihuyi_sandbox.get_account()["balance"] == 1000


def test_the_app_copes_with_an_exhausted_balance(ihuyi_sandbox):
    ihuyi_sandbox.use_scenario("insufficient-balance")
    for _ in range(3):
        send_signup_code(ihuyi_sandbox.url, ihuyi_sandbox.account, ihuyi_sandbox.apikey, "13812345678", "1234")
    answer = send_signup_code(ihuyi_sandbox.url, ihuyi_sandbox.account, ihuyi_sandbox.apikey, "13812345678", "1234")
    assert b"<code>4051</code>" in answer
    assert [r["code"] for r in ihuyi_sandbox.requests(method="Submit")] == [4051, 2, 2, 2]


def test_the_scenario_is_back_to_default_afterwards(ihuyi_sandbox):
    answer = send_signup_code(ihuyi_sandbox.url, ihuyi_sandbox.account, ihuyi_sandbox.apikey, "13900004030", "1234")
    assert b"<code>4030</code>" in answer  # the default scenario's magic number
