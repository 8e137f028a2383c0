"""The SMS family's methods and the shape of their answers (docs/contract.md §11–§13, §15).

SMS answers Submit (``smsid``), GetNum and AddTemplate (``templateid``, a number in JSON);
international SMS Submit (``ismsid``) and GetNum; marketing SMS Submit (``smsid``) and GetNum.
"""

from __future__ import annotations

from ...wire.answers import Api, Method
from .codes import METHOD_CODES, messages

#: each product's Submit id element
ID_ELEMENTS = {"sms": "smsid", "isms": "ismsid", "marketing": "smsid"}


def _method(name: str, root: str, id_name: str, message_set: str, **shape: bool) -> Method:
    return Method(name, root, id_name, frozenset(METHOD_CODES[name]), messages(name, message_set), **shape)


def build(product: str, message_set: str = "live") -> Api:
    """The methods of ``product`` (``sms``, ``isms`` or ``marketing``) with the texts of ``message_set``."""
    methods = [_method("Submit", "SubmitResult", ID_ELEMENTS[product], message_set, issues_id=True),
               _method("GetNum", "GetNumResult", "num", message_set)]
    if product == "sms":
        methods.append(_method("AddTemplate", "AddTemplateResult", "templateid", message_set, value_as_number=True))
    return Api(tuple(methods))


SMS_API = build("sms")
ISMS_API = build("isms")
MARKETING_API = build("marketing")
