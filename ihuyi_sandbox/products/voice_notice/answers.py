"""The voice-notice product's two methods and the shape of their answers (docs/contract.md §14):
``SubmitResult`` with ``code``, ``msg`` and the voice id; ``GetNumResult`` with the balance."""

from __future__ import annotations

from ...wire.answers import Answer, Api, Method
from .codes import GETNUM_CODES, GETNUM_OK_MESSAGE, MESSAGE_SETS, SUBMIT_CODES, Code


def build(message_set: str = "live", id_element: str = "voiceid") -> Api:
    """Submit and GetNum with the texts of ``message_set``, Submit's id in ``id_element``."""
    messages = MESSAGE_SETS[message_set]
    return Api((Method("Submit", "SubmitResult", id_element, frozenset(SUBMIT_CODES), messages, issues_id=True),
                Method("GetNum", "GetNumResult", "num", frozenset(GETNUM_CODES),
                       {**messages, Code.OK: GETNUM_OK_MESSAGE})))


API = build()
SUBMIT, GETNUM = API.methods
METHODS = API.names


def answer(method: str, code: int, value: str = "0") -> Answer:
    """The answer to ``method`` carrying ``code``, with the provider's message."""
    return API.method(method).answer(code, value)


parse, parse_xml, parse_json = API.parse, API.parse_xml, API.parse_json
