"""A call's delivery receipt on the wire (docs/contract.md §6), for any product that places
calls: the form the service POSTs to the account's receipt URL, rendered for the sandbox and
parsed for the integrator. A product declares its outcomes table; this module does the rest."""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from .._exceptions import ReceiptError

#: the service's clock: China, UTC+8, no daylight saving
CHINA = timezone(timedelta(hours=8), "CST")
#: the POSTed fields, in the real service's order
FIELDS = ("code", "msg", "mobilephone", "voiceid", "report_time")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
#: the outcome of a call that was answered
ANSWERED = "answered"


def report_time(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, CHINA).strftime(TIME_FORMAT)


@dataclass(frozen=True)
class DeliveryReceipt:
    """What became of a call, as the service POSTs it to the account's receipt URL."""

    code: int
    message: str
    #: the number called
    mobile: str
    voiceid: str
    #: when the call ended, in the service's time (China, UTC+8)
    report_time: datetime
    #: the outcome's name, a key of its product's outcomes table
    outcome: str

    @property
    def answered(self) -> bool:
        return self.outcome == ANSWERED


@dataclass(frozen=True)
class CallReceipts:
    """The receipts of a product whose outcomes are ``outcomes`` (name: (code, message))."""

    outcomes: Mapping[str, tuple[int, str]]

    def render(self, outcome: str, mobile: str, voiceid: str, report_at: float) -> dict[str, str]:
        """The receipt's fields for a call to ``mobile`` that ended ``report_at`` (Unix seconds)."""
        code, message = self.outcomes[outcome]
        return {"code": str(code), "msg": message, "mobilephone": mobile, "voiceid": voiceid,
                "report_time": report_time(report_at)}

    def parse(self, form: bytes | Mapping[str, str]) -> DeliveryReceipt:
        """Read and check a receipt, for the integrator's own endpoint: the raw form-encoded body, or
        the fields a web framework already parsed. Answer the service ``success`` once it is stored;
        :class:`~ihuyi_sandbox.errors.ReceiptError` means it is not a receipt the service sends."""
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
        by_code = {code: (name, message) for name, (code, message) in self.outcomes.items()}
        code_text = fields["code"]
        if not code_text.isascii() or not code_text.isdigit() or int(code_text) not in by_code:
            raise ReceiptError(f"unknown receipt code {code_text!r}")
        outcome, message = by_code[int(code_text)]
        if fields["msg"] != message:
            raise ReceiptError(f"msg {fields['msg']!r} is not the one for code {code_text} ({message!r})")
        if not (fields["voiceid"].isascii() and fields["voiceid"].isdigit() and fields["voiceid"] != "0"):
            raise ReceiptError(f"voiceid {fields['voiceid']!r} is not a voice id")
        if not (fields["mobilephone"].isascii() and fields["mobilephone"].isdigit()):
            raise ReceiptError(f"mobilephone {fields['mobilephone']!r} is not a number")
        try:
            reported = datetime.strptime(fields["report_time"], TIME_FORMAT).replace(tzinfo=CHINA)
        except ValueError:
            raise ReceiptError(f"report_time {fields['report_time']!r} is not YYYY-MM-DD HH:MM:SS") from None
        return DeliveryReceipt(int(code_text), message, fields["mobilephone"], fields["voiceid"], reported, outcome)
