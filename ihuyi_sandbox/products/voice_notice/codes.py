"""The voice-notice product's codes and messages (docs/contract.md §14), and what a caller does
about each.

Server and client both read it: a message is written here and nowhere else. Two message sets:
``live`` (the default), the table the provider's voice-notice page prints as the clients that
copied it carry it, with the one answer captured from the live service (4082); and ``doc``, the
other revision of that table and the document form of a configurable threshold (``【5】``).
"""

from __future__ import annotations

from enum import IntEnum

from ...wire.receipts import ANSWERED

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
    BALANCE_EXHAUSTED = 4051
    IP_NOT_REGISTERED = 4052
    DYNAMIC_PASSWORD_EXPIRED = 40501
    DYNAMIC_PASSWORD_MISMATCH = 40502
    MOBILE_INVALID = 406
    CONTENT_SENSITIVE = 407
    NO_TEMPLATE = 4071
    TEMPLATE_MISMATCH = 4072
    VARIABLE_TOO_LONG = 40722
    CONTENT_TOO_LONG = 4073
    ACCOUNT_AUTO_FROZEN = 408
    DAILY_LIMIT = 4082


# The ``live`` message set, the default. 40722's "指的的" (for 指定的) is the provider's own typo,
# kept: a client comparing messages compares these bytes.
MESSAGES: dict[Code, str] = {
    Code.FAILED: "提交失败",
    Code.OK: "提交成功",
    Code.IP_REFUSED: "非法ip访问",
    Code.ACCOUNT_EMPTY: "帐号不能为空",
    Code.PASSWORD_EMPTY: "密码不能为空",
    Code.MOBILE_EMPTY: "手机号码不能为空",
    Code.MOBILE_BLACKLISTED: "手机号码已被列入黑名单",
    Code.CONTENT_EMPTY: "语音内容不能为空",
    Code.BAD_CREDENTIALS: "用户名或密码不正确",
    Code.ACCOUNT_FROZEN: "账号被冻结",
    Code.BALANCE_EXHAUSTED: "剩余条数不足",
    Code.IP_NOT_REGISTERED: "访问ip与备案ip不符",
    Code.DYNAMIC_PASSWORD_EXPIRED: "动态密码已过期",
    Code.DYNAMIC_PASSWORD_MISMATCH: "动态密码校验失败",
    Code.MOBILE_INVALID: "手机格式不正确",
    Code.CONTENT_SENSITIVE: "短信内容含有敏感字符",
    Code.NO_TEMPLATE: "没有提交备案模板",
    Code.TEMPLATE_MISMATCH: "提交的语音内容必须与报备过的模板格式相匹配",
    Code.VARIABLE_TOO_LONG: "变量内容超过指的的长度",
    Code.CONTENT_TOO_LONG: "短信内容超出长度限制",
    Code.ACCOUNT_AUTO_FROZEN: "您的帐户疑被恶意利用，已被自动冻结，如有疑问请与客服联系。",
    Code.DAILY_LIMIT: "超出同一手机号一天之内5条短信限制",
}
#: the ``doc`` message set: the table's other revision (404, 4072) and 4082's threshold as the
#: documents print one
DOC_MESSAGES: dict[Code, str] = {
    **MESSAGES,
    Code.CONTENT_EMPTY: "语音通知内容不能为空",
    Code.TEMPLATE_MISMATCH: "你提交过来语音内容必须与报备过的模板格式相匹配",
    Code.DAILY_LIMIT: "超出同一手机号一天之内【5】条短信限制",
}
MESSAGE_SETS = {"live": MESSAGES, "doc": DOC_MESSAGES}

# GetNum shares the table but says 查询成功 on success.
GETNUM_OK_MESSAGE = "查询成功"

SUBMIT_CODES: frozenset[Code] = frozenset(Code)
GETNUM_CODES: frozenset[Code] = frozenset(
    {
        Code.OK,
        Code.IP_REFUSED,
        Code.ACCOUNT_EMPTY,
        Code.PASSWORD_EMPTY,
        Code.BAD_CREDENTIALS,
        Code.ACCOUNT_FROZEN,
        Code.DYNAMIC_PASSWORD_EXPIRED,
        Code.DYNAMIC_PASSWORD_MISMATCH,
    }
)


#: the class of error each failure code raises in the client
ERRORS: dict[Code, type[IhuyiError]] = {
    Code.ACCOUNT_EMPTY: CredentialsError,
    Code.PASSWORD_EMPTY: CredentialsError,
    Code.BAD_CREDENTIALS: CredentialsError,
    Code.DYNAMIC_PASSWORD_EXPIRED: CredentialsError,
    Code.DYNAMIC_PASSWORD_MISMATCH: CredentialsError,
    Code.ACCOUNT_FROZEN: AccountFrozenError,
    Code.ACCOUNT_AUTO_FROZEN: AccountFrozenError,
    Code.BALANCE_EXHAUSTED: BalanceExhaustedError,
    Code.IP_REFUSED: IPRefusedError,
    Code.IP_NOT_REGISTERED: IPRefusedError,
    Code.MOBILE_EMPTY: MobileError,
    Code.MOBILE_INVALID: MobileError,
    # no class of its own: this number can take no more today, which is about the number
    Code.DAILY_LIMIT: RateLimitedError,
    Code.MOBILE_BLACKLISTED: MobileBlacklistedError,
    Code.CONTENT_EMPTY: ContentError,
    Code.CONTENT_SENSITIVE: ContentError,
    Code.NO_TEMPLATE: TemplateError,
    Code.TEMPLATE_MISMATCH: TemplateError,
    Code.VARIABLE_TOO_LONG: TemplateError,
    Code.CONTENT_TOO_LONG: ContentError,
    Code.FAILED: SubmissionFailedError,
}


def message_for(code: int, method: str = "Submit", message_set: str = "live") -> str:
    """The provider's message for ``code`` answered to ``method`` (``Submit`` or ``GetNum``)."""
    if code == Code.OK and method == "GetNum":
        return GETNUM_OK_MESSAGE
    try:
        return MESSAGE_SETS[message_set][code]  # type: ignore[index]  # IntEnum members hash as ints
    except KeyError:
        raise ValueError(f"{code!r} is not a documented code") from None


def error_for(code: int, method: str = "Submit") -> IhuyiError:
    """The error for a failure ``code`` answered to ``method``, with the provider's message.

    Raises :class:`ValueError` for 2 or an undocumented code: those are not failures to report.
    """
    cls = ERRORS.get(Code(code))
    if cls is None:
        raise ValueError(f"code {code} is a success, not an error")
    return cls(int(code), message_for(code, method))


# What became of a placed call, as its delivery receipt reports it (docs/contract.md §14). The
# voice-notice document names a push but not its codes: the sandbox's choice, the same table as
# the voice-code product's, so that one receiver reads the receipts of both.
OUTCOMES: dict[str, tuple[int, str]] = {
    "answered": (1, "用户已接听"),
    "unanswered": (2, "用户未接听"),
    "busy": (3, "用户忙"),
    "powered_off": (4, "用户已关机"),
    "not_in_service": (5, "空号"),
    "rejected": (6, "用户拒接"),
}
DEFAULT_OUTCOME = ANSWERED
