"""What the SMS family's tests share: a scenario with accounts of every kind for each product, the
expected bytes of an answer written out by hand, and the messages as the contract prints them
(a copy kept apart from the codes table, so that a changed text fails here)."""

from __future__ import annotations

import re
import time

from tests.support import new_client

from ihuyi_sandbox.service.records import DEMO_APIKEY

KEY = DEMO_APIKEY
SMS = "/webservice/sms.php"
ISMS = "/webservice/isms.php"
YX = "/_yx/webservice/sms.php"
NS = "http://106.ihuyi.com/"
CODE_TEXT = "您的验证码是：1234。请不要把验证码泄露给其他人。"
#: an approved template of C00000001 (id 10000), and a pending one with no review (10001)
ORDER_TEMPLATE = "尊敬的【变量】，您的订单【变量】已发货。"
PENDING_TEMPLATE = "您的快递【变量】已到站。"

#: each product: its path (marketing's by the /_yx selector), the account prefix, its Submit id
PRODUCTS = {"sms": (SMS, "C", "smsid"), "isms": (ISMS, "I", "ismsid"), "marketing": (YX, "M", "smsid")}
#: a Submit each product accepts
SUBMITS = {
    "sms": {"account": "C00000001", "password": KEY, "mobile": "13812345678", "content": CODE_TEXT},
    "isms": {"account": "I00000001", "password": KEY, "mobile": "1 6305551234", "content": "Your code is 1234"},
    "marketing": {"account": "M00000001", "password": KEY, "mobile": "13812345678,13912345678",
                  "content": "新品上市，全场八折，退订回T【某某商城】"},
}

# code: (the document's text, the live text); the live set is the default
MESSAGES: dict[int, tuple[str, str]] = {
    0: ("提交失败", "提交失败"),
    2: ("提交成功", "提交成功"),
    400: ("非法ip访问", "非法ip访问"),
    401: ("帐号不能为空", "帐号不能为空"),
    402: ("密码不能为空", "密码不能为空"),
    403: ("手机号码不能为空", "手机号码不能为空"),
    4030: ("手机号码已被列入黑名单", "手机号码已被列入黑名单"),
    404: ("短信内容不能为空", "短信内容不能为空"),
    405: ("API ID或API KEY不正确", "API ID或API KEY不正确"),
    4050: ("账号被冻结", "账号被冻结"),
    40501: ("动态密码已过期", "动态密码已过期"),
    40502: ("动态密码校验失败", "动态密码校验失败"),
    4051: ("剩余条数不足", "剩余条数不足"),
    4052: ("访问ip与备案ip不符", "访问ip与备案ip不符"),
    4053: ("用户不存在", "用户不存在"),
    406: ("手机号码格式不正确", "手机格式不正确，格式为11位的数字."),
    407: ("短信内容含有敏感字符", "短信内容含有敏感字符"),
    4070: ("签名格式不正确", "签名格式不正确"),
    4071: ("没有提交备案模板", "没有提交备案模板"),
    4072: ("提交的短信内容与审核通过的模板内容不匹配", "你提交过来的短信内容必须与报备过的模板格式相匹配"),
    40722: ("变量内容超过指定的长度【8】", "变量内容超过指定的长度8"),
    4073: ("短信内容超出长度限制", "短信内容超出长度限制"),
    4074: ("短信内容包含emoji符号", "短信内容包含emoji符号"),
    4075: ("签名未通过审核", "签名未通过审核"),
    408: ("发送超限（[20]条），已加入黑名单，可登入平台解除", "发送超限（20条），已加入黑名单，可登入平台解除"),
    4080: ("同一手机号码同一秒钟之内发送频率不能超过1条", "同一手机号码同一秒钟之内发送频率不能超过1条(c)"),
    4082: ("超出同一手机号一天之内【5】条短信限制", "超出同一手机号一天之内5条短信限制"),
    4083: ("同内容每分钟限制：1条", "同内容每分钟限制：1条"),
    4085: ("同一手机号验证码短信发送超出【5】条", "同一手机号验证码短信发送超出5条"),
    4010: ("通道限制：每个号码1分钟内只能发1条", "通道限制：每个号码1分钟内只能发1条"),
    4081: ("同一手机号码一分钟之内发送频率超不能超过1条", "同一手机号码一分钟之内发送频率超不能超过1条"),
    4084: ("同内容每日限制：5条", "同内容每日限制：5条"),
    4086: ("发送失败，同一个手机号码发送频率太频繁", "发送失败，同一个手机号码发送频率太频繁"),
    40864: ("手机号已被列入黑名单", "手机号已被列入黑名单"),
}
#: what GetNum and AddTemplate say instead
METHOD_MESSAGES = {
    "GetNum": {2: "查询成功", 405: "用户名或密码不正确"},
    "AddTemplate": {2: "添加成功", 405: "用户名或密码不正确", 404: "模板内容不能为空", 407: "模板内容含有敏感字符"},
}
GETNUM_CODES = [2, 400, 401, 402, 405, 4050, 40501, 40502]
ADDTEMPLATE_CODES = [2, 400, 401, 402, 405, 4050, 404, 407]
ROOTS = {"Submit": "SubmitResult", "GetNum": "GetNumResult", "AddTemplate": "AddTemplateResult"}


