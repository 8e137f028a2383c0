"""CONTRACT.md §4: the exact bytes, key order, types and Content-Type of every answer."""

from __future__ import annotations

import json
import re

from tests.support import DEMO, VOICE

from ihuyi_sandbox.service.records import Settings

SUBMIT = {**DEMO, "mobile": "13812345678", "content": "1234"}


def test_submit_success_xml_bytes(client):
    response = client.post(f"{VOICE}?method=Submit", data=SUBMIT)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    body = response.data
    voiceid = re.search(rb"<voiceid>(\d+)</voiceid>", body).group(1)
    assert len(voiceid) == 20 and voiceid != b"0"
    assert body == (
        b'<?xml version="1.0" encoding="utf-8"?>\n'
        b'<SubmitResult xmlns="http://106.ihuyi.com/">\n'
        b"<code>2</code>\n"
        + "<msg>提交成功</msg>\n".encode()
        + b"<voiceid>" + voiceid + b"</voiceid>\n"
        b"</SubmitResult>\n"
    )


def test_failed_submit_xml_has_voiceid_zero(client):
    body = client.get(f"{VOICE}?method=Submit&account=V00000001&password=nope").data
    assert body == (
        b'<?xml version="1.0" encoding="utf-8"?>\n'
        b'<SubmitResult xmlns="http://106.ihuyi.com/">\n'
        b"<code>405</code>\n" + "<msg>用户名或密码不正确</msg>\n".encode() + b"<voiceid>0</voiceid>\n"
        b"</SubmitResult>\n"
    )


def test_getnum_xml_bytes(client):
    body = client.get(f"{VOICE}?method=GetNum&account={DEMO['account']}&password={DEMO['password']}").data
    assert body == (
        b'<?xml version="1.0" encoding="utf-8"?>\n'
        b'<GetNumResult xmlns="http://106.ihuyi.com/">\n'
        b"<code>2</code>\n" + "<msg>查询成功</msg>\n".encode() + b"<num>1000</num>\n"
        b"</GetNumResult>\n"
    )


def test_namespace_is_a_setting(make_client):
    none = make_client(settings=Settings(namespace="")).get(f"{VOICE}?method=Submit").data
    assert b"<SubmitResult>\n<code>401</code>" in none
    old = make_client(settings=Settings(namespace="http://106.ihuyi.cn/")).get(f"{VOICE}?method=Submit").data
    assert b'<SubmitResult xmlns="http://106.ihuyi.cn/">\n<code>401</code>' in old


def test_json_bytes_and_types(client):
    ok = client.post(f"{VOICE}?method=Submit&format=json", data=SUBMIT)
    assert ok.headers["Content-Type"] == "application/json; charset=utf-8"
    assert re.fullmatch(r'\{"code":2,"msg":"提交成功","voiceid":"\d{20}"\}', ok.data.decode())
    bad = client.post(f"{VOICE}?method=Submit&format=json", data={**SUBMIT, "content": "12"})
    assert bad.data == '{"code":4070,"msg":"语音验证码内容必须为4-6位数字","voiceid":"0"}'.encode()
    num = client.post(f"{VOICE}?method=GetNum", data={**DEMO, "format": "json"})
    assert num.data == '{"code":2,"msg":"查询成功","num":"999"}'.encode()
    assert list(json.loads(num.data)) == ["code", "msg", "num"]


def test_num_as_number_is_a_setting(make_client):
    body = make_client(settings=Settings(num_as_string=False)).post(
        f"{VOICE}?method=GetNum&format=json", data=DEMO).data
    assert body == '{"code":2,"msg":"查询成功","num":1000}'.encode()


def test_chinese_is_raw_utf8_never_entities(client):
    body = client.get(f"{VOICE}?method=Submit").data
    assert "帐号不能为空".encode() in body and b"&#" not in body and not body.startswith(b"\xef\xbb\xbf")


def test_any_host_header_is_answered(client):
    response = client.get(f"{VOICE}?method=GetNum", headers={"Host": "api.voice.ihuyi.com"})
    assert response.status_code == 200 and b"<code>401</code>" in response.data
