"""Every exception of the package, defined here and nowhere else; imports nothing of the package.

The tree, with who raises each and what it means to the one who catches it::

    Exception
    ├── IhuyiError                the service answered an ihuyi code other than success (client)
    │   ├── CredentialsError        401, 402, 405, 40501, 40502: fix the account, key or clock
    │   ├── AccountFrozenError      4050, 408: the account cannot send until support unfreezes it
    │   ├── BalanceExhaustedError   4051: top up
    │   ├── IPRefusedError          400, 4052: register the server's IP
    │   ├── MobileError             403, 406: the user must correct the number
    │   │   └── MobileBlacklistedError  4030: no message can reach it
    │   ├── ContentError            404, 4070, 407, 4073, 4074 (and signatures): a bug in the application
    │   │   └── TemplateError           4071, 4072, 40722: the content follows no approved template
    │   ├── RateLimitedError        4080, 4082, 4083, 4085: too many to one number for now; wait
    │   └── SubmissionFailedError   0: nothing charged; try again later
    ├── TransportError            no ihuyi answer came back at all (client)
    ├── StoreUnavailable          the store cannot answer now: its database server is down (storage)
    │   └── WriteFailed             the store cannot write now: a full disk, an I/O error
    ├── StoreRefused              a database the sandbox will not use, with the reason (storage)
    ├── BodyRefused               a request body that cannot be had: cut short, too slow (HTTP surfaces)
    ├── Invalid                   a /_sandbox/ request the API refuses, with the reason (HTTP surfaces)
    │   ├── NotFound                what it names does not exist
    │   └── Conflict                it cannot be done in the state the sandbox is in (a limit reached; also storage)
    ├── ValueError
    │   ├── MalformedBody           a body that is not a contract answer (wire)
    │   ├── ReceiptError            a delivery receipt that is not one the service sends (wire)
    │   └── ScenarioError           a scenario that fails the check, every problem as file:line (service)
    ├── OSError
    │   └── PortUnavailable         the address cannot be served (serving)
    └── RuntimeError
        └── SandboxError            a sandbox could not start, or its API refused a call (testing)

Which code raises which :class:`IhuyiError` is each product's codes table
(``products/<unit>/codes.py``); this module only sorts the reactions.
"""

from __future__ import annotations

from collections.abc import Iterable


class IhuyiError(Exception):
    """The service answered with a code other than success. ``code`` and ``message`` are the
    provider's, exactly as its codes table prints them (docs/contract.md §3)."""

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
    """No units left (4051): top up the account."""


class IPRefusedError(IhuyiError):
    """The caller's IP is refused (400) or not among the account's registered IPs (4052): register
    the server's IP with the provider."""


class MobileError(IhuyiError):
    """The mobile number is empty or invalid (403, 406): tell the user to correct it."""


class MobileBlacklistedError(MobileError):
    """The mobile is on the blacklist (4030): nothing can reach it; offer another channel."""


class ContentError(IhuyiError):
    """The content is empty, not what the product accepts, or refused as sensitive (404, 4070,
    407): a bug in the application."""


class TemplateError(ContentError):
    """The content follows none of the account's approved templates, or a variable is too long
    (4071, 4072, 40722): add (or fix) the template, or send what it says."""


class RateLimitedError(IhuyiError):
    """Too many messages to one number within the provider's window (4080, 4082, 4083, 4085):
    retrying at once cannot help; wait, or reach the user another way."""


class SubmissionFailedError(IhuyiError):
    """The provider failed to submit (0): nothing was charged; the caller may try again later."""


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


class MalformedBody(ValueError):
    """A body that is not one the contract allows: truncated, altered, or of another shape."""


class ReceiptError(ValueError):
    """A delivery receipt that is not one the service sends: a field missing, unknown or wrong."""


#: the most problems a :class:`ScenarioError` reports: a file wrong on every line would flood a
#: terminal, the API's answer and the server's log, and the first ones are those to fix first
MAX_PROBLEMS = 50


class ScenarioError(ValueError):
    """A scenario that fails the check; ``problems`` holds its ``file:line: reason``s, the first
    :data:`MAX_PROBLEMS` of them and then how many more there are, and ``count`` all of them."""

    def __init__(self, problems: Iterable[str]) -> None:
        problems = list(problems)
        self.count = len(problems)
        if self.count > MAX_PROBLEMS:
            problems = [*problems[:MAX_PROBLEMS], f"... and {self.count - MAX_PROBLEMS} more problems"]
        super().__init__("\n".join(problems))
        self.problems = problems


class StoreUnavailable(Exception):
    """The store cannot answer now (its database server is down or unreachable): the machine's
    state, not a bug, and nothing of the request is known to be done. The store logs when it
    begins and when it ends; a request it stops is answered 503, as a gateway would, never with
    an ihuyi code (which would claim an answer)."""

    def __init__(self, reason: str, message: str | None = None) -> None:
        super().__init__(message or f"the sandbox cannot reach its database: {reason}; the request may not have "
                                    "been carried out, send it again once the database is back")
        self.reason = reason


class WriteFailed(StoreUnavailable):
    """The store cannot write now (a full disk, an I/O error); reads still work."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, f"the sandbox cannot write its database: {reason}; the request was not carried "
                                 "out, send it again once the disk has room")


class StoreRefused(Exception):
    """A database the sandbox will not use, said with the reason: written by a newer version,
    holding another program's tables, of a scheme it does not serve, or needing a driver that is
    not installed. Nothing in it was changed."""


class BodyRefused(Exception):
    """The request's body cannot be had: answered ``status`` with ``reason``, never handled (a client
    that left gets nothing: granian sends nothing to a closed connection)."""

    #: the rest of the body may still be on its way: the connection cannot take another request
    headers = (("Connection", "close"),)

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


class Invalid(Exception):
    """A request the sandbox API refuses; ``description`` is the reason shown to the caller."""

    status = 400

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class NotFound(Invalid):
    """What a sandbox API call names (an account, say) does not exist."""

    status = 404


class Conflict(Invalid):
    """What a sandbox API call asks cannot be done in the state the sandbox is in."""

    status = 409


class PortUnavailable(OSError):
    """The address cannot be served: another program (or sandbox) holds the port, or it is not ours."""


class SandboxError(RuntimeError):
    """The sandbox could not be started, or its API refused a call (the message says why)."""
