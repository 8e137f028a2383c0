"""The voice product's codes and messages (docs/contract.md §3), and what a caller does about each.

Server and client both read it: a message is written here and nowhere else.
"""

from __future__ import annotations

from enum import IntEnum

from ...wire.receipts import ANSWERED

from ..._exceptions import (AccountFrozenError, BalanceExhaustedError, ContentError, CredentialsError, IhuyiError,
                            IPRefusedError, MobileBlacklistedError, MobileError, SubmissionFailedError)


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
    CONTENT_INVALID = 4070
    ACCOUNT_AUTO_FROZEN = 408


# The ``live`` message set, the default: the texts as the service answers them (full-width punctuation).
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
    Code.CONTENT_INVALID: "语音验证码内容必须为4-6位数字",
    Code.ACCOUNT_AUTO_FROZEN: "您的帐户疑被恶意利用，已被自动冻结，如有疑问请与客服联系。",
}
#: the ``doc`` message set: the texts as the stored copy of the provider's page prints them, whose
#: full-width commas were folded to ASCII (docs/contract.md §3)
DOC_MESSAGES: dict[Code, str] = {**MESSAGES, Code.ACCOUNT_AUTO_FROZEN: "您的帐户疑被恶意利用,已被自动冻结,如有疑问请与客服联系。"}
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
    Code.MOBILE_BLACKLISTED: MobileBlacklistedError,
    Code.CONTENT_EMPTY: ContentError,
    Code.CONTENT_INVALID: ContentError,
    Code.CONTENT_SENSITIVE: ContentError,
    Code.FAILED: SubmissionFailedError,
}


def message_for(code: int, method: str = "Submit") -> str:
    """The provider's message for ``code`` answered to ``method`` (``Submit`` or ``GetNum``)."""
    if code == Code.OK and method == "GetNum":
        return GETNUM_OK_MESSAGE
    try:
        return MESSAGES[code]  # type: ignore[index]  # an int finds its Code: IntEnum members hash as ints
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


# What became of a placed call, as a delivery receipt reports it (docs/contract.md §6). The voice
# documents name a push but not its codes: these are the sandbox's choice, kept here once for the
# server, the client's receipt parser and the README.
OUTCOMES: dict[str, tuple[int, str]] = {
    "answered": (1, "用户已接听"),
    "unanswered": (2, "用户未接听"),
    "busy": (3, "用户忙"),
    "powered_off": (4, "用户已关机"),
    "not_in_service": (5, "空号"),
    "rejected": (6, "用户拒接"),
}
DEFAULT_OUTCOME = ANSWERED
