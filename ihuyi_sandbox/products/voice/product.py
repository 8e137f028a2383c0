"""The voice verification-code product, declared: what the shared machinery needs of it."""

from __future__ import annotations

from collections.abc import Mapping

from ...service.products import Product
from ...service.records import Facts
from ...wire.answers import Method
from . import receipts
from .answers import API
from .checks import decide
from .codes import DEFAULT_OUTCOME, OUTCOMES, Code


class Voice(Product):
    name = "voice"
    path = "/webservice/voice.php"
    api = API
    failed = Code.FAILED
    exhausted = Code.BALANCE_EXHAUSTED
    unknown_account = Code.BAD_CREDENTIALS
    outcomes = OUTCOMES
    default_outcome = DEFAULT_OUTCOME

    def decide(self, method: Method, params: Mapping[str, str], facts: Facts, *, client_ip: str, now: float,
               skew: int) -> int:
        return decide(method.name, params, facts, client_ip=client_ip, now=now, skew=skew)

    def receipt_form(self, outcome: str, mobile: str, delivery_id: str, report_at: float) -> dict[str, str]:
        return receipts.render(outcome, mobile, delivery_id, report_at)
