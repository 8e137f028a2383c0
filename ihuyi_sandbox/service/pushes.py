"""The pushes other than delivery receipts (docs/contract.md §16): a handset's reply (上行回复) and
a template's review (模板审核). Each is queued with its form fixed, for the account's
``reply_url``, and the dispatcher sends it as it sends receipts: the same retries, the same policy
and the same record of every attempt.

A reply is recorded by ``POST /_sandbox/replies``; a review happens when a pending template's
``review_at`` passes (the dispatcher's lease holder looks each round) or when the sandbox API
approves or rejects it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol

from .products import prefix_owner
from .records import Account, Receipt, Reply, Template
from .stores import ReceiptQueue, State

#: the service's clock: China, UTC+8, no daylight saving; every push writes its times so
CHINA = timezone(timedelta(hours=8), "CST")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
#: the review push's ``code`` per verdict: 2 成功, 0 驳回 (the SMS document's §7.5)
REVIEW_CODES = {"approved": 2, "rejected": 0}
#: the review push's ``msg`` for an approval, and for a rejection given no reason
APPROVED_MESSAGE = "审核通过"
REJECTED_MESSAGE = "审核未通过"
#: the fields of each push, in the documented order
REPLY_FIELDS = ("mobilephone", "content", "smsid", "reply_time")
REVIEW_FIELDS = ("code", "msg", "templateid")


def china_time(timestamp: float) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in Beijing time, as every push writes a time."""
    return datetime.fromtimestamp(timestamp, CHINA).strftime(TIME_FORMAT)


def account_product(account: Account) -> str:
    """The product an account's pushes are filed under when no delivery says: its default (the
    first it is configured for, else its APIID prefix's), or ``""``."""
    if account.products:
        return account.products[0]
    owner = prefix_owner(account.apiid)
    return owner.name if owner is not None else ""


def reply_push(reply: Reply, account: Account, product: str) -> Receipt | None:
    """The push of ``reply`` to the account's reply URL, due now; ``None`` without a reply URL."""
    if not account.reply_url:
        return None
    form = dict(zip(REPLY_FIELDS, (reply.mobile, reply.content, reply.smsid, china_time(reply.time))))
    return Receipt(0, reply.smsid, account.apiid, reply.mobile, "", account.reply_url, reply.time, "pending", 0,
                   reply.time, product=product, kind="reply", form=form)


def review_push(template: Template, status: str, reason: str, account: Account | None, now: float) -> Receipt | None:
    """The push of a template's review (``approved`` or ``rejected``, with its reason), due now;
    ``None`` when its account has no reply URL (or is gone)."""
    if account is None or not account.reply_url:
        return None
    message = APPROVED_MESSAGE if status == "approved" else reason or REJECTED_MESSAGE
    form = dict(zip(REVIEW_FIELDS, (str(REVIEW_CODES[status]), message, str(template.id))))
    return Receipt(0, "", account.apiid, "", "", account.reply_url, now, "pending", 0, now,
                   product=template.product, kind="template", form=form)


class Reviewing(State, ReceiptQueue, Protocol):
    """What a review needs of the store."""


def review(store: Reviewing, template: Template, status: str, reason: str, now: float) -> int | None | bool:
    """Approve or reject a pending template and queue its push, in one transaction: the push's id,
    ``None`` if there is none to send, ``False`` if the template was not pending (any more)."""
    with store.transaction():
        if not store.review_template(template.id, status, reason):
            return False
        push = review_push(template, status, reason, store.account(template.account), now)
        return store.queue_push(push) if push is not None else None


def review_due(store: Reviewing, now: float) -> list[Template]:
    """Approve every pending template whose review is due (``review_at`` passed) and queue the
    pushes; the templates approved."""
    approved = []
    for template in store.templates(status="pending"):
        if template.review_at is not None and template.review_at <= now \
                and review(store, template, "approved", "", now) is not False:
            approved.append(template)
    return approved
