"""The voice product's delivery receipt on the wire (docs/contract.md §6): the form the service
POSTs to the account's receipt URL, rendered for the sandbox and parsed for the integrator."""

from __future__ import annotations

from ...wire.receipts import CHINA, FIELDS, CallReceipts, DeliveryReceipt, report_time
from .codes import OUTCOMES

RECEIPTS = CallReceipts(OUTCOMES)
render, parse_receipt = RECEIPTS.render, RECEIPTS.parse

__all__ = ["CHINA", "FIELDS", "DeliveryReceipt", "parse_receipt", "render", "report_time"]
