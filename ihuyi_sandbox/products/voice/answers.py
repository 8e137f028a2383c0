"""The voice product's two methods and the shape of their answers (docs/contract.md §4)."""

from __future__ import annotations

from ...wire.answers import Answer, Api, Method
from .codes import GETNUM_CODES, GETNUM_OK_MESSAGE, MESSAGES, SUBMIT_CODES, Code

SUBMIT = Method("Submit", "SubmitResult", "voiceid", frozenset(SUBMIT_CODES), MESSAGES, issues_id=True)
GETNUM = Method("GetNum", "GetNumResult", "num", frozenset(GETNUM_CODES),
                {**MESSAGES, Code.OK: GETNUM_OK_MESSAGE})
API = Api((SUBMIT, GETNUM))
METHODS = API.names


def answer(method: str, code: int, value: str = "0") -> Answer:
    """The answer to ``method`` carrying ``code``, with the provider's message."""
    return API.method(method).answer(code, value)


parse, parse_xml, parse_json = API.parse, API.parse_xml, API.parse_json
