"""The probes of each product, declared: one table per product of the requests that the real
service refuses without charging (and, apart, those that could be accepted and charged).

The credentials cases (401, 402, 405, 40501, 40502) and the methods and paths come from each
product's own tables (its codes, its routes); a table here says only how to get each of the
product's field checks to answer (docs/contract.md: §2 voice codes, §11 SMS, §12 international,
§13 marketing, §14 voice notice). Each free Submit case is refused by a check the product
documents, and a case for the credentials carries a body that a later check refuses as well, so
that not even a service that checked the credentials differently would place a call or charge.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

from ..products.sms.codes import Code as SmsCode
from ..products.voice.codes import Code as VoiceCode
from ..products.voice_notice.codes import Code as NoticeCode
from ..service.products import product
from ..wire.passwords import dynamic_password

#: stands for the run's mobile (``--mobile``, else :data:`DEFAULT_MOBILE`) in a table's fields
MOBILE = "{mobile}"
#: a well-formed mainland number for the free probes that need one: every one of them is refused
#: by a check on another field, so nothing is ever delivered to it
DEFAULT_MOBILE = "13800000000"
#: no mobile number of any product's form
NOT_A_MOBILE = "12345"
#: a text no approved template has: SMS and voice notice refuse it (4072), whatever else passes
UNTEMPLATED = "ihuyi-sandbox conform: a text that follows no template"
#: free text, for the products without templates
TEXT = "ihuyi-sandbox conform probe"
#: a dynamic password's time this far in the past is expired for any skew a service allows
EXPIRED_SECONDS = 3 * 86400

#: how a credentials case sends the account and the password, by the code's name in every
#: product's table
CREDENTIALS = {"ACCOUNT_EMPTY": "no_account", "PASSWORD_EMPTY": "no_password", "BAD_CREDENTIALS": "wrong_key",
               "DYNAMIC_PASSWORD_EXPIRED": "expired", "DYNAMIC_PASSWORD_MISMATCH": "mismatch"}
#: the methods probed: AddTemplate is left alone (it would add a template to the account)
METHODS = ("Submit", "GetNum")
HTTP_METHODS = ("GET", "POST")


@dataclass(frozen=True)
class ProbeSet:
    """One product's cases: each code of its field checks with the fields that get it."""

    codes: type[IntEnum]
    #: a Submit the checks after the credentials refuse: the body of the credentials cases
    refused: Mapping[str, str]
    #: the free Submit cases, by the code the product answers them
    submit: Mapping[IntEnum, Mapping[str, str]]
    #: the cases that could be accepted and charged, sent only when the user allows it
    charged: Mapping[IntEnum, Mapping[str, str]]


V, S, N = VoiceCode, SmsCode, NoticeCode
PROBE_SETS: dict[str, ProbeSet] = {
    "voice": ProbeSet(
        V, refused={"mobile": NOT_A_MOBILE, "content": "abcd"},
        submit={V.MOBILE_EMPTY: {"content": "abcd"},
                V.MOBILE_INVALID: {"mobile": NOT_A_MOBILE, "content": "abcd"},
                V.CONTENT_EMPTY: {"mobile": MOBILE},
                V.CONTENT_INVALID: {"mobile": MOBILE, "content": "abcd"}},
        charged={V.OK: {"mobile": MOBILE, "content": "1234"}}),
    "sms": ProbeSet(
        S, refused={"mobile": NOT_A_MOBILE, "content": UNTEMPLATED},
        submit={S.MOBILE_EMPTY: {"content": UNTEMPLATED},
                S.CONTENT_EMPTY: {"mobile": MOBILE},
                S.MOBILE_INVALID: {"mobile": NOT_A_MOBILE, "content": UNTEMPLATED},
                S.SIGNATURE_INVALID: {"mobile": MOBILE, "content": UNTEMPLATED, "sign": "#"}},
        charged={S.OK: {"mobile": MOBILE, "templateid": "1", "content": "1234"}}),
    "isms": ProbeSet(
        S, refused={"mobile": NOT_A_MOBILE, "content": TEXT},
        submit={S.MOBILE_EMPTY: {"content": TEXT},
                S.CONTENT_EMPTY: {"mobile": f"86 {MOBILE}"},
                S.MOBILE_INVALID: {"mobile": NOT_A_MOBILE, "content": TEXT}},
        charged={S.OK: {"mobile": f"86 {MOBILE}", "content": TEXT}}),
    "marketing": ProbeSet(
        S, refused={"mobile": NOT_A_MOBILE, "content": TEXT},
        submit={S.MOBILE_EMPTY: {"content": TEXT},
                S.CONTENT_EMPTY: {"mobile": MOBILE},
                S.MOBILE_INVALID: {"mobile": NOT_A_MOBILE, "content": TEXT}},
        # free text has no template to fail: a service that took the signature would send it
        charged={S.SIGNATURE_INVALID: {"mobile": MOBILE, "content": TEXT, "sign": "#"},
                 S.OK: {"mobile": MOBILE, "content": TEXT}}),
    "voice_notice": ProbeSet(
        N, refused={"mobile": NOT_A_MOBILE, "content": UNTEMPLATED},
        submit={N.MOBILE_EMPTY: {"content": UNTEMPLATED},
                N.CONTENT_EMPTY: {"mobile": MOBILE},
                N.MOBILE_INVALID: {"mobile": NOT_A_MOBILE, "content": UNTEMPLATED}},
        charged={N.OK: {"mobile": MOBILE, "templateid": "1361", "content": "9633|顺风快递"}}),
}


