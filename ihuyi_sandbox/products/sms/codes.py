"""The SMS family's codes and messages (docs/contract.md §11), and what a caller does about each.

SMS, international SMS and marketing SMS answer from this one table. Each row holds the text of
the provider's document and, where the live service was caught answering otherwise, the live
text: the ``doc`` message set takes the first, the ``live`` set (the default) the second where
there is one. Server and client both read it: a message is written here and nowhere else.
"""

from __future__ import annotations

from enum import IntEnum

from ..._exceptions import (AccountFrozenError, BalanceExhaustedError, ContentError, CredentialsError, IhuyiError,
                            IPRefusedError, MobileBlacklistedError, MobileError, RateLimitedError, SubmissionFailedError,
                            TemplateError)


class Code(IntEnum):
    FAILED = 0
    OK = 2
    IP_REFUSED = 400
    ACCOUNT_EMPTY = 401
    PASSWORD_EMPTY = 402
    MOBILE_EMPTY = 403
    MOBILE_BLACKLISTED = 4030
    CONTENT_EMPTY = 404
    BAD_CREDENTIALS = 405
    ACCOUNT_FROZEN = 4050
    DYNAMIC_PASSWORD_EXPIRED = 40501
    DYNAMIC_PASSWORD_MISMATCH = 40502
    BALANCE_EXHAUSTED = 4051
    IP_NOT_REGISTERED = 4052
    USER_UNKNOWN = 4053
    MOBILE_INVALID = 406
    CONTENT_SENSITIVE = 407
    SIGNATURE_INVALID = 4070
    NO_TEMPLATE = 4071
    TEMPLATE_MISMATCH = 4072
    VARIABLE_TOO_LONG = 40722
    CONTENT_TOO_LONG = 4073
    CONTENT_EMOJI = 4074
    SIGNATURE_UNAPPROVED = 4075
    MOBILE_OVER_LIMIT = 408
    PER_SECOND = 4080
    PER_DAY = 4082
    IDENTICAL_PER_MINUTE = 4083
    CODES_PER_DAY = 4085
    # listed by public clients, in no document of the provider's: only a scenario answers them
    CHANNEL_PER_MINUTE = 4010
    PER_MINUTE = 4081
    IDENTICAL_PER_DAY = 4084
    TOO_FREQUENT = 4086
    CHANNEL_BLACKLISTED = 40864


