"""The voice-notice product's delivery receipt on the wire (docs/contract.md §14): the form the
service POSTs to the account's receipt URL, rendered for the sandbox and parsed for the integrator.

The voice-notice document lists a receipt push but its fields were not found: the sandbox sends
the SMS receipt's fields with ``voiceid`` for ``smsid``, as it does for voice codes.
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
#: the POSTed fields, in the order the service sends them
FIELDS = ("code", "msg", "mobilephone", "voiceid", "report_time")
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def render(outcome: str, mobile: str, voiceid: str, report_at: float) -> dict[str, str]:
    """The receipt's fields for a call to ``mobile`` that ended ``report_at`` (Unix seconds)."""
    code, message = OUTCOMES[outcome]
    return {"code": str(code), "msg": message, "mobilephone": mobile, "voiceid": voiceid,
            "report_time": report_time(report_at)}


def report_time(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, CHINA).strftime(_TIME_FORMAT)


@dataclass(frozen=True)
class DeliveryReceipt:
    """What became of a notice call, as the service POSTs it to the account's receipt URL."""

    code: int
    message: str
    #: the number called: a mobile, or a fixed line with its area code
    mobile: str
    voiceid: str
    #: when the call ended, in the service's time (China, UTC+8)
    report_time: datetime
    #: the outcome's name, a key of ``codes.OUTCOMES``
    outcome: str

    @property
    def answered(self) -> bool:
        return self.outcome == DEFAULT_OUTCOME


_OUTCOME_BY_CODE = {code: (name, message) for name, (code, message) in OUTCOMES.items()}


def parse_receipt(form: bytes | Mapping[str, str]) -> DeliveryReceipt:
    """Read and check a receipt: the raw form-encoded body, or the fields a web framework already
    parsed. :class:`~ihuyi_sandbox.errors.ReceiptError` means it is not a receipt the service sends."""
    if isinstance(form, (bytes, bytearray)):
        try:
            fields = dict(urllib.parse.parse_qsl(bytes(form).decode("utf-8"), keep_blank_values=True,
                                                 strict_parsing=True))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ReceiptError(f"not a form-encoded UTF-8 body: {exc}") from None
    else:
        fields = dict(form)
    if sorted(fields) != sorted(FIELDS):
        raise ReceiptError(f"a receipt has the fields {', '.join(FIELDS)}; got {', '.join(fields) or 'none'}")
    code_text = fields["code"]
    if not code_text.isascii() or not code_text.isdigit() or int(code_text) not in _OUTCOME_BY_CODE:
        raise ReceiptError(f"unknown receipt code {code_text!r}")
    outcome, message = _OUTCOME_BY_CODE[int(code_text)]
    if fields["msg"] != message:
        raise ReceiptError(f"msg {fields['msg']!r} is not the one for code {code_text} ({message!r})")
    if not (fields["voiceid"].isascii() and fields["voiceid"].isdigit() and fields["voiceid"] != "0"):
        raise ReceiptError(f"voiceid {fields['voiceid']!r} is not a voice id")
    if not (fields["mobilephone"].isascii() and fields["mobilephone"].isdigit()):
        raise ReceiptError(f"mobilephone {fields['mobilephone']!r} is not a number")
    try:
        reported = datetime.strptime(fields["report_time"], _TIME_FORMAT).replace(tzinfo=CHINA)
    except ValueError:
        raise ReceiptError(f"report_time {fields['report_time']!r} is not YYYY-MM-DD HH:MM:SS") from None
    return DeliveryReceipt(int(code_text), message, fields["mobilephone"], fields["voiceid"], reported, outcome)