@dataclass(frozen=True)
class Probe:
    """One request, sent alike to both sides but for the account."""

    product: str
    path: str
    #: whether the path names the method (``/sms/Submit.json``), else ``method=`` does
    path_names_method: bool
    method: str
    #: the code the sandbox's contract answers it with
    code: int
    #: ``xml`` or ``json``; ``None`` on a path that answers one format whatever is asked
    format: str | None
    http: str
    fields: tuple[tuple[str, str], ...]
    credentials: str = "valid"
    charged: bool = False

    @property
    def name(self) -> str:
        where = "" if not self.path_names_method and self.path == _main_path(self.product) else f" {self.path}"
        return f"{self.method} {self.code}{where} {self.format or 'json'} {self.http}"

    def request(self, account: str, apikey: str, mobile: str, now: int) -> tuple[str, str, bytes | None]:
        """(path with query, ``?`` and all, body or ``None``) for ``account``: the form as the
        ihuyi clients send it (``method`` in the query, the rest in the body of a POST)."""
        fields = {name: value.replace(MOBILE, mobile) for name, value in self.fields}
        params: dict[str, str] = {}
        if self.credentials != "no_account":
            params["account"] = account
        if self.credentials in ("valid", "no_account", "wrong_key"):
            params["password"] = _not(apikey) if self.credentials == "wrong_key" else apikey
        elif self.credentials in ("expired", "mismatch"):
            time = str(now - EXPIRED_SECONDS if self.credentials == "expired" else now)
            key = apikey if self.credentials == "expired" else _not(apikey)
            signed = fields if self.method == "Submit" else {}
            params["password"] = dynamic_password(account, key, time, signed.get("mobile", ""),
                                                  signed.get("content", ""))
            params["time"] = time
        params.update(fields)
        if self.format == "json" and not self.path_names_method:
            params["format"] = "json"
        query = {} if self.path_names_method else {"method": self.method}
        if self.http == "GET":
            return f"{self.path}?{urllib.parse.urlencode({**query, **params})}", None
        path = f"{self.path}?{urllib.parse.urlencode(query)}" if query else self.path
        return path, urllib.parse.urlencode(params).encode("utf-8")


def _not(apikey: str) -> str:
    """A password that is surely not ``apikey``."""
    wrong = "0" * 32
    return wrong if apikey != wrong else "1" * 32


def _main_path(name: str) -> str:
    return product(name).routes[0].path


def probes(name: str, *, paths: tuple[str, ...] = (), charged: bool = False) -> list[Probe]:
    """The probes of product ``name`` on its paths (or those of ``paths``), GetNum's success
    first; with ``charged`` the cases that could be charged follow the free ones, each once."""
    table = PROBE_SETS[name]
    unit = product(name)
    api = unit.api()
    codes = table.codes
    found: list[Probe] = []
    for route in unit.routes:
        if paths and route.path not in paths:
            continue
        methods = (route.method,) if route.method else tuple(m for m in METHODS if m in api.names)
        formats: tuple[str | None, ...] = (None,) if route.format else ("xml", "json")
        for method_name in methods:
            method = api.method(method_name)
            cases: list[tuple[int, Mapping[str, str], str, bool]] = []
            if method_name == "GetNum":
                cases.append((int(codes.OK), {}, "valid", False))  # type: ignore[attr-defined]
            body = table.refused if method_name == "Submit" else {}
            cases += [(int(code), body, CREDENTIALS[codes(code).name], False) for code in sorted(method.codes)
                      if codes(code).name in CREDENTIALS]
            if method_name == "Submit":
                cases += [(int(code), fields, "valid", False) for code, fields in table.submit.items()]
                if charged:
                    cases += [(int(code), fields, "valid", True) for code, fields in table.charged.items()]
            for code, fields, credentials, could_charge in cases:
                # a case that may be charged is sent once: POST, the path's first format
                for fmt in formats[:1] if could_charge else formats:
                    for http in ("POST",) if could_charge else HTTP_METHODS:
                        found.append(Probe(name, route.path, route.method is not None, method_name, code, fmt,
                                           http, tuple(fields.items()), credentials, could_charge))
    # the success of GetNum comes first: it tells at once whether the account and key are right
    found.sort(key=lambda p: (p.charged, not (p.method == "GetNum" and p.code == 2 and p.http == "POST"
                                              and p.format in ("xml", None))))
    return found


def charged_cases(name: str) -> int:
    """How many cases of product ``name`` could be charged."""
    return len(PROBE_SETS[name].charged)
