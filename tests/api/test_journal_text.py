"""What the sandbox API gives back of a request, read as bytes from a served sandbox: no key in
clear whatever name it came under, and Chinese as raw UTF-8, as the provider API writes it."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest
from tests.support import DEMO
from ihuyi_sandbox.testing import running_sandbox

from ihuyi_sandbox.service.records import DEMO_APIKEY
from ihuyi_sandbox.testing import SandboxAPI, SandboxError


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with running_sandbox("--db", str(tmp_path_factory.mktemp("journal") / "s.db")) as running:
        yield running


@pytest.mark.parametrize("name", ["Password", "password[]", "apikey", "key", "content"])
def test_the_key_sent_under_another_name_is_never_journaled(sandbox, name):
    sandbox.call("Submit", {**DEMO, "mobile": "13812345678", "content": "1234", name: DEMO_APIKEY})
    sandbox.call("Submit", {"account": DEMO["account"], "mobile": "13812345678", "content": "1234",
                            name: f" {DEMO_APIKEY} "})
    journal = sandbox.get("/_sandbox/requests?limit=2")
    assert DEMO_APIKEY.encode() not in journal
    assert all(entry["params"][name] == "***" for entry in json.loads(journal)["requests"])


def test_the_key_as_a_parameter_name_is_never_journaled(sandbox):
    query = f"method=GetNum&account=V00000001&password={DEMO_APIKEY}&{DEMO_APIKEY}=1&x%5B{DEMO_APIKEY}%5D=2"
    sandbox.get(f"/webservice/voice.php?{query}")
    journal = sandbox.get("/_sandbox/requests?limit=1")
    assert DEMO_APIKEY.encode() not in journal
    assert {"***": "1", "x[***]": "2"}.items() <= json.loads(journal)["requests"][0]["params"].items()


def test_a_value_that_only_resembles_a_short_key_is_kept(sandbox):
    # a test account with a 4-character key: its digits in a content are not the key leaking
    SandboxAPI(sandbox.url).call("POST", "/_sandbox/accounts", {"apiid": "T1", "apikey": "1234", "balance": 5})
    sandbox.call("Submit", {"account": "T1", "password": "1234", "mobile": "13812345678", "content": "123456"})
    (entry,) = json.loads(sandbox.get("/_sandbox/requests?account=T1&limit=1"))["requests"]
    assert entry["params"]["content"] == "123456" and entry["params"]["password"] == "***"


def test_chinese_is_raw_utf8_in_the_sandbox_api_as_in_the_provider_api(sandbox):
    query = urllib.parse.urlencode({**DEMO, "mobile": "13812345678", "content": "1234", "note": "验证码"})
    sandbox.get(f"/webservice/voice.php?method=Submit&{query}")
    journal = sandbox.get("/_sandbox/requests?limit=1")
    assert "提交成功".encode() in journal and "验证码".encode() in journal
    assert b"\\u" not in journal


def test_half_a_character_never_breaks_a_request(sandbox):
    # UTF-7 can write a lone surrogate (+2AA- is U+D800): the text is read another way, and answered
    form = b"account=V00000001&password=" + DEMO_APIKEY.encode() + b"&content=1234&mobile=138%2B2AA-"
    request = urllib.request.Request(f"{sandbox.url}/webservice/voice.php?method=Submit", data=form, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-7"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200 and b"<code>406</code>" in response.read()
    assert json.loads(sandbox.get("/_sandbox/requests?limit=1"))["requests"][0]["code"] == 406
    api = SandboxAPI(sandbox.url)
    for path, method, document in [("/_sandbox/accounts", "POST", '{"apiid": "\\ud800", "apikey": "k"}'),
                                   ("/_sandbox/accounts/V00000001", "PATCH", '{"registered_ips": ["\\udfff"]}')]:
        with pytest.raises(SandboxError, match="HTTP 400: the body holds half a character"):
            api.call(method, path, json.loads(document))
