"""docs/contract.md §11.1, §13: which product answers on the ``sms.php`` that SMS and marketing share.

Free text is what tells them apart from outside: SMS refuses it (4072, it follows no template),
marketing sends it; and a batch is billed per number only by marketing.
"""

from __future__ import annotations

import pytest

from .common import KEY, SMS, client, message

FREE_TEXT = "新品上市，全场八折，退订回T【某某商城】"
LEGACY = f'[[accounts]]\napiid = "cf_demo123"\napikey = "{KEY}"\nbalance = 100\n'
BOTH = f'[[accounts]]\napiid = "C00000077"\napikey = "{KEY}"\nbalance = 100\nproducts = ["marketing", "sms"]\n'


def submit(test_client, account: str, path: str = SMS, mobile: str = "13812345678", headers: dict | None = None,
           **extra: str):
    data = {"account": account, "password": KEY, "mobile": mobile, "content": FREE_TEXT, **extra}
    return test_client.post(f"{path}?method=Submit&format=json", data=data, headers=headers or {})


def code(response) -> int:
    return response.json["code"]


def balance(test_client, account: str) -> int:
    return int(test_client.post(f"{SMS}?method=GetNum&format=json", data={"account": account, "password": KEY}).json["num"])


def test_a_c_account_gets_sms_and_an_m_account_marketing():
    test_client = client()
    assert code(submit(test_client, "C00000001")) == 4072
    assert code(submit(test_client, "M00000001")) == 2


def test_another_products_account_gets_smss_405():
    test_client = client()
    for account in ("V00000001", "I00000001", "X12345678"):
        response = submit(test_client, account)
        assert response.data == ('{"code":405,"msg":"%s","smsid":"0"}' % message(405)).encode()
    response = test_client.post(f"{SMS}?method=GetNum", data={"account": "V00000001", "password": KEY})
    assert "<code>405</code>\n<msg>用户名或密码不正确</msg>\n<num>0</num>".encode() in response.data


def test_the_yx_selector_picks_marketing_and_the_sms_selector_sms():
    test_client = client(more=LEGACY)
    assert code(submit(test_client, "M00000001", "/_yx/webservice/sms.php")) == 2
    assert code(submit(test_client, "C00000001", "/_yx/webservice/sms.php")) == 405
    assert code(submit(test_client, "M00000001", "/_sms/webservice/sms.php")) == 405
    assert code(submit(test_client, "cf_demo123", "/_yx/webservice/sms.php")) == 2
    assert code(submit(test_client, "cf_demo123", "/_sms/webservice/sms.php")) == 4072


@pytest.mark.parametrize(("host", "expected"), [("api.yx.ihuyi.com", 2), ("API.YX.IHUYI.COM:80", 2),
                                                ("106.ihuyi.com", 4072), ("106.ihuyi.cn", 4072),
                                                ("127.0.0.1:8080", 4072)])
def test_a_host_header_naming_a_real_host_picks_its_product(host, expected):
    test_client = client(more=LEGACY)
    assert code(submit(test_client, "cf_demo123", headers={"Host": host})) == expected


def test_the_host_narrows_the_products_before_the_account_decides():
    test_client = client()
    assert code(submit(test_client, "C00000001", headers={"Host": "api.yx.ihuyi.com"})) == 405
    assert code(submit(test_client, "M00000001", headers={"Host": "106.ihuyi.com"})) == 405


def test_an_account_of_no_product_goes_by_the_requests_look():
    test_client = client(more=LEGACY)
    assert code(submit(test_client, "cf_demo123")) == 4072  # one number: the path's default, SMS
    assert code(submit(test_client, "cf_demo123", mobile="13812345678,13912345678")) == 2
    assert code(submit(test_client, "cf_demo123", stime="")) == 2
    assert balance(test_client, "cf_demo123") == 100 - 2 - 1


def test_an_account_configured_for_both_gets_its_first_product():
    test_client = client(more=BOTH)
    assert code(submit(test_client, "C00000077")) == 2  # marketing first, whatever its prefix says
    assert code(submit(test_client, "C00000077", "/_sms/webservice/sms.php")) == 4072


def test_addtemplate_is_smss_alone():
    test_client = client()
    for account, expected in (("C00000001", 2), ("M00000001", 405)):
        response = test_client.post(f"{SMS}?method=AddTemplate&format=json",
                                    data={"account": account, "password": KEY, "content": "您好【变量】"})
        assert code(response) == expected
    response = test_client.post("/_yx/webservice/sms.php?method=AddTemplate", data={"account": "M00000001"})
    assert response.status_code == 400
    assert b"method=Submit or method=GetNum" in response.data


def test_international_and_voice_paths_know_only_their_own_accounts():
    test_client = client()
    for path in ("/webservice/isms.php", "/webservice/voice.php"):
        response = test_client.post(f"{path}?method=GetNum&format=json", data={"account": "C00000001", "password": KEY})
        assert code(response) == 405
    response = test_client.post("/webservice/isms.php?method=GetNum&format=json",
                                data={"account": "I00000001", "password": KEY})
    assert response.json == {"code": 2, "msg": "查询成功", "num": "1000"}
