"""The voice-notice product, declared: what the shared machinery needs of it."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ...service.products import ACCOUNT, FORMAT, PASSWORD, TIME, Context, Decision, Parameter, Product, Route
from ...wire.answers import Api, Method
from . import receipts
from .answers import build
from .checks import (BUILTIN_TEMPLATE, BUILTIN_TEMPLATE_ID, MAX_CONTENT_LENGTH, MOBILE_PATTERN, PRODUCT,
                     TEMPLATE_ID_PATTERN, decide)
from .codes import DEFAULT_OUTCOME, OUTCOMES, Code

#: what the voice-code product claims on the path both answer: a code of 4 to 6 digits
_CODE = re.compile(r"[0-9]{4,6}")


class VoiceNotice(Product):
    name = PRODUCT  # the name its templates are stored under, which the checks read
    title = "voice notice (语音通知)"
    # voice.php is voice codes' by default; the JSON API's path is this product's alone
    routes = (Route("/webservice/voice.php"), Route("/vm/Submit.json", method="Submit", format="json"))
    selector = "vm"
    hosts = ("api.vm.ihuyi.com", "api.vm.ihuyi.cn")
    prefixes = ("VM",)
    priority = 1
    failed = Code.FAILED
    exhausted = Code.BALANCE_EXHAUSTED
    unknown_account = Code.BAD_CREDENTIALS
    outcomes = OUTCOMES
    default_outcome = DEFAULT_OUTCOME
    builtin_templates = {BUILTIN_TEMPLATE_ID: BUILTIN_TEMPLATE}
    parameters = (ACCOUNT, PASSWORD,
                  Parameter("mobile", "a mainland mobile or a fixed line (0, the area code, the number)", ("Submit",),
                            ("Submit",), MOBILE_PATTERN.pattern, Code.MOBILE_EMPTY, Code.MOBILE_INVALID),
                  Parameter("content", f"the text read out, following an approved template (at most "
                            f"{MAX_CONTENT_LENGTH} characters); with templateid, the template's variables joined "
                            "by |", ("Submit",), ("Submit",), None, Code.CONTENT_EMPTY),
                  Parameter("templateid", f"a template's id (built in: {BUILTIN_TEMPLATE_ID}); empty for free text",
                            ("Submit",), (), TEMPLATE_ID_PATTERN.pattern, None, Code.NO_TEMPLATE),
                  TIME, FORMAT)

    def build_api(self, message_set: str, voice_id_element: str) -> Api:
        return build(message_set, voice_id_element)

    def decide(self, method: Method, params: Mapping[str, str], context: Context) -> Decision:
        return decide(method.name, params, context)

    def receipt_form(self, outcome: str, mobile: str, delivery_id: str, report_at: float) -> dict[str, str]:
        return receipts.render(outcome, mobile, delivery_id, report_at)

    def claims(self, params: Mapping[str, str]) -> bool:
        """A template (``templateid``), or content that is not a 4-to-6-digit code: exactly what
        the voice-code product does not claim."""
        return "templateid" in params or not _CODE.fullmatch(params.get("content", ""))
