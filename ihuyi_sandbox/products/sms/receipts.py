"""The SMS family's delivery receipt on the wire (docs/contract.md §11.8): the form the service
POSTs to the account's receipt URL, rendered for the sandbox and parsed for the integrator.

SMS and marketing SMS name the id ``smsid``, international SMS ``ismsid``; the fields are
otherwise the same, in the same order.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ..._exceptions import ReceiptError
from .codes import DEFAULT_OUTCOME, OUTCOMES

#: the service's clock: China, UTC+8, no daylight saving
CHINA = timezone(timedelta(hours=8), "CST")
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def fields(id_name: str = "smsid") -> tuple[str, ...]:
    """The POSTed fields, in the real service's order."""
    return ("code", "msg", "mobilephone", id_name, "report_time")


def render(outcome: str, mobile: str, delivery_id: str, report_at: float, id_name: str = "smsid") -> dict[str, str]:
    """The receipt's fields for a message to ``mobile`` whose fate was known ``report_at`` (Unix seconds)."""
    try:
        code, message = OUTCOMES[outcome]
    except KeyError:
        raise ValueError(f"{outcome!r} is not an SMS outcome; they are {', '.join(OUTCOMES)}") from None
    return {"code": str(code), "msg": message, "mobilephone": mobile, id_name: delivery_id,
            "report_time": datetime.fromtimestamp(report_at, CHINA).strftime(_TIME_FORMAT)}


@dataclass(frozen=True)
class SmsReceipt:
    """What became of a message, as the service POSTs it to the account's receipt URL."""

    code: int
    message: str
    #: the number (a marketing batch's receipt names its numbers, comma-joined)
    mobile: str
    #: the id Submit answered (``smsid`` or ``ismsid``)
    delivery_id: str
    #: when its fate was known, in the service's time (China, UTC+8)
    report_time: datetime
    #: the outcome's name: ``delivered``, ``undelivered``, ``expired`` or ``rejected``
    outcome: str

    @property
    def delivered(self) -> bool:
        return self.outcome == DEFAULT_OUTCOME


_OUTCOME_BY_MESSAGE = {(code, message): name for name, (code, message) in OUTCOMES.items()}


def parse_receipt(form: bytes | Mapping[str, str], id_name: str = "smsid") -> SmsReceipt:
    """Read and check a receipt, for the integrator's own endpoint: the raw form-encoded body, or
    the fields a web framework already parsed. Answer the service ``success`` once it is stored;
    :class:`~ihuyi_sandbox.errors.ReceiptError` means it is not a receipt the service sends."""
    if isinstance(form, (bytes, bytearray)):
        try:
            given = dict(urllib.parse.parse_qsl(bytes(form).decode("utf-8"), keep_blank_values=True,
                                                strict_parsing=True))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ReceiptError(f"not a form-encoded UTF-8 body: {exc}") from None
    else:
        given = dict(form)
    expected = fields(id_name)
    if sorted(given) != sorted(expected):
        raise ReceiptError(f"a receipt has the fields {', '.join(expected)}; got {', '.join(given) or 'none'}")
    code_text = given["code"]
    if not code_text.isascii() or not code_text.isdigit():
        raise ReceiptError(f"receipt code {code_text!r} is not a number")
    outcome = _OUTCOME_BY_MESSAGE.get((int(code_text), given["msg"]))
    if outcome is None:
        raise ReceiptError(f"code {code_text} with msg {given['msg']!r} is no receipt the service sends")
    delivery_id = given[id_name]
    if not (delivery_id.isascii() and delivery_id.isdigit() and delivery_id != "0"):
        raise ReceiptError(f"{id_name} {delivery_id!r} is not a message id")
    numbers = given["mobilephone"]
    if not all(_is_number(n) for n in numbers.split(",")):
        raise ReceiptError(f"mobilephone {numbers!r} is not a number")
    try:
        reported = datetime.strptime(given["report_time"], _TIME_FORMAT).replace(tzinfo=CHINA)
    except ValueError:
        raise ReceiptError(f"report_time {given['report_time']!r} is not YYYY-MM-DD HH:MM:SS") from None
    code, message = OUTCOMES[outcome]
    return SmsReceipt(code, message, numbers, delivery_id, reported, outcome)


def _is_number(text: str) -> bool:
    """A mobile as a receipt names it: digits, an international one's ``+`` and space allowed."""
    digits = text.removeprefix("+").replace(" ", "", 1)
    return digits.isascii() and digits.isdigit()
