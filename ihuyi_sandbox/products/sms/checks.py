"""The SMS family's checks, in the contract's order (docs/contract.md §10–§13): functions over a
request's parameters and what the service knows (:class:`~ihuyi_sandbox.service.products.Context`).

The first failing check answers. SMS Submit:
400 → 401 → 402 → 405/40501/40502 → 4052 → 4050 → 403 → 404 → 406 → 4030 → 4070 → 4074 → 4073 →
4071 → 4072 → 40722 → 4080 → 4083 → 4085 → 4082 → 408 → 4051 → 2.
International SMS leaves out the signature and the templates (4070, 4071, 4072, 40722); marketing
SMS leaves out the templates and the frequency limits. GetNum: 400 → 401 → 402 →
405/40501/40502 → 4050 → 2 (a refused 4052 answers 400). AddTemplate: 400 → 401 → 402 → 405 →
4050 → 404 → 2. The codes no request decides (0, 407, 4053, 4075 and the limits the provider never
documented) are only ever answered by a scenario rule.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from datetime import datetime

from ...service import templates
from ...service.products import Context, Decision
from ...service.records import Account, Template
from ...wire.passwords import dynamic_password
from .codes import Code
from .receipts import CHINA

#: a passed check's code, read once (before Python 3.12 an enum's members cost a metaclass hook each)
OK = Code.OK

MOBILE = re.compile(r"1[3-9][0-9]{9}")
#: a country code (optionally after ``+`` or ``00``), one space, the national number
INTERNATIONAL_MOBILE = re.compile(r"(?:\+|00)?[0-9]{1,4} [0-9]{4,14}")
TIME = re.compile(r"[0-9]{10}")
TEMPLATE_ID = re.compile(r"[0-9]{1,10}")
#: what 4074 calls emoji: any character beyond the Basic Multilingual Plane (where the emoji are,
#: and what a three-byte UTF-8 store refuses), and the emoji variation selector and keycap mark
EMOJI = re.compile("[\U00010000-\U0010ffff\ufe0f\u20e3]")
#: characters a signature may not hold, besides the brackets that delimit it
SIGNATURE_FORBIDDEN = frozenset("-.+#【】")
SIGNATURE_LENGTH = range(2, 31)
DEFAULT_SIGNATURE = "互亿无线"

#: the longest content (without its signature), in characters; 4073 beyond
CONTENT_LIMIT = 500
#: a message of up to this many characters, signature included, is one part...
SINGLE_PART = 70
#: ...a longer one is billed one part per this many
PART = 67

#: the templates every account may use, by id: always approved, never stored
BUILT_IN_TEMPLATES = {1: "您的验证码是：【变量】。请不要把验证码泄露给其他人。"}
#: a message holding this word is a verification code, for the codes-per-day limit (4085)
CODE_WORD = "验证码"
#: the deliveries read at a time while counting a day's verification codes
_PAGE = 100


def decide(product: str, method: str, params: Mapping[str, str], context: Context) -> Decision:
    """The decision of ``product`` (``sms``, ``isms`` or ``marketing``) on ``method`` with ``params``."""
    code = check_account(method, params, context)
    if code is not OK:
        return Decision(code)
    if method == "GetNum":
        return Decision(OK)
    if method == "AddTemplate":
        return add_template(params, context)
    return _SUBMITS[product](params, context)


# -- the account ---------------------------------------------------------------------------------
def check_account(method: str, params: Mapping[str, str], context: Context) -> Code:
    """400 → 401 → 402 → 405/40501/40502 → 4052 (400 but for Submit) → 4050."""
    facts = context.facts
    if facts.ip_refused:
        return Code.IP_REFUSED
    if not params.get("account"):
        return Code.ACCOUNT_EMPTY
    if not params.get("password"):
        return Code.PASSWORD_EMPTY
    account = facts.account
    if account is None:
        return Code.BAD_CREDENTIALS
    if method == "AddTemplate":
        code = check_template_password(params, account)
    else:
        code = check_password(method, params, account, now=context.now, skew=context.settings.password_skew)
    if code is not OK:
        return code
    if account.registered_ips and context.client_ip not in account.registered_ips:
        return Code.IP_NOT_REGISTERED if method == "Submit" else Code.IP_REFUSED
    # SMS's 408 is about a number sent too much; an account frozen for abuse is simply frozen
    if account.frozen or account.auto_frozen:
        return Code.ACCOUNT_FROZEN
    return OK


def check_password(method: str, params: Mapping[str, str], account: Account, *, now: float, skew: int) -> Code:
    """405 for a wrong APIKEY; with ``time``, 40501 when it is off the clock, 40502 when the md5
    does not match. A marketing batch signs its whole comma-joined ``mobile``."""
    password = params.get("password", "")
    time = params.get("time", "")
    if not time:
        return OK if _same(password, account.apikey) else Code.BAD_CREDENTIALS
    if not TIME.fullmatch(time) or abs(now - int(time)) > skew:
        return Code.DYNAMIC_PASSWORD_EXPIRED
    if method == "Submit":
        expected = dynamic_password(account.apiid, account.apikey, time, params.get("mobile", ""),
                                    params.get("content", ""))
    else:
        expected = dynamic_password(account.apiid, account.apikey, time)
    return OK if _same(password, expected) else Code.DYNAMIC_PASSWORD_MISMATCH


def check_template_password(params: Mapping[str, str], account: Account) -> Code:
    """AddTemplate takes the APIKEY or its lower-case md5, and no dynamic password."""
    password = params.get("password", "")
    hashed = hashlib.md5(account.apikey.encode("utf-8")).hexdigest()
    return OK if _same(password, account.apikey) or _same(password, hashed) else Code.BAD_CREDENTIALS


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))


# -- Submit --------------------------------------------------------------------------------------
def submit_sms(params: Mapping[str, str], context: Context) -> Decision:
    """SMS: one mainland number; the content follows a template and carries a signature."""
    account = _account(context)
    mobile, content = params.get("mobile", ""), params.get("content", "")
    if not mobile:
        return Decision(Code.MOBILE_EMPTY)
    if not content:
        return Decision(Code.CONTENT_EMPTY)
    if not MOBILE.fullmatch(mobile):
        return Decision(Code.MOBILE_INVALID)
    if context.facts.mobile_blacklisted:
        return Decision(Code.MOBILE_BLACKLISTED)
    templated, sign = bool(params.get("templateid")), params.get("sign", "")
    body, signature = signed(content, sign, split=not templated)
    if signature is None:
        return Decision(Code.SIGNATURE_INVALID)
    if EMOJI.search(content) or EMOJI.search(sign):  # the signature is one of the two, or the default
        return Decision(Code.CONTENT_EMOJI)
    if len(body) > CONTENT_LIMIT:
        return Decision(Code.CONTENT_TOO_LONG)
    code, body = follow_template(body, params.get("templateid", ""), account, context)
    if code is not OK:
        return Decision(code)
    text = f"{body}【{signature}】"
    code = check_limits(account, mobile, text, context)
    if code is not OK:
        return Decision(code)
    return _billed(account, parts(text), text)


def submit_international(params: Mapping[str, str], context: Context) -> Decision:
    """International SMS: one ``"<country code> <number>"``; free text, sent as it is."""
    account = _account(context)
    mobile, content = params.get("mobile", ""), params.get("content", "")
    if not mobile:
        return Decision(Code.MOBILE_EMPTY)
    if not content:
        return Decision(Code.CONTENT_EMPTY)
    if not INTERNATIONAL_MOBILE.fullmatch(mobile):
        return Decision(Code.MOBILE_INVALID)
    if context.facts.mobile_blacklisted:
        return Decision(Code.MOBILE_BLACKLISTED)
    if EMOJI.search(content):
        return Decision(Code.CONTENT_EMOJI)
    if len(content) > CONTENT_LIMIT:
        return Decision(Code.CONTENT_TOO_LONG)
    code = check_limits(account, mobile, content, context)
    if code is not OK:
        return Decision(code)
    return _billed(account, parts(content), None)


def submit_marketing(params: Mapping[str, str], context: Context) -> Decision:
    """Marketing SMS: a batch of comma-separated mainland numbers (any invalid one, or any
    blacklisted one, refuses the batch); free text with a signature; one id for the batch,
    billed its numbers times its parts. ``stime`` is read by no check: a batch is sent at once."""
    account = _account(context)
    mobile, content = params.get("mobile", ""), params.get("content", "")
    if not mobile:
        return Decision(Code.MOBILE_EMPTY)
    if not content:
        return Decision(Code.CONTENT_EMPTY)
    numbers = mobile.split(",")
    if not all(MOBILE.fullmatch(n) for n in numbers):
        return Decision(Code.MOBILE_INVALID)
    if context.facts.mobile_blacklisted or (len(numbers) > 1 and
                                            not set(context.store.listed("blacklist")).isdisjoint(numbers)):
        return Decision(Code.MOBILE_BLACKLISTED)
    sign = params.get("sign", "")
    body, signature = signed(content, sign)
    if signature is None:
        return Decision(Code.SIGNATURE_INVALID)
    if EMOJI.search(content) or EMOJI.search(sign):  # the signature is one of the two, or the default
        return Decision(Code.CONTENT_EMOJI)
    if len(body) > CONTENT_LIMIT:
        return Decision(Code.CONTENT_TOO_LONG)
    text = f"{body}【{signature}】"
    return _billed(account, len(numbers) * parts(text), text)


def _account(context: Context) -> Account:
    account = context.facts.account
    assert account is not None  # check_account answered 405 otherwise
    return account


def _billed(account: Account, units: int, text: str | None) -> Decision:
    if account.balance < units:
        return Decision(Code.BALANCE_EXHAUSTED)
    return Decision(OK, units, text)


def parts(text: str) -> int:
    """The parts a message is billed: one up to 70 characters, else one per 67."""
    return 1 if len(text) <= SINGLE_PART else -(-len(text) // PART)


#: each product's Submit checks
_SUBMITS = {"sms": submit_sms, "isms": submit_international, "marketing": submit_marketing}


# -- signatures ----------------------------------------------------------------------------------
def signed(content: str, sign: str, *, split: bool = True) -> tuple[str, str | None]:
    """(the content without its signature, the signature to deliver, ``None`` if malformed).

    The ``sign`` parameter, when not empty, is the signature (with or without its 【】); else a
    ``【…】`` leading or trailing the content (``split``); else the default, 【互亿无线】."""
    body, own = templates.split_signature(content) if split else (content, None)
    if sign:
        own = sign[1:-1] if len(sign) >= 2 and sign[0] == "【" and sign[-1] == "】" else sign
    if own is None:
        return body, DEFAULT_SIGNATURE
    if len(own) not in SIGNATURE_LENGTH or not SIGNATURE_FORBIDDEN.isdisjoint(own):
        return body, None
    return body, own


# -- templates -----------------------------------------------------------------------------------
def own_templates(account: str, context: Context) -> dict[int, str]:
    """The account's own templates it may send with, by id: approved, or whose review is due (the
    dispatcher marks those approved soon after). The built-in ones are always usable besides."""
    return {t.id: t.content for t in context.store.templates(account=account, product="sms") if _usable(t, context.now)}


def _usable(template: Template, now: float) -> bool:
    return template.status == "approved" or (template.status == "pending" and template.review_at is not None
                                             and template.review_at <= now)


def follow_template(body: str, templateid: str, account: Account, context: Context) -> tuple[Code, str]:
    """(the code, the text delivered before its signature): ``templateid`` mode fills the named
    template with ``body``'s ``|``-separated variables; content mode matches ``body`` against
    every usable template. The built-in templates are tried first: most requests use them, and
    then the account's own need not be read."""
    if templateid:
        template_id = int(templateid) if TEMPLATE_ID.fullmatch(templateid) else None
        template = BUILT_IN_TEMPLATES.get(template_id) if template_id is not None else None
        if template is None and template_id is not None:
            template = own_templates(account.apiid, context).get(template_id)
        if template is None:
            return Code.NO_TEMPLATE, ""
        variables = body.split("|")
        filled = templates.fill(template, body)
        if filled is None or not all(variables):
            return Code.TEMPLATE_MISMATCH, ""
        if max(map(len, variables)) > templates.MAX_VARIABLE_LENGTH:
            return Code.VARIABLE_TOO_LONG, ""
        if len(filled) > CONTENT_LIMIT:
            return Code.CONTENT_TOO_LONG, ""
        return OK, filled
    matched, too_long = _match_any(BUILT_IN_TEMPLATES.values(), body)
    if not matched:
        matched, too_long_own = _match_any(own_templates(account.apiid, context).values(), body)
        too_long = too_long or too_long_own
    if matched:
        return OK, body
    return (Code.VARIABLE_TOO_LONG if too_long else Code.TEMPLATE_MISMATCH), ""