def message(code: int, method: str = "Submit", message_set: str = "live") -> str:
    return METHOD_MESSAGES.get(method, {}).get(code) or MESSAGES[code][message_set == "live"]


def xml(root: str, code: int, msg: str, id_name: str, value: str = "0", namespace: str = NS) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<{root} xmlns="{namespace}">\n<code>{code}</code>\n'
            f"<msg>{msg}</msg>\n<{id_name}>{value}</{id_name}>\n</{root}>\n").encode()


def json_bytes(code: int, msg: str, id_name: str, value: str = "0", *, number: bool = False) -> bytes:
    shown = value if number else f'"{value}"'
    return f'{{"code":{code},"msg":"{msg}","{id_name}":{shown}}}'.encode()


def answered_value(body: bytes, id_name: str) -> str:
    """The id or balance an answer carries (XML or JSON, quoted or not)."""
    found = re.search(rf'<{id_name}>([0-9]+)</{id_name}>|"{id_name}":"?([0-9]+)"?', body.decode())
    assert found, body
    return found.group(1) or found.group(2)


def accounts(prefix: str) -> str:
    """The accounts of a product: a working one (…01), an empty one (…02), frozen (…03), frozen for
    abuse (…04), bound to 10.1.1.1 (…05), and one per frequency limit (…10 to …14)."""
    rows = [("01", 1000, ""), ("02", 0, ""), ("03", 10, "frozen = true\n"), ("04", 10, "auto_frozen = true\n"),
            ("05", 10, 'registered_ips = ["10.1.1.1"]\n'),
            ("10", 100, "limits = { per_second = 1 }\n"), ("11", 100, "limits = { identical_per_minute = 1 }\n"),
            ("12", 100, "limits = { codes_per_day = 1 }\n"), ("13", 100, "limits = { per_day = 1 }\n"),
            ("14", 100, "limits = { blacklist_after = 1 }\n")]
    return "".join(f'[[accounts]]\napiid = "{prefix}000000{n}"\napikey = "{KEY}"\nbalance = {balance}\n{more}'
                   for n, balance, more in rows)


def scenario(*, message_set: str = "live", settings: str = "", rules: str = "", more: str = "") -> str:
    """A scenario with every product's accounts, a voice account, a blacklisted number of each
    kind, a refused IP and C00000001's templates."""
    return (f'name = "sms-family"\ndescription = "made by a test"\n'
            f'blacklist = ["13900001111", "44 7700900123"]\nrefused_ips = ["10.6.6.6"]\n'
            f'[settings]\nmessage_set = "{message_set}"\n{settings}'
            + accounts("C") + accounts("I") + accounts("M")
            + f'[[accounts]]\napiid = "V00000001"\napikey = "{KEY}"\nbalance = 1000\n'
            + f'[[templates]]\nid = 10000\naccount = "C00000001"\nproduct = "sms"\ncontent = "{ORDER_TEMPLATE}"\n'
            + f'[[templates]]\nid = 10001\naccount = "C00000001"\nproduct = "sms"\ncontent = "{PENDING_TEMPLATE}"\n'
              'status = "pending"\n'
            + more + rules)


def client(**options: str):
    return new_client(text=scenario(**options))


def now() -> str:
    return str(int(time.time()))
