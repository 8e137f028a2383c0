"""The voice-notice product's checks, in the contract's order: plain functions over the request
and what the context lets them read (docs/contract.md §14).

The order: 400 → 401 → 402 → 405/40501/40502 → 4052 → 4050 → 408 (an account frozen for abuse)
→ 403 → 404 → 406 → 4030 → 4073 → 407 → 4071 → 4072 → 40722 → 4082 → 408 (the number's daily
count past ``blacklist_after``) → 4051 → 2. The first failing check answers. 407 and 0 are never
decided here: only a scenario forces them. GetNum stops after the account's checks.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone

from ...service import templates
from ...service.products import Context, Decision
from ...service.records import Account, Template
from ...wire.passwords import dynamic_password
from .codes import Code

#: a passed check's code, read once (before Python 3.12 an enum's members cost a metaclass hook each)
OK = Code.OK

#: a mainland mobile, or a fixed line: 0, an area code of 2 or 3 more digits, a number of 7 or 8
MOBILE_PATTERN = re.compile(r"1[3-9][0-9]{9}|0[1-9][0-9]{1,2}[0-9]{7,8}")
TIME_PATTERN = re.compile(r"[0-9]{10}")
#: a template id as a client sends it: digits, within what an id of the store can be
TEMPLATE_ID_PATTERN = re.compile(r"[0-9]{1,18}")
#: "支持180个字": the longest content, and the longest text a template may deliver
MAX_CONTENT_LENGTH = 180
#: the built-in template every account may use, never stored: the provider's debugging template
BUILTIN_TEMPLATE_ID = 1361
BUILTIN_TEMPLATE = "您的订单号是：【变量】。已由【变量】发出，请注意查收。"
#: the store's name for this product's templates
PRODUCT = "voice_notice"
#: the built-in template as the checks read it: every account's, of no account's store
BUILTIN = Template(BUILTIN_TEMPLATE_ID, "", PRODUCT, BUILTIN_TEMPLATE)
#: the service's clock: a "day" of the daily limits is a calendar day in China (UTC+8)
CHINA = timezone(timedelta(hours=8))


def decide(method: str, params: Mapping[str, str], context: Context) -> Decision:
    """The code the real service answers to ``method`` with ``params``; for an accepted Submit
    in ``templateid`` mode, the text the template gives."""
    submit = method == "Submit"
    facts = context.facts
    if facts.ip_refused:
        return Decision(Code.IP_REFUSED)
    if not params.get("account"):
        return Decision(Code.ACCOUNT_EMPTY)
    if not params.get("password"):
        return Decision(Code.PASSWORD_EMPTY)
    account = facts.account
    if account is None:
        return Decision(Code.BAD_CREDENTIALS)
    credentials = check_password(method, params, account, now=context.now, skew=context.settings.password_skew)
    if credentials is not OK:
        return Decision(credentials)
    if account.registered_ips and context.client_ip not in account.registered_ips:
        return Decision(Code.IP_NOT_REGISTERED if submit else Code.IP_REFUSED)
    if account.frozen:
        return Decision(Code.ACCOUNT_FROZEN)
    if account.auto_frozen:
        return Decision(Code.ACCOUNT_AUTO_FROZEN if submit else Code.ACCOUNT_FROZEN)
    if not submit:
        return Decision(OK)
    return check_message(params, account, context)


def check_password(method: str, params: Mapping[str, str], account: Account, *, now: float, skew: int) -> Code:
    """The APIKEY itself, with or without ``time`` (a captured answer of the JSON API accepted a
    client that sends both); else 405 without ``time``, and with it 40501 when it is off the clock,
    40502 when the md5 does not match. Submit's signature covers ``mobile`` and ``content`` as
    sent (in templateid mode, the ``|``-joined variables)."""
    password = params.get("password", "")
    time = params.get("time", "")
    if hmac.compare_digest(password.encode(), account.apikey.encode()):
        return OK
    if not time:
        return Code.BAD_CREDENTIALS
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


def check_message(params: Mapping[str, str], account: Account, context: Context) -> Decision:
    """The Submit checks that follow the account's: number, content, template, limits, balance."""
    mobile = params.get("mobile", "")
    content = params.get("content", "")
    if not mobile:
        return Decision(Code.MOBILE_EMPTY)
    if not content:
        return Decision(Code.CONTENT_EMPTY)
    if not MOBILE_PATTERN.fullmatch(mobile):
        return Decision(Code.MOBILE_INVALID)
    if context.facts.mobile_blacklisted:
        return Decision(Code.MOBILE_BLACKLISTED)
    if len(content) > MAX_CONTENT_LENGTH:
        return Decision(Code.CONTENT_TOO_LONG)
    templateid = params.get("templateid", "")  # empty: free text, as when it is not sent
    if templateid:
        code, text = filled(templateid, content, account, context)
    else:
        code, text = matched(content, account, context), None
    if code is not OK:
        return Decision(code)
    limited = check_limits(account, mobile, context)
    if limited is not OK:
        return Decision(limited)
    if account.balance <= 0:
        return Decision(Code.BALANCE_EXHAUSTED)
    return Decision(OK, text=text)


