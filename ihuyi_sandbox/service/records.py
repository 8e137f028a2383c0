"""Plain data shared by the rules, the storage and the surfaces: no HTTP, no SQL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from ..wire.answers import DEFAULT_NAMESPACE, JSON_CONTENT_TYPE, XML_CONTENT_TYPE

DEMO_APIID = "V00000001"
DEMO_APIKEY = "0123456789abcdef0123456789abcdef"
DEMO_BALANCE = 1000
#: SQLite's INTEGER: the largest balance, and the largest count or seed a scenario may give
MAX_INTEGER = 2**63 - 1


@dataclass(frozen=True)
class Account:
    apiid: str
    apikey: str
    balance: int = 0
    frozen: bool = False
    #: frozen automatically for abuse (code 408), as opposed to frozen by the operator (4050)
    auto_frozen: bool = False
    #: the IPs the account registered ("备案ip"); empty means any IP may call
    registered_ips: tuple[str, ...] = ()
    #: where delivery receipts are POSTed ("" for none)
    receipt_url: str = ""
    #: the products it may use, the first its default; empty: the products its APIID's prefix names
    #: (``VM`` voice notice, ``V`` voice, ``C`` SMS, ``I`` international, ``M`` marketing), or any
    products: tuple[str, ...] = ()
    #: where handset replies (上行回复) and template reviews are POSTed ("" for none)
    reply_url: str = ""
    #: the provider's frequency limits, off unless set
    limits: "Limits" = field(default_factory=lambda: Limits())


@dataclass(frozen=True)
class Limits:
    """The provider's frequency limits on one account's messages to one number (docs/contract.md
    §9); ``None`` is no limit. Counted over the deliveries the store holds."""

    #: 4080: messages within one second
    per_second: int | None = None
    #: 4082: messages within a day
    per_day: int | None = None
    #: 4085: verification codes within a day
    codes_per_day: int | None = None
    #: 4083: the same text within a minute
    identical_per_minute: int | None = None
    #: 408: once a number got this many within a day it is blacklisted, and the answer says so
    blacklist_after: int | None = None

    def any(self) -> bool:
        return not (self.per_second is None and self.per_day is None and self.codes_per_day is None
                    and self.identical_per_minute is None and self.blacklist_after is None)


@dataclass(frozen=True)
class Settings:
    """How the provider API answers; each one is a difference docs/contract.md §7 keeps configurable."""

    #: XML namespace of the answers' root; "" for none (docs/contract.md §4)
    namespace: str = DEFAULT_NAMESPACE
    #: seconds a dynamic password's ``time`` may stray from the server's clock (§5)
    password_skew: int = 300
    #: ``num`` of a JSON GetNum answer as a string (the doc's type) or as a number
    num_as_string: bool = True
    #: seed of the draws for ``probability`` rules and latency ranges, so a run can be replayed
    random_seed: int = 0
    #: seconds from an accepted Submit to its receipt's first attempt (the call's duration)
    receipt_delay_seconds: float = 3.0
    #: the wait before retry n is n times this (60 s, then 120 s, as the real service does)
    receipt_retry_seconds: float = 60.0
    #: how long a receiver may take to answer one attempt
    receipt_timeout_seconds: float = 10.0
    #: which texts the codes carry: ``live`` (what the service answers today) or ``doc`` (its documents')
    message_set: str = "live"
    #: the id element of the voice products' Submit answers: ``voiceid`` or ``smsid`` (§4)
    voice_id_element: str = "voiceid"
    #: seconds until a template added with AddTemplate is approved (and its review pushed); a
    #: scenario's templates may say otherwise
    template_review_seconds: float = 0.0
    #: the Content-Type header of XML answers, and of JSON answers (§4: no real one was captured)
    xml_content_type: str = XML_CONTENT_TYPE
    json_content_type: str = JSON_CONTENT_TYPE
    #: texts that replace the message set's: (product, method, code, text), in any order
    messages: tuple[tuple[str, str, int, str], ...] = ()

    def messages_of(self, product: str) -> tuple[tuple[str, int, str], ...]:
        """The texts replaced for ``product``: (method, code, text)."""
        return tuple((method, code, text) for name, method, code, text in self.messages if name == product)


@dataclass(frozen=True)
class Retention:
    """How much of the journal and the inbox a long-lived sandbox keeps: the newest ``max_rows``
    requests, none older than ``max_age_seconds``."""

    max_rows: int = 100_000
    max_age_seconds: float = 7 * 86400


@dataclass(frozen=True)
class Seed:
    """The state a sandbox starts from, and returns to on reset."""

    accounts: tuple[Account, ...] = (Account(DEMO_APIID, DEMO_APIKEY, DEMO_BALANCE),)
    blacklist: frozenset[str] = frozenset()
    refused_ips: frozenset[str] = frozenset()
    #: the accounts' own templates (the products' built-in ones are always there)
    templates: tuple["Template", ...] = ()


class Facts(NamedTuple):
    """What the rules need to know of the state to answer one request."""

    account: Account | None
    ip_refused: bool = False
    mobile_blacklisted: bool = False
    #: bumped whenever the active scenario changes, so every worker notices
    scenario_version: int = 0
    #: the workspace whose account the APIID is, when it is none of this store's accounts
    workspace: str | None = None


@dataclass(frozen=True)
class Workspace:
    """A workspace: a scenario and state of its own in the same sandbox, for one test suite among
    many. Its accounts' APIIDs are the sandbox's own (unique across it); requests on them are
    answered by the workspace."""

    id: str
    created: float
    #: when it last served a request or a call of the sandbox API (its idle time counts from it)
    used: float
    #: the SHA-256 of the token that grants access to it alone ("" for none)
    token_hash: str = ""
    #: the scenario it was created with (a name or ``<inline>``)
    scenario: str = ""
    #: its place among the workspaces alive (1 up): its store issues ids from ``slot`` times
    #: :data:`WORKSPACE_IDS` on, so that no two workspaces ever hand out the same id
    slot: int = 0


#: how many ids each workspace's store has to itself, and how many workspaces there may be at
#: once: a delivery's id is 20 digits, the second and 10 digits of its journal id (ten billion)
WORKSPACE_IDS = 10**7
MAX_WORKSPACES = 999


class JournalEntry(NamedTuple):
    """One answered request. ``params`` never holds a password in clear. A named tuple, as
    every value made per request: a frozen dataclass costs more to build."""

    time: float
    client_ip: str
    method: str
    params: dict[str, str]
    #: the code answered; ``None`` when a fault left the request unanswered
    code: int | None = 0
    voiceid: str = "0"
    #: the scenario fault applied to the answer, if any
    fault: str | None = None
    #: the store's sequence number, newest highest: the cursor for paging
    id: int = 0
    #: for an accepted Submit: what became of the call (a key of a product's ``outcomes``)
    outcome: str | None = None
    #: the product that answered
    product: str = "voice"
    #: the balance units an accepted Submit takes: its parts (a long SMS), times its numbers (marketing)
    units: int = 1
    #: the text an accepted Submit delivered, when it is not its ``content`` (a template filled in)
    text: str | None = None
    #: the answer's body as it was sent, its fault carried out (``None``: not kept, or not answered)
    answer: bytes | None = None

    @property
    def account(self) -> str:
        return self.params.get("account", "")

    @property
    def mobile(self) -> str:
        return self.params.get("mobile", "")


@dataclass(frozen=True)
class Delivery:
    """A message the sandbox "sent" (a call placed, an SMS delivered): its text to a mobile (or,
    for a marketing batch, the comma-joined mobiles)."""

    voiceid: str
    account: str
    mobile: str
    content: str
    time: float
    #: the store's sequence number, newest highest: the cursor for paging
    id: int = 0
    #: what became of the call (a key of a product's ``outcomes``)
    outcome: str = "answered"
    #: ``none`` (no receipt URL), ``pending``, ``sending``, ``sent`` or ``failed``
    receipt: str = "none"
    product: str = "voice"
    #: the balance units it took
    units: int = 1
    #: the scenario fault that spoiled its answer, if any (the request was handled all the same)
    fault: str | None = None


@dataclass(frozen=True)
class ReceiptAttempt:
    time: float
    url: str
    status: int | None
    body: str
    error: str


@dataclass(frozen=True)
class Receipt:
    """A receipt to push (or pushed) for a delivery, with every attempt made."""

    id: int
    voiceid: str
    account: str
    mobile: str
    outcome: str
    url: str
    #: when the call ended: the receipt's ``report_time``
    report_at: float
    #: ``pending``, ``sending``, ``sent`` or ``failed``
    status: str
    attempts: int
    next_at: float
    history: tuple[ReceiptAttempt, ...] = ()
    product: str = "voice"
    #: ``receipt`` (what became of a delivery), ``reply`` (a handset's 上行回复) or ``template`` (a review)
    kind: str = "receipt"
    #: the fields to POST, when they were fixed as it was queued (a reply's, a review's); a
    #: receipt's are rendered from its outcome by its product
    form: dict[str, str] | None = None


@dataclass(frozen=True)
class Template:
    """A message template of one account and product: text with ``【变量】`` placeholders."""

    id: int
    account: str
    product: str
    content: str
    #: ``pending`` (cannot match yet), ``approved`` or ``rejected``
    status: str = "approved"
    created: float = 0.0
    #: when a pending template is reviewed
    review_at: float | None = None
    #: why a rejected one was
    reason: str = ""


@dataclass(frozen=True)
class Reply:
    """A handset's reply (上行回复) to an account, as ``POST /_sandbox/replies`` records it."""

    id: int
    time: float
    account: str
    mobile: str
    content: str
    #: the delivery it answers (the newest to that mobile from that account), "" if none
    smsid: str = ""


#: a key this long found inside a value is the key leaking; a shorter one may be a coincidence
_KEY_IN_VALUE = 8


def masked(params: Mapping[str, str], apikey: str = "") -> dict[str, str]:
    """``params`` with the password replaced, and any value holding the account's ``apikey``
    (a client that sends it under another name, ``Password=`` or ``password[]=``) or any name
    holding it, so that no journal ever holds a key."""
    copy = dict(params)  # a copy and one key set: cheaper per request than a comprehension
    if copy.get("password"):
        copy["password"] = "***"
    if apikey:
        long_key = len(apikey) >= _KEY_IN_VALUE
        for name, value in params.items():
            if apikey in value if long_key else value == apikey:
                copy[name] = "***"
            if long_key and apikey in name:  # sent as a parameter's name (``KEY=1``, ``x[KEY]=1``)
                copy[name.replace(apikey, "***")] = copy.pop(name)
    return copy
