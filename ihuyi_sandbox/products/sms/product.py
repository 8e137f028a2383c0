"""The SMS family's three products, declared: what the shared machinery needs of each."""

from __future__ import annotations

from collections.abc import Mapping

from ...service.products import ACCOUNT, FORMAT, PASSWORD, TIME, Context, Decision, Parameter, Product, Route
from ...wire.answers import Api, Method
from . import receipts
from .answers import ID_ELEMENTS, build
from .checks import (BUILT_IN_TEMPLATES, CONTENT_LIMIT, DEFAULT_SIGNATURE, INTERNATIONAL_MOBILE, MOBILE,
                     TEMPLATE_ID, decide)
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


def _content(description: str, methods: tuple[str, ...] = ("Submit",)) -> Parameter:
    return Parameter("content", f"{description} (at most {CONTENT_LIMIT} characters, no emoji)", methods, methods,
                     None, Code.CONTENT_EMPTY)


_SIGN = Parameter("sign", f"the signature, when the content carries none in 【】 (default {DEFAULT_SIGNATURE})",
                  ("Submit",))
_MAINLAND = Parameter("mobile", "one mainland mobile", ("Submit",), ("Submit",), MOBILE.pattern, Code.MOBILE_EMPTY,
                      Code.MOBILE_INVALID)


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
    parameters = (ACCOUNT, PASSWORD, _MAINLAND,
                  _content("Submit: the text, following an approved template, with its signature in 【】; with "
                           "templateid, the template's variables joined by |. AddTemplate: the template, with "
                           "【变量】 placeholders", ("Submit", "AddTemplate")),
                  Parameter("templateid", "a template's id (built in: 1)", ("Submit",), (), TEMPLATE_ID.pattern,
                            None, Code.NO_TEMPLATE),
                  _SIGN, TIME, FORMAT)


class InternationalSms(_SmsFamily):
    name = "isms"
    title = "international SMS (国际短信)"
    routes = (Route("/webservice/isms.php"),)
    selector = "isms"
    hosts = ("api.isms.ihuyi.com", "api.isms.ihuyi.cn")
    prefixes = ("I",)
    priority = 0
    parameters = (ACCOUNT, PASSWORD,
                  Parameter("mobile", "the country code (after an optional + or 00), one space, the number",
                            ("Submit",), ("Submit",), INTERNATIONAL_MOBILE.pattern, Code.MOBILE_EMPTY,
                            Code.MOBILE_INVALID),
                  _content("the text, sent as it is"), TIME, FORMAT)


class MarketingSms(_SmsFamily):
    name = "marketing"
    title = "marketing SMS (营销短信)"
    routes = (Route("/webservice/sms.php"),)
    selector = "yx"
    hosts = ("api.yx.ihuyi.com",)
    prefixes = ("M",)
    priority = 1
    parameters = (ACCOUNT, PASSWORD,
                  Parameter("mobile", "mainland mobiles, comma-separated: one invalid number refuses the batch",
                            ("Submit",), ("Submit",), f"(?:{MOBILE.pattern})(?:,(?:{MOBILE.pattern}))*",
                            Code.MOBILE_EMPTY, Code.MOBILE_INVALID),
                  _content("the text, with its signature in 【】"), _SIGN,
                  Parameter("stime", "when to send, YYYY-MM-DD HH:MM:SS; empty for now (the sandbox sends at once)",
                            ("Submit",)),
                  TIME, FORMAT)

    def claims(self, params: Mapping[str, str]) -> bool:
        """A batch (a comma in ``mobile``) or a scheduled time is marketing's."""
        return "," in params.get("mobile", "") or "stime" in params