def matched(content: str, account: Account, context: Context) -> Code:
    """Free text: it must follow one of the templates the account may use, the built-in one
    included; 40722 when it would, but for a variable longer than allowed. A voice call carries
    no signature, so a ``【…】`` in the content is text like any other."""
    too_long = False
    for template in usable(account, context):
        found = templates.match(template.content, content)
        if found is None:
            continue
        if not found.too_long:
            return OK
        too_long = True
    return Code.VARIABLE_TOO_LONG if too_long else Code.TEMPLATE_MISMATCH


def filled(templateid: str, variables: str, account: Account, context: Context) -> tuple[Code, str | None]:
    """templateid mode: the named template, usable by the account (4071 otherwise), filled with
    one non-empty value per variable (4072 otherwise), each within the limit (40722), giving a
    text within the content's limit (4073)."""
    template = named(templateid, account, context)
    if template is None:
        return Code.NO_TEMPLATE, None
    text = templates.fill(template.content, variables)
    values = variables.split("|")
    if text is None or not all(values):
        return Code.TEMPLATE_MISMATCH, None
    if max(map(len, values)) > templates.MAX_VARIABLE_LENGTH:
        return Code.VARIABLE_TOO_LONG, None
    if len(text) > MAX_CONTENT_LENGTH:
        return Code.CONTENT_TOO_LONG, None
    return OK, text


def named(templateid: str, account: Account, context: Context) -> Template | None:
    """The template ``templateid`` names, if the account may use it now."""
    if not TEMPLATE_ID_PATTERN.fullmatch(templateid):
        return None
    wanted = int(templateid)
    return next((t for t in usable(account, context) if t.id == wanted), None)


def usable(account: Account, context: Context) -> Iterator[Template]:
    """The templates the account may send with now: the built-in one, then its own that are
    approved or whose review is due (the dispatcher approves those), oldest first."""
    yield BUILTIN
    for template in context.store.templates(account=account.apiid, product=PRODUCT):
        if template.status == "approved" or (template.status == "pending" and template.review_at is not None
                                             and template.review_at <= context.now):
            yield template


def check_limits(account: Account, mobile: str, context: Context) -> Code:
    """The account's daily limits on one number, off unless set: 4082 once it took ``per_day``
    calls today, 408 once it took ``blacklist_after``. Counted over the account's deliveries to
    that number since midnight, China time; nothing is written, so the number stays refused until
    the day ends (or a reset)."""
    limits = account.limits
    if limits.per_day is None and limits.blacklist_after is None:
        return OK
    today = datetime.fromtimestamp(context.now, CHINA).replace(hour=0, minute=0, second=0, microsecond=0)
    count = context.counters.count_deliveries(account=account.apiid, mobile=mobile, since=today.timestamp())
    if limits.per_day is not None and count >= limits.per_day:
        return Code.DAILY_LIMIT
    if limits.blacklist_after is not None and count >= limits.blacklist_after:
        return Code.ACCOUNT_AUTO_FROZEN
    return OK
