"""docs/contract.md §14: which product answers on ``voice.php``, the path voice notice shares with
voice codes (the path's default): the account's prefix or configured products, a ``/_vm`` or
``/_voice`` base URL, a real host name, and what the request looks like."""

from __future__ import annotations

import pytest
from tests.support import new_client

from ihuyi_sandbox.products.voice_notice.answers import parse_json, parse_xml

from .common import KEY, LIVE, NOTICE, OK, VM, VOICE, scenario, xml

V = {"account": "V00000001", "password": KEY}
VOICE_405 = xml(405, "用户名或密码不正确")
VOICE_4070 = xml(4070, "语音验证码内容必须为4-6位数字")
# rules that answer 0 only when the product named resolved: what tells the two 405s apart
MARKERS = '''
[[rules]]
name = "marks voice notice"
product = "voice_notice"
mobile = "13700000001"
code = 0

[[rules]]
name = "marks voice codes"
product = "voice"
mobile = "13700000002"
code = 0

[[accounts]]
apiid = "cf_both"
apikey = "kb"
balance = 100
products = ["voice", "voice_notice"]

[[accounts]]
apiid = "cf_voice"
apikey = "kv"
balance = 100
products = ["voice"]

[[accounts]]
apiid = "cf_legacy"
apikey = "kl"
balance = 100
'''


@pytest.fixture
def client():
    return new_client(text=scenario(more=MARKERS))


def submit(client, params, path=VOICE, **kwargs):
    return client.post(f"{path}?method=Submit", data=params, **kwargs)


def code(response) -> int:
    return parse_xml(response.data).code


def delivered(client) -> str:
    return client.get("/_sandbox/messages?limit=1").json["messages"][0]["code"]


def test_a_vm_account_is_a_notice(client):
    assert code(submit(client, OK)) == 2
    assert delivered(client) == NOTICE
    assert submit(client, {**OK, "content": "1234"}).data == xml(4072, LIVE[4072])  # no 4–6-digit rule


def test_a_v_account_is_a_voice_code(client):
    assert code(submit(client, {**V, "mobile": "13812345678", "content": "1234"})) == 2
    assert delivered(client) == "1234"
    assert submit(client, {**V, "mobile": "13812345678", "content": NOTICE}).data == VOICE_4070
    assert submit(client, {**V, "mobile": "13812345678", "content": "9633|顺风快递",
                           "templateid": "1361"}).data == VOICE_4070


def test_a_vm_account_under_the_voice_base_url_is_unknown_to_voice_codes(client):
    for content in (NOTICE, "1234"):
        assert submit(client, {**OK, "content": content}, "/_voice/webservice/voice.php").data == VOICE_405
    assert submit(client, {**OK, "mobile": "13700000002"}, "/_voice/webservice/voice.php").data == xml(0, "提交失败")
    getnum = client.post("/_voice/webservice/voice.php?method=GetNum", data=VM)
    assert getnum.data == xml(405, "用户名或密码不正确", root="GetNumResult", id_name="num")


def test_the_vm_base_url_picks_voice_notice(client):
    path = "/_vm/webservice/voice.php"
    assert code(submit(client, OK, path)) == 2
    assert submit(client, {**OK, "content": "1234"}, path).data == xml(4072, LIVE[4072])
    assert submit(client, {**V, "mobile": "13812345678", "content": "1234"}, path).data == xml(405, LIVE[405])
    # an unknown account with a code for content would be voice's on the bare path: here it is the notice's
    unknown = {"account": "X1", "password": "k", "mobile": "13700000001", "content": "1234"}
    assert code(submit(client, unknown, path)) == 0
    assert code(submit(client, unknown)) == 405
    assert parse_json(client.post("/_vm/vm/Submit.json", data=OK).data, "Submit").code == 2


