"""The client's errors: one class per thing a caller does about an ihuyi code, and a transport
error for everything that is not an ihuyi answer at all.

The classes group codes by the caller's reaction, not by the provider's numbering: a wrong key,
an empty account and a stale dynamic password all mean "fix the credentials"; 4050 and 408 both
mean "the account cannot send until support unfreezes it". Codes and messages come from
:mod:`ihuyi_sandbox.codes`; this module only sorts them.
"""

from __future__ import annotations

from .codes import Code, message_for


class IhuyiError(Exception):
    """The service answered with a code other than 2. ``code`` and ``message`` are the
    provider's, exactly as CONTRACT.md §3 lists them."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message


class CredentialsError(IhuyiError):
    """Account or key missing or wrong, or the dynamic password stale or wrong (401, 402, 405,
    40501, 40502): fix the configuration (or the clock); retrying as is cannot help."""


class AccountFrozenError(IhuyiError):
    """The account is frozen, by the operator (4050) or for suspected abuse (408): contact the
    provider."""


class BalanceExhaustedError(IhuyiError):
    """No calls left (4051): top up the account."""


class IPRefusedError(IhuyiError):
    """The caller's IP is refused (400) or not among the account's registered IPs (4052): register
    the server's IP with the provider."""


class MobileError(IhuyiError):
    """The mobile number is empty or invalid (403, 406): tell the user to correct it."""


class MobileBlacklistedError(MobileError):
    """The mobile is on the blacklist (4030): no code can reach it; offer another channel."""


class ContentError(IhuyiError):
    """The code to read out is empty, not 4 to 6 digits, or refused as sensitive (404, 4070, 407):
    a bug in the application."""


class SubmissionFailedError(IhuyiError):
    """The provider failed to submit the call (0): nothing was charged; the caller may try again
    later."""


#: the one map from a failure code to its class
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


def error_for(code: int, method: str = "Submit") -> IhuyiError:
    """The error for a failure ``code`` answered to ``method``, with the provider's message.

    Raises :class:`ValueError` for 2 or an undocumented code: those are not failures to report.
    """
    cls = ERRORS.get(Code(code))
    if cls is None:
        raise ValueError(f"code {code} is a success, not an error")
    return cls(int(code), message_for(code, method))


class TransportError(Exception):
    """No ihuyi answer came back: a timeout, a refused or reset connection, a non-200 status, a
    wrong Content-Type, or a body that is not the contract's.

    Deliberately not an :class:`IhuyiError`: the service's verdict is unknown. ``request_sent``
    says whether the whole request had left this machine; when it had, a Submit may have placed
    the call (and charged it) even though no answer arrived, so retrying could call twice.
    """

    def __init__(self, message: str, url: str = "", *, request_sent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.url = url
        self.request_sent = request_sent


class ReceiptError(ValueError):
    """A delivery receipt that is not one the service sends: a field missing, unknown or wrong."""
