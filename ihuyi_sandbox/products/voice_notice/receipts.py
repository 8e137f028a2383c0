"""The voice-notice product's delivery receipt (docs/contract.md §14). Its fields were not found in
the provider's material: the sandbox sends voice codes' receipt, with the same outcomes."""

from __future__ import annotations

from ...wire.receipts import CHINA, FIELDS, CallReceipts, DeliveryReceipt, report_time
from .codes import OUTCOMES

RECEIPTS = CallReceipts(OUTCOMES)
render, parse_receipt = RECEIPTS.render, RECEIPTS.parse

__all__ = ["CHINA", "FIELDS", "DeliveryReceipt", "parse_receipt", "render", "report_time"]
