"""The SMS family's three products, declared: what the shared machinery needs of each."""

from __future__ import annotations

from collections.abc import Mapping

from ...service.products import Context, Decision, Product, Route
from ...wire.answers import Api, Method
from . import receipts
from .answers import ID_ELEMENTS, build
from .checks import BUILT_IN_TEMPLATES, decide
from .codes import DEFAULT_OUTCOME, OUTCOMES, Code


class _SmsFamily(Product):
    """What the three share: one codes table, its checks, its receipts (a base: it declares no product)."""

    failed = Code.FAILED
    exhausted = Code.BALANCE_EXHAUSTED
    unknown_account = Code.BAD_CREDENTIALS
    outcomes = OUTCOMES
    default_outcome = DEFAULT_OUTCOME

    def build_api(self, message_set: str, voice_id_element: str) -> Api:
        return build(self.name, message_set)

    def decide(self, method: Method, params: Mapping[str, str], context: Context) -> Decision:
        return decide(self.name, method.name, params, context)

    def receipt_form(self, outcome: str, mobile: str, delivery_id: str, report_at: float) -> dict[str, str]:
        return receipts.render(outcome, mobile, delivery_id, report_at, ID_ELEMENTS[self.name])


class Sms(_SmsFamily):
    name = "sms"
    title = "SMS verification codes and notices (验证码通知短信)"
    routes = (Route("/webservice/sms.php"),
              Route("/sms/Submit.json", method="Submit", format="json"),
              Route("/sms/GetNum.json", method="GetNum", format="json", num_as_number=True))
    selector = "sms"
    hosts = ("106.ihuyi.com", "106.ihuyi.cn", "api.ihuyi.com")
    prefixes = ("C",)
    priority = 0
    builtin_templates = BUILT_IN_TEMPLATES


class InternationalSms(_SmsFamily):
    name = "isms"
    title = "international SMS (国际短信)"
    routes = (Route("/webservice/isms.php"),)
    selector = "isms"
    hosts = ("api.isms.ihuyi.com", "api.isms.ihuyi.cn")
    prefixes = ("I",)
    priority = 0


class MarketingSms(_SmsFamily):
    name = "marketing"
    title = "marketing SMS (营销短信)"
    routes = (Route("/webservice/sms.php"),)
    selector = "yx"
    hosts = ("api.yx.ihuyi.com",)
    prefixes = ("M",)
    priority = 1

    def claims(self, params: Mapping[str, str]) -> bool:
        """A batch (a comma in ``mobile``) or a scheduled time is marketing's."""
        return "," in params.get("mobile", "") or "stime" in params
