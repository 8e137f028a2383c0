"""The voice verification-code product, declared: what the shared machinery needs of it."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ...service.products import ACCOUNT, FORMAT, PASSWORD, TIME, Context, Decision, Parameter, Product, Route
from ...wire.answers import Api, Method
from . import receipts
from .answers import build
from .checks import CONTENT_PATTERN, MOBILE_PATTERN, decide
from .codes import DEFAULT_OUTCOME, OUTCOMES, Code

_CODE = re.compile(r"[0-9]{4,6}")


class Voice(Product):
    name = "voice"
    title = "voice verification codes (语音验证码)"
    routes = (Route("/webservice/voice.php"),)
    selector = "voice"
    hosts = ("api.voice.ihuyi.com", "api.voice.ihuyi.cn")
    prefixes = ("V",)
    priority = 0
    failed = Code.FAILED
    exhausted = Code.BALANCE_EXHAUSTED
    unknown_account = Code.BAD_CREDENTIALS
    outcomes = OUTCOMES
    default_outcome = DEFAULT_OUTCOME
    parameters = (ACCOUNT, PASSWORD,
                  Parameter("mobile", "one mainland mobile", ("Submit",), ("Submit",), MOBILE_PATTERN.pattern,
                            Code.MOBILE_EMPTY, Code.MOBILE_INVALID),
                  Parameter("content", "the code read out", ("Submit",), ("Submit",), CONTENT_PATTERN.pattern,
                            Code.CONTENT_EMPTY, Code.CONTENT_INVALID),
                  TIME, FORMAT)

    def build_api(self, message_set: str, voice_id_element: str) -> Api:
        return build(message_set, voice_id_element)

    def decide(self, method: Method, params: Mapping[str, str], context: Context) -> Decision:
        return Decision(decide(method.name, params, context.facts, client_ip=context.client_ip, now=context.now,
                               skew=context.settings.password_skew))

    def receipt_form(self, outcome: str, mobile: str, delivery_id: str, report_at: float) -> dict[str, str]:
        return receipts.render(outcome, mobile, delivery_id, report_at)

    def code_in(self, text: str) -> str | None:
        return text  # the content is the code read out, whatever a scenario let through

    def claims(self, params: Mapping[str, str]) -> bool:
        return "templateid" not in params and bool(_CODE.fullmatch(params.get("content", "")))