#: code → (the document's text, the live text where it differs). The live texts print a limit as
#: a bare number where the document brackets it (【5】, [20]); a code in no document has one text.
TABLE: dict[Code, tuple[str, str | None]] = {
    Code.FAILED: ("提交失败", None),
    Code.OK: ("提交成功", None),
    Code.IP_REFUSED: ("非法ip访问", None),
    Code.ACCOUNT_EMPTY: ("帐号不能为空", None),
    Code.PASSWORD_EMPTY: ("密码不能为空", None),
    Code.MOBILE_EMPTY: ("手机号码不能为空", None),
    Code.MOBILE_BLACKLISTED: ("手机号码已被列入黑名单", None),
    Code.CONTENT_EMPTY: ("短信内容不能为空", None),
    Code.BAD_CREDENTIALS: ("API ID或API KEY不正确", None),
    Code.ACCOUNT_FROZEN: ("账号被冻结", None),
    Code.DYNAMIC_PASSWORD_EXPIRED: ("动态密码已过期", None),
    Code.DYNAMIC_PASSWORD_MISMATCH: ("动态密码校验失败", None),
    Code.BALANCE_EXHAUSTED: ("剩余条数不足", None),
    Code.IP_NOT_REGISTERED: ("访问ip与备案ip不符", None),
    Code.USER_UNKNOWN: ("用户不存在", None),
    Code.MOBILE_INVALID: ("手机号码格式不正确", "手机格式不正确，格式为11位的数字."),
    Code.CONTENT_SENSITIVE: ("短信内容含有敏感字符", None),
    Code.SIGNATURE_INVALID: ("签名格式不正确", None),
    Code.NO_TEMPLATE: ("没有提交备案模板", None),
    Code.TEMPLATE_MISMATCH: ("提交的短信内容与审核通过的模板内容不匹配", "你提交过来的短信内容必须与报备过的模板格式相匹配"),
    Code.VARIABLE_TOO_LONG: ("变量内容超过指定的长度【8】", "变量内容超过指定的长度8"),
    Code.CONTENT_TOO_LONG: ("短信内容超出长度限制", None),
    Code.CONTENT_EMOJI: ("短信内容包含emoji符号", None),
    Code.SIGNATURE_UNAPPROVED: ("签名未通过审核", None),
    Code.MOBILE_OVER_LIMIT: ("发送超限（[20]条），已加入黑名单，可登入平台解除", "发送超限（20条），已加入黑名单，可登入平台解除"),
    Code.PER_SECOND: ("同一手机号码同一秒钟之内发送频率不能超过1条", "同一手机号码同一秒钟之内发送频率不能超过1条(c)"),
    Code.PER_DAY: ("超出同一手机号一天之内【5】条短信限制", "超出同一手机号一天之内5条短信限制"),
    Code.IDENTICAL_PER_MINUTE: ("同内容每分钟限制：1条", None),
    Code.CODES_PER_DAY: ("同一手机号验证码短信发送超出【5】条", "同一手机号验证码短信发送超出5条"),
    Code.CHANNEL_PER_MINUTE: ("通道限制：每个号码1分钟内只能发1条", None),
    Code.PER_MINUTE: ("同一手机号码一分钟之内发送频率超不能超过1条", None),
    Code.IDENTICAL_PER_DAY: ("同内容每日限制：5条", None),
    Code.TOO_FREQUENT: ("发送失败，同一个手机号码发送频率太频繁", None),
    Code.CHANNEL_BLACKLISTED: ("手机号已被列入黑名单", None),
}

#: the texts GetNum and AddTemplate answer in place of Submit's (both message sets)
METHOD_MESSAGES: dict[str, dict[Code, str]] = {
    "Submit": {},
    "GetNum": {Code.OK: "查询成功", Code.BAD_CREDENTIALS: "用户名或密码不正确"},
    "AddTemplate": {Code.OK: "添加成功", Code.BAD_CREDENTIALS: "用户名或密码不正确",
                    Code.CONTENT_EMPTY: "模板内容不能为空", Code.CONTENT_SENSITIVE: "模板内容含有敏感字符"},
}

#: each message set's Submit texts: ``live`` (the default) and ``doc``
MESSAGE_SETS: dict[str, dict[Code, str]] = {
    "live": {code: live or doc for code, (doc, live) in TABLE.items()},
    "doc": {code: doc for code, (doc, _) in TABLE.items()},
}
MESSAGES = MESSAGE_SETS["live"]

SUBMIT_CODES: frozenset[Code] = frozenset(Code)
GETNUM_CODES: frozenset[Code] = frozenset({
    Code.OK, Code.IP_REFUSED, Code.ACCOUNT_EMPTY, Code.PASSWORD_EMPTY, Code.BAD_CREDENTIALS, Code.ACCOUNT_FROZEN,
    Code.DYNAMIC_PASSWORD_EXPIRED, Code.DYNAMIC_PASSWORD_MISMATCH,
})
ADDTEMPLATE_CODES: frozenset[Code] = frozenset({
    Code.OK, Code.IP_REFUSED, Code.ACCOUNT_EMPTY, Code.PASSWORD_EMPTY, Code.BAD_CREDENTIALS, Code.ACCOUNT_FROZEN,
    Code.CONTENT_EMPTY, Code.CONTENT_SENSITIVE,
})
#: the codes each method answers
METHOD_CODES: dict[str, frozenset[Code]] = {"Submit": SUBMIT_CODES, "GetNum": GETNUM_CODES,
                                            "AddTemplate": ADDTEMPLATE_CODES}


