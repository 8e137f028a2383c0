"""What is sent to the servers, the answer each must give, and the wrk scripts that send it."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

ACCOUNT = "V00000001"
SMS_ACCOUNT = "C00000001"
VM_ACCOUNT = "VM00000001"
APIKEY = "0123456789abcdef0123456789abcdef"
BALANCE = 1_000_000_000  # Submit success never runs out of units, even over a soak
VOICE_PATH = "/webservice/voice.php"
SMS_PATH = "/webservice/sms.php"
FORM = "application/x-www-form-urlencoded"
XML = "text/xml; charset=utf-8"
JSON = "application/json; charset=utf-8"
RESET_MOBILE = "13900011002"  # --compare-servers: can the stack carry out the scenario fault "reset"?


@dataclass(frozen=True)
class Kind:
    """One kind of request to the provider API, the answer it must get, and WireMock's stub for it."""

    name: str
    method: str              # the ?method= query parameter
    body: str                # the form body
    content_type: str        # the answer's Content-Type
    marker: bytes            # found in every correct answer
    stub_body: str           # WireMock's static answer: the sandbox's bytes with a fixed id
    stub_priority: int       # WireMock tries stubs by priority, 1 first
    stub_pattern: dict[str, str] | None = None  # WireMock bodyPatterns entry telling it apart
    endpoint: str = VOICE_PATH  # the provider path it is sent to

    @property
    def path(self) -> str:
        return f"{self.endpoint}?method={self.method}"


_CREDENTIALS = f"account={ACCOUNT}&password={APIKEY}"
_NS = 'xmlns="http://106.ihuyi.com/"'
_DECL = '<?xml version="1.0" encoding="utf-8"?>\n'

SUBMIT_XML = Kind(
    "submit-xml", "Submit", f"{_CREDENTIALS}&mobile=13812345678&content=1234", XML, b"<code>2</code>",
    f"{_DECL}<SubmitResult {_NS}>\n<code>2</code>\n<msg>提交成功</msg>\n"
    "<voiceid>17956541800000000001</voiceid>\n</SubmitResult>\n", 5)
SUBMIT_JSON = Kind(
    "submit-json", "Submit", f"{_CREDENTIALS}&mobile=13812345678&content=1234&format=json", JSON, b'"code":2,',
    '{"code":2,"msg":"提交成功","voiceid":"17956541800000000001"}', 2, {"contains": "format=json"})
GETNUM = Kind(
    "getnum", "GetNum", _CREDENTIALS, XML, b"<code>2</code>",
    f"{_DECL}<GetNumResult {_NS}>\n<code>2</code>\n<msg>查询成功</msg>\n<num>999999999</num>\n</GetNumResult>\n", 5)
ERROR_4070 = Kind(
    "error-4070", "Submit", f"{_CREDENTIALS}&mobile=13812345678&content=12", XML, b"<code>4070</code>",
    f"{_DECL}<SubmitResult {_NS}>\n<code>4070</code>\n<msg>语音验证码内容必须为4-6位数字</msg>\n"
    "<voiceid>0</voiceid>\n</SubmitResult>\n", 1, {"matches": "(.*&)?content=12(&.*)?"})
_SMS_TEXT = "您的验证码是：1234。请不要把验证码泄露给其他人。"
SMS_SUBMIT = Kind(
    "sms-submit", "Submit", f"account={SMS_ACCOUNT}&password={APIKEY}&mobile=13812345678&content={quote(_SMS_TEXT)}",
    XML, b"<code>2</code>",
    f"{_DECL}<SubmitResult {_NS}>\n<code>2</code>\n<msg>提交成功</msg>\n"
    "<smsid>17956541800000000001</smsid>\n</SubmitResult>\n", 5, endpoint=SMS_PATH)
VM_SUBMIT = Kind(
    "vm-submit", "Submit", f"account={VM_ACCOUNT}&password={APIKEY}&mobile=13812345678&templateid=1361"
                           f"&content={quote('9633|顺风快递')}", XML, b"<code>2</code>",
    f"{_DECL}<SubmitResult {_NS}>\n<code>2</code>\n<msg>提交成功</msg>\n"
    "<voiceid>17956541800000000001</voiceid>\n</SubmitResult>\n", 3, {"contains": "templateid=1361"})
KINDS = (SUBMIT_XML, SUBMIT_JSON, GETNUM, ERROR_4070, SMS_SUBMIT, VM_SUBMIT)


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    mix: tuple[tuple[Kind, int], ...]  # kinds and their weights (per cent)


WORKLOADS = (
    Workload("submit-xml", "Submit success, XML", ((SUBMIT_XML, 100),)),
    Workload("submit-json", "Submit success, JSON", ((SUBMIT_JSON, 100),)),
    Workload("getnum", "GetNum, XML", ((GETNUM, 100),)),
    Workload("error-4070", "Submit error 4070, XML", ((ERROR_4070, 100),)),
    Workload("sms-submit", "SMS Submit success (template 1), XML", ((SMS_SUBMIT, 100),)),
    Workload("vm-submit", "Voice-notice Submit success (template 1361), XML", ((VM_SUBMIT, 100),)),
    Workload("mixed", "Mixed: 60% Submit XML, 10% JSON, 20% GetNum, 10% 4070",
             ((SUBMIT_XML, 60), (SUBMIT_JSON, 10), (GETNUM, 20), (ERROR_4070, 10))),
)
MIXED = WORKLOADS[-1]
TARGET_WORKLOADS = ("submit-xml", "submit-json")  # the target: Submit success
FAMILY_WORKLOADS = ("sms-submit", "vm-submit")  # each product's Submit, against the voice Submit's rate


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lua_script(workload: Workload) -> str:
    """The wrk script: a static request for one kind; a weighted pool drawn per request otherwise."""
    head = f'-- {workload.name}: {workload.title} (written by python -m bench)\nwrk.headers["Content-Type"] = "{FORM}"\n'
    if len(workload.mix) == 1:
        kind = workload.mix[0][0]
        return head + f'wrk.method = "POST"\nwrk.path = {lua_string(kind.path)}\nwrk.body = {lua_string(kind.body)}\n'
    kinds = ",\n".join(f"  {{{weight}, {lua_string(kind.path)}, {lua_string(kind.body)}}}"
                       for kind, weight in workload.mix)
    return head + f"""local kinds = {{
{kinds}
}}
local pool = {{}}

function init(args)
  math.randomseed(20261126)  -- fixed: every run draws the same sequence (per wrk thread)
  for _, k in ipairs(kinds) do
    for _ = 1, k[1] do pool[#pool + 1] = wrk.format("POST", k[2], nil, k[3]) end
  end
end

function request()
  return pool[math.random(#pool)]
end
"""
