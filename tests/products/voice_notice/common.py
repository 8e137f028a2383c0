"""What the voice-notice tests share: the accounts of a scenario that reaches every code, the
messages as the contract prints them (written out here, not read from ``codes.py``, so that a
changed message fails a test), and the exact bytes of an answer."""

from __future__ import annotations

import json

from ihuyi_sandbox.service.records import DEMO_APIKEY

KEY = DEMO_APIKEY
VOICE = "/webservice/voice.php"
JSON_API = "/vm/Submit.json"
#: the provider's example content, which the built-in template 1361 matches
NOTICE = "您的订单号是：9633。已由顺风快递发出，请注意查收。"
VM = {"account": "VM00000001", "password": KEY}
OK = {**VM, "mobile": "13812345678", "content": NOTICE}
CAR = "尊敬的【变量】车主您好，您的爱车位于：【变量】，请您及时处理，谢谢！"

LIVE = {
    0: "提交失败",
    2: "提交成功",
    400: "非法ip访问",
    401: "帐号不能为空",
    402: "密码不能为空",
    403: "手机号码不能为空",
    4030: "手机号码已被列入黑名单",
    404: "语音内容不能为空",
    405: "用户名或密码不正确",
    4050: "账号被冻结",
    4051: "剩余条数不足",
    4052: "访问ip与备案ip不符",
    40501: "动态密码已过期",
    40502: "动态密码校验失败",
    406: "手机格式不正确",
    407: "短信内容含有敏感字符",
    4071: "没有提交备案模板",
    4072: "提交的语音内容必须与报备过的模板格式相匹配",
    40722: "变量内容超过指的的长度",
    4073: "短信内容超出长度限制",
    408: "您的帐户疑被恶意利用，已被自动冻结，如有疑问请与客服联系。",
    4082: "超出同一手机号一天之内5条短信限制",
}
DOC = {**LIVE, 404: "语音通知内容不能为空", 4072: "你提交过来语音内容必须与报备过的模板格式相匹配",
       4082: "超出同一手机号一天之内【5】条短信限制"}
MESSAGE_SETS = {"live": LIVE, "doc": DOC}
GETNUM_CODES = {2, 400, 401, 402, 405, 4050, 40501, 40502}


def scenario(message_set: str = "live", settings: str = "", more: str = "") -> str:
    """A scenario with an account (or a list entry, or a rule) for every Submit code."""
    return f'''name = "voice notice codes"
description = "made by a test"
blacklist = ["13900001111"]
refused_ips = ["10.6.6.6"]

[settings]
message_set = "{message_set}"
{settings}
[[accounts]]
apiid = "VM00000001"
apikey = "{KEY}"
balance = 1000

[[accounts]]
apiid = "VM00000002"
apikey = "k2"
balance = 0

[[accounts]]
apiid = "VM00000003"
apikey = "k3"
balance = 10
frozen = true

[[accounts]]
apiid = "VM00000004"
apikey = "k4"
balance = 10
auto_frozen = true

[[accounts]]
apiid = "VM00000005"
apikey = "k5"
balance = 10
registered_ips = ["10.1.1.1"]

[[accounts]]
apiid = "VM00000006"
apikey = "k6"
balance = 10
limits = {{ per_day = 1 }}

[[accounts]]
apiid = "VM00000007"
apikey = "k7"
balance = 10
limits = {{ blacklist_after = 1 }}

[[accounts]]
apiid = "V00000001"
apikey = "{KEY}"
balance = 1000

[[templates]]
id = 10001
account = "VM00000001"
product = "voice_notice"
content = "{CAR}"

[[templates]]
id = 10002
account = "VM00000001"
product = "voice_notice"
content = "警报警报，【变量】发生故障。"
status = "rejected"
reason = "a test's"

[[templates]]
id = 10003
account = "VM00000001"
product = "voice_notice"
content = "您的快递【变量】已到达。"
status = "pending"

[[templates]]
id = 10004
account = "VM00000002"
product = "voice_notice"
content = "另一个账户的模板【变量】。"

[[templates]]
id = 10005
account = "VM00000001"
product = "voice"
content = "另一个产品的模板【变量】。"

[[rules]]
name = "the provider fails"
mobile = "13700000000"
code = 0

[[rules]]
name = "sensitive content"
mobile = "13700000407"
code = 407
{more}'''


def xml(code: int, msg: str, value: str = "0", root: str = "SubmitResult", id_name: str = "voiceid") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<{root} xmlns="http://106.ihuyi.com/">\n<code>{code}</code>\n'
            f"<msg>{msg}</msg>\n<{id_name}>{value}</{id_name}>\n</{root}>\n").encode()


def json_bytes(code: int, msg: str, value: str = "0", id_name: str = "voiceid", quoted: bool = True) -> bytes:
    shown = json.dumps(value) if quoted else value
    return f'{{"code":{code},"msg":{json.dumps(msg, ensure_ascii=False)},"{id_name}":{shown}}}'.encode()