@pytest.mark.parametrize("host", ["api.vm.ihuyi.com", "api.vm.ihuyi.cn", "API.VM.IHUYI.COM:8080", "api.vm.ihuyi.com."])
def test_the_vm_host_picks_voice_notice_for_an_unknown_account(client, host):
    unknown = {"account": "VM99999999", "password": KEY, "mobile": "13812345678", "content": "1234"}
    answer = submit(client, unknown, headers={"Host": host})
    assert answer.data == xml(405, LIVE[405])
    assert code(submit(client, {**unknown, "mobile": "13700000001"}, headers={"Host": host})) == 0
    assert code(submit(client, {**unknown, "mobile": "13700000002"}, headers={"Host": host})) == 405
    # a V account is another product's: unknown to voice notice, on its host
    assert submit(client, {**V, "mobile": "13812345678", "content": "1234"}, headers={"Host": host}).data == \
        xml(405, LIVE[405])


def test_the_voice_host_keeps_a_vm_account_out(client):
    assert submit(client, OK, headers={"Host": "api.voice.ihuyi.com"}).data == VOICE_405
    assert code(submit(client, {**OK, "mobile": "13700000002"}, headers={"Host": "api.voice.ihuyi.com"})) == 0


def test_another_host_name_leaves_the_account_to_decide(client):
    assert code(submit(client, OK, headers={"Host": "127.0.0.1:8080"})) == 2
    assert code(submit(client, OK, headers={"Host": "api.isms.ihuyi.com"})) == 2


def test_an_account_of_both_products_is_told_by_the_request(client):
    both = {"account": "cf_both", "password": "kb", "mobile": "13812345678"}
    assert code(submit(client, {**both, "templateid": "1361", "content": "9633|顺风快递"})) == 2
    assert delivered(client) == NOTICE
    assert code(submit(client, {**both, "content": NOTICE})) == 2
    assert delivered(client) == NOTICE
    assert code(submit(client, {**both, "content": "1234"})) == 2  # a voice code: a notice would 4072
    assert delivered(client) == "1234"
    assert code(submit(client, {**both, "content": "1234", "mobile": "13700000002"})) == 0
    assert code(submit(client, {**both, "content": NOTICE, "mobile": "13700000001"})) == 0


def test_an_account_of_voice_codes_only_stays_there_whatever_it_sends(client):
    only = {"account": "cf_voice", "password": "kv", "mobile": "13812345678"}
    assert submit(client, {**only, "templateid": "1361", "content": "9633|顺风快递"}).data == VOICE_4070
    assert submit(client, {**only, "content": "1234"}, "/_vm/webservice/voice.php").data == xml(405, LIVE[405])


def test_a_legacy_account_is_told_by_the_request(client):
    legacy = {"account": "cf_legacy", "password": "kl", "mobile": "13812345678"}
    assert code(submit(client, {**legacy, "templateid": "1361", "content": "9633|顺风快递"})) == 2
    assert delivered(client) == NOTICE
    assert code(submit(client, {**legacy, "content": "1234"})) == 2
    assert delivered(client) == "1234"
    assert code(submit(client, {**legacy, "content": "hello"})) == 4072


def test_an_unknown_account_without_a_hint_is_the_paths_default(client):
    unknown = {"account": "nobody", "password": "x", "mobile": "13700000002", "content": "1234"}
    assert code(submit(client, unknown)) == 0  # voice codes'
    assert code(submit(client, {**unknown, "mobile": "13700000001", "content": "hello"})) == 0  # the notice's


def test_the_json_api_path_is_voice_notices_alone(client):
    assert parse_json(client.post("/vm/Submit.json", data=OK).data, "Submit").code == 2
    refused = client.post("/vm/Submit.json", data={**V, "mobile": "13812345678", "content": "1234"})
    assert refused.data == b'{"code":405,"msg":"\xe7\x94\xa8\xe6\x88\xb7\xe5\x90\x8d\xe6\x88\x96\xe5\xaf\x86\xe7\xa0\x81' \
                           b'\xe4\xb8\x8d\xe6\xad\xa3\xe7\xa1\xae","voiceid":"0"}'
