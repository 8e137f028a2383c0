"""The voice product's checks, in the contract's order: plain functions over plain data
(docs/contract.md §2, §3, §5).

The order of checks is the contract's: 400 → 401 → 402 → 405/40501/40502 → 4052 → 4050 → 408 →
403 → 406 → 4030 → 404 → 4070 → 407 → 4051 → 2. The first failing check answers. 407 and 0 are
never decided here: only a scenario forces them.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping

from ...service.records import Account, Facts
from ...wire.passwords import dynamic_password
from .codes import Code

#: a passed check's code, read once (before Python 3.12 an enum's members cost a metaclass hook each)
OK = Code.OK

MOBILE_PATTERN = re.compile(r"1[3-9][0-9]{9}")
CONTENT_PATTERN = re.compile(r"[0-9]{4,6}")
TIME_PATTERN = re.compile(r"[0-9]{10}")


def decide(method: str, params: Mapping[str, str], facts: Facts, *, client_ip: str, now: float,
           skew: int) -> Code:
    """The code the real service answers to ``method`` with ``params`` from ``client_ip``.

    ``Code.OK`` for a Submit means "take one unit": the storage may still answer 4051 if another
    request took the last unit first.
    """
    submit = method == "Submit"
    if facts.ip_refused:
        return Code.IP_REFUSED
    if not params.get("account"):
        return Code.ACCOUNT_EMPTY
    if not params.get("password"):
        return Code.PASSWORD_EMPTY
    account = facts.account
    if account is None:
        return Code.BAD_CREDENTIALS
    credentials = check_password(method, params, account, now=now, skew=skew)
    if credentials is not OK:
        return credentials
    if account.registered_ips and client_ip not in account.registered_ips:
        return Code.IP_NOT_REGISTERED if submit else Code.IP_REFUSED
    if account.frozen:
        return Code.ACCOUNT_FROZEN
    if account.auto_frozen:
        return Code.ACCOUNT_AUTO_FROZEN if submit else Code.ACCOUNT_FROZEN
    if not submit:
        return OK
    return check_message(params, facts, balance=account.balance)


def check_password(method: str, params: Mapping[str, str], account: Account, *, now: float,
                   skew: int) -> Code:
    """405 for a wrong APIKEY; with ``time``, 40501 when it is off the clock, 40502 when the
    md5 does not match (docs/contract.md §5)."""
    password = params.get("password", "")
    time = params.get("time", "")
    if not time:
        return OK if hmac.compare_digest(password.encode(), account.apikey.encode()) else Code.BAD_CREDENTIALS
    if not TIME_PATTERN.fullmatch(time) or abs(now - int(time)) > skew:
        return Code.DYNAMIC_PASSWORD_EXPIRED
    if method == "Submit":
        expected = dynamic_password(account.apiid, account.apikey, time,
                                    params.get("mobile", ""), params.get("content", ""))
    else:
        expected = dynamic_password(account.apiid, account.apikey, time)
    if not hmac.compare_digest(password.encode(), expected.encode()):
        return Code.DYNAMIC_PASSWORD_MISMATCH
    return OK


def check_message(params: Mapping[str, str], facts: Facts, *, balance: int) -> Code:
    """The Submit checks that follow the account's: mobile, content, balance."""
    mobile = params.get("mobile", "")
    content = params.get("content", "")
    if not mobile:
        return Code.MOBILE_EMPTY
    if not MOBILE_PATTERN.fullmatch(mobile):
        return Code.MOBILE_INVALID
    if facts.mobile_blacklisted:
        return Code.MOBILE_BLACKLISTED
    if not content:
        return Code.CONTENT_EMPTY
    if not CONTENT_PATTERN.fullmatch(content):
        return Code.CONTENT_INVALID
    if balance <= 0:
        return Code.BALANCE_EXHAUSTED
    return OK