def messages(method: str, message_set: str = "live") -> dict[Code, str]:
    """Every text of ``method`` in ``message_set``."""
    return {**MESSAGE_SETS[message_set], **METHOD_MESSAGES[method]}


#: the class of error each failure code raises in the client; the frequency limits raise the
#: base class: nothing is wrong with the request, only with its moment
ERRORS: dict[Code, type[IhuyiError]] = {
    Code.FAILED: SubmissionFailedError,
    Code.IP_REFUSED: IPRefusedError,
    Code.IP_NOT_REGISTERED: IPRefusedError,
    Code.ACCOUNT_EMPTY: CredentialsError,
    Code.PASSWORD_EMPTY: CredentialsError,
    Code.BAD_CREDENTIALS: CredentialsError,
    Code.DYNAMIC_PASSWORD_EXPIRED: CredentialsError,
    Code.DYNAMIC_PASSWORD_MISMATCH: CredentialsError,
    Code.USER_UNKNOWN: CredentialsError,
    Code.ACCOUNT_FROZEN: AccountFrozenError,
    Code.BALANCE_EXHAUSTED: BalanceExhaustedError,
    Code.MOBILE_EMPTY: MobileError,
    Code.MOBILE_INVALID: MobileError,
    Code.MOBILE_BLACKLISTED: MobileBlacklistedError,
    Code.MOBILE_OVER_LIMIT: MobileBlacklistedError,
    Code.CHANNEL_BLACKLISTED: MobileBlacklistedError,
    Code.CONTENT_EMPTY: ContentError,
    Code.CONTENT_SENSITIVE: ContentError,
    Code.SIGNATURE_INVALID: ContentError,
    Code.NO_TEMPLATE: TemplateError,
    Code.TEMPLATE_MISMATCH: TemplateError,
    Code.VARIABLE_TOO_LONG: TemplateError,
    Code.CONTENT_TOO_LONG: ContentError,
    Code.CONTENT_EMOJI: ContentError,
    Code.SIGNATURE_UNAPPROVED: ContentError,
    Code.PER_SECOND: RateLimitedError,
    Code.PER_DAY: RateLimitedError,
    Code.IDENTICAL_PER_MINUTE: RateLimitedError,
    Code.CODES_PER_DAY: RateLimitedError,
    Code.CHANNEL_PER_MINUTE: RateLimitedError,
    Code.PER_MINUTE: RateLimitedError,
    Code.IDENTICAL_PER_DAY: RateLimitedError,
    Code.TOO_FREQUENT: RateLimitedError,
}


def message_for(code: int, method: str = "Submit", message_set: str = "live") -> str:
    """The provider's message for ``code`` answered to ``method`` (Submit, GetNum or AddTemplate)."""
    if method not in METHOD_CODES:
        raise ValueError(f"unknown method {method!r}; the SMS methods are {', '.join(METHOD_CODES)}")
    if code not in METHOD_CODES[method]:
        raise ValueError(f"{code!r} is not a documented {method} code")
    return messages(method, message_set)[Code(code)]


def error_for(code: int, method: str = "Submit") -> IhuyiError:
    """The error for a failure ``code`` answered to ``method``, with the provider's (live) message.

    Raises :class:`ValueError` for 2 or an undocumented code: those are not failures to report.
    """
    text = message_for(code, method)
    cls = ERRORS.get(Code(code))
    if cls is None:
        raise ValueError(f"code {code} is a success, not an error")
    return cls(int(code), text)


# What became of a message, as its delivery receipt reports it (docs/contract.md §11): the
# document says only "2 成功 其他为失败", so the failures' code and the ``msg`` texts (the operators'
# delivery states) are the sandbox's choice, kept here once for the server and the receipt parser.
OUTCOMES: dict[str, tuple[int, str]] = {
    "delivered": (2, "DELIVRD"),
    "undelivered": (0, "UNDELIV"),
    "expired": (0, "EXPIRED"),
    "rejected": (0, "REJECTD"),
}
DEFAULT_OUTCOME = "delivered"