def _match_any(candidates: Iterable[str], body: str) -> tuple[bool, bool]:
    """(whether ``body`` follows one of the templates, whether it would but for a variable too long)."""
    too_long = False
    for template in candidates:
        found = templates.match(template, body)
        if found is not None:
            if not found.too_long:
                return True, False
            too_long = True
    return False, too_long


# -- frequency limits ----------------------------------------------------------------------------
def check_limits(account: Account, mobile: str, text: str, context: Context) -> Code:
    """The account's limits on its messages to ``mobile`` (off unless set), counted over the
    deliveries the store holds: 4080 → 4083 → 4085 → 4082 → 408. A day starts at midnight, China
    time, as the family's other daily limits do; nothing is written, so a number refused for the
    day stays refused until it ends."""
    limits = account.limits
    if not limits.any():
        return OK
    count, now, apiid = context.counters.count_deliveries, context.now, account.apiid
    if limits.per_second is not None and count(account=apiid, mobile=mobile, since=now - 1) >= limits.per_second:
        return Code.PER_SECOND
    if limits.identical_per_minute is not None and \
            count(account=apiid, mobile=mobile, since=now - 60, content=text) >= limits.identical_per_minute:
        return Code.IDENTICAL_PER_MINUTE
    midnight = datetime.fromtimestamp(now, CHINA).replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    if limits.codes_per_day is not None and CODE_WORD in text and \
            codes_since(apiid, mobile, midnight, context, enough=limits.codes_per_day) >= limits.codes_per_day:
        return Code.CODES_PER_DAY
    if limits.per_day is None and limits.blacklist_after is None:
        return OK
    today = count(account=apiid, mobile=mobile, since=midnight)
    if limits.per_day is not None and today >= limits.per_day:
        return Code.PER_DAY
    if limits.blacklist_after is not None and today >= limits.blacklist_after:
        return Code.MOBILE_OVER_LIMIT
    return OK


def codes_since(account: str, mobile: str, since: float, context: Context, *, enough: int) -> int:
    """How many verification codes ``account`` delivered to ``mobile`` since then, counted up to
    ``enough``: a page of deliveries at a time, newest first."""
    found, before = 0, None
    while True:
        page = context.store.deliveries(account=account, mobile=mobile, since=since, before=before, limit=_PAGE)
        found += sum(CODE_WORD in d.content for d in page)
        if found >= enough or len(page) < _PAGE:
            return found
        before = page[-1].id


# -- AddTemplate ---------------------------------------------------------------------------------
def add_template(params: Mapping[str, str], context: Context) -> Decision:
    """Store the template, pending until its review is due; its id is the answer's."""
    content = params.get("content", "")
    if not content:
        return Decision(Code.CONTENT_EMPTY)
    account = _account(context)
    now = context.now
    template_id = context.store.add_template(Template(0, account.apiid, "sms", content, "pending", created=now,
                                                      review_at=now + context.settings.template_review_seconds))
    return Decision(OK, value=str(template_id))
