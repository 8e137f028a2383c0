"""Checking a scenario's TOML (read with :mod:`tomllib`) whole before anything of it is used:
every error is reported as ``file:line: reason`` and a scenario with an error is never
half-loaded. The format is described in ``scenarios/README.md``.
"""

from __future__ import annotations

import bisect
import re
import tomllib
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import re2

from ..._exceptions import ScenarioError
from ..faults import FAULTS
from ..products import all_codes, method_names, outcome_names, product, product_names
from ..records import MAX_INTEGER, Account, Limits, Seed, Settings, Template
from .rules import (INITIAL_STATE, MAX_HANG_SECONDS, MAX_LATENCY_MS, MAX_NESTING, MAX_PATTERN_LENGTH,
                    MAX_WINDOW_SECONDS, Limit, Rule, Scenario)

_RE2 = re2.Options()
_RE2.log_errors = False  # a refused pattern is reported as file:line, not on the server's stderr
# RE2's default budget: smaller ones shrink its DFA cache, and it falls back to its slower
# (still linear) NFA sooner
_RE2.max_mem = 8 << 20

TOP_KEYS = {"name", "description", "blacklist", "refused_ips", "settings", "accounts", "templates", "rules"}
SETTING_KEYS = {"namespace", "password_skew", "num_as_string", "random_seed", "receipt_delay_seconds",
                "receipt_retry_seconds", "receipt_timeout_seconds", "message_set", "voice_id_element",
                "template_review_seconds", "xml_content_type", "json_content_type", "messages"}
ACCOUNT_KEYS = {"apiid", "apikey", "balance", "frozen", "auto_frozen", "registered_ips", "receipt_url", "products",
                "reply_url", "limits"}
LIMITS_KEYS = {"per_second", "per_day", "codes_per_day", "identical_per_minute", "blacklist_after"}
TEMPLATE_KEYS = {"id", "account", "product", "content", "status", "reason"}
TEMPLATE_STATUSES = ("approved", "pending", "rejected")
MESSAGE_SETS = ("live", "doc")
VOICE_ID_ELEMENTS = ("voiceid", "smsid")
#: a media type and its parameters, as a Content-Type header carries them (printable ASCII)
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(?:\s*;[ -~]*)?")
MAX_HEADER_LENGTH = 200
#: a replaced message text may be this long: the provider's longest is under 40 characters
MAX_MESSAGE_LENGTH = 200
RULE_KEYS = {"name", "product", "method", "account", "mobile", "mobile_prefix", "mobile_regex", "content",
             "content_regex", "format", "client_ip", "state", "nth", "every", "from_call", "until_call",
             "after_successes", "times", "probability", "limit", "code", "code_from_mobile", "latency_ms",
             "fault", "hang_seconds", "freeze", "set_state", "outcome", "outcome_from_mobile"}
LIMIT_KEYS = {"count", "window_seconds", "per"}


def parse(text: str, source: str = "<inline>") -> Scenario:
    """Read and check a scenario; raise :class:`ScenarioError` listing every problem."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise ScenarioError([f"{source}:{found.group(1) if found else 1}: invalid TOML: {exc}"]) from None
    except RecursionError:
        raise ScenarioError([f"{source}:{_deep_line(text)}: {TOO_DEEP}"]) from None
    except ValueError as exc:  # an integer of more digits than Python converts
        raise ScenarioError([f"{source}:1: invalid TOML: {exc}"]) from None
    checker = _Checker(text, source)
    deep = too_deep(doc)
    if deep is not None:
        checker.fail(deep, TOO_DEEP)
        raise ScenarioError(checker.problems)
    scenario = checker.scenario(doc)
    if checker.problems:
        raise ScenarioError(checker.problems)
    return scenario


TOO_DEEP = f"tables and arrays nested more than {MAX_NESTING} deep"


def too_deep(value: Any) -> tuple[Any, ...] | None:
    """The path to the first value nested deeper than :data:`MAX_NESTING`, or ``None``; iterative,
    so that no depth makes it raise."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        children = item.items() if isinstance(item, dict) else enumerate(item) if isinstance(item, list) else ()
        for key, child in children:
            if isinstance(child, (dict, list)):
                if len(path) >= MAX_NESTING:
                    return (*path, key)
                stack.append((child, (*path, key)))
    return None


def _deep_line(text: str) -> int:
    """The line where brackets first open more than :data:`MAX_NESTING` deep (strings and
    comments aside, roughly): where a document too deep for the parser goes wrong."""
    depth, quote = 0, ""
    for number, line in enumerate(text.splitlines(), 1):
        for char in line:
            if quote:
                quote = "" if char == quote else quote
            elif char in "\"'":
                quote = char
            elif char == "#":
                break
            elif char in "[{":
                depth += 1
                if depth > MAX_NESTING:
                    return number
            elif char in "]}":
                depth -= 1
    return 1


_HEADER = re.compile(r"\s*\[\[\s*(rules|accounts|templates)\s*\]\]|\s*\[\s*(settings)\s*\]")
_KEY = re.compile(r"\s*(.*?)\s*=")


class _Checker:
    """Turns a parsed TOML document into a :class:`Scenario`, collecting every problem."""

    def __init__(self, text: str, source: str) -> None:
        self.lines = text.splitlines()
        self.text = text
        self.source = source
        self.problems: list[str] = []

    # reporting --------------------------------------------------------------------------------
    def fail(self, path: tuple[Any, ...], reason: str) -> None:
        self.problems.append(f"{self.source}:{self.line_of(path)}: {reason}")

    def line_of(self, path: tuple[Any, ...]) -> int:
        """The line of ``path`` (``("rules", 2, "code")``) in the text, as near as can be told."""
        tables, headers, keyed = self._index
        start, end = 0, len(self.lines)
        keys = list(path)
        if keys and keys[0] in ("rules", "accounts", "templates") and len(keys) > 1 and isinstance(keys[1], int):
            if keys[1] < len(headers[keys[0]]):
                start = headers[keys[0]][keys[1]]
                after = bisect.bisect_right(tables, start)
                end = tables[after] if after < len(tables) else len(self.lines)
                if len(keys) == 2:
                    return start + 1
            keys = keys[2:]
        elif keys[:2] == ["settings", "messages"] and len(keys) > 2:
            return self._nested_line(keys)
        elif keys and keys[0] == "settings":
            if headers["settings"]:
                start = headers["settings"][0]
                if len(keys) == 1:
                    return start + 1
            keys = keys[1:]
        elif keys:
            end = tables[0] if tables else len(self.lines)
        if keys and isinstance(keys[0], str):
            found = keyed.get(keys[0], [])
            first = bisect.bisect_left(found, start)
            if first < len(found) and found[first] < end:
                return found[first] + 1
        return start + 1

    def _nested_line(self, keys: list[Any]) -> int:
        """The line of a key in a nested table (``[settings.messages.sms.Submit]`` then ``406 =``),
        or of the deepest of its tables found, else of ``[settings]``."""
        for depth in range(len(keys), 0, -1):
            dotted = ".".join(str(k) for k in keys[:depth])
            for i, line in enumerate(self.lines):
                name = line.split("#")[0].replace(" ", "").replace("\t", "")
                if name == f"[{dotted}]" or (name.startswith(f"[{dotted}.") and name.endswith("]")):
                    if depth == len(keys) - 1:
                        key = re.compile(rf"\s*\"?{re.escape(str(keys[-1]))}\"?\s*=")
                        for j in range(i + 1, len(self.lines)):
                            if self.lines[j].lstrip().startswith("["):
                                break
                            if key.match(self.lines[j]):
                                return j + 1
                    return i + 1
        return self.line_of(("settings",))

    @cached_property
    def _index(self) -> tuple[list[int], dict[str, list[int]], dict[str, list[int]]]:
        """The lines that open tables, those of each table :meth:`line_of` names, and those of
        each key, found in one pass: a file with a problem on every line is still checked in time
        linear in its size."""
        tables: list[int] = []
        headers: dict[str, list[int]] = {"rules": [], "accounts": [], "templates": [], "settings": []}
        keyed: dict[str, list[int]] = {}
        for i, line in enumerate(self.lines):
            if line.lstrip().startswith("["):
                tables.append(i)
                header = _HEADER.match(line)
                if header:
                    headers[header.group(1) or header.group(2)].append(i)
            elif key := _KEY.match(line):
                keyed.setdefault(key.group(1), []).append(i)
        return tables, headers, keyed

    # checking helpers ---------------------------------------------------------------------------
    def unknown(self, table: dict[str, Any], allowed: set[str], path: tuple[Any, ...]) -> None:
        for key in table:
            if key not in allowed:
                self.fail((*path, key), f"unknown key {key!r}; accepted: {', '.join(sorted(allowed))}")

    def typed(self, table: dict[str, Any], key: str, kind: type | tuple[type, ...], path: tuple[Any, ...],
              default: Any = None, what: str = "") -> Any:
        if key not in table:
            return default
        value = table[key]
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            self.fail((*path, key), f"{key} must be {what or _kind_name(kind)}, got {value!r}")
            return default
        if not isinstance(value, kind):
            self.fail((*path, key), f"{key} must be {what or _kind_name(kind)}, got {value!r}")
            return default
        return value

    def strings(self, table: dict[str, Any], key: str, path: tuple[Any, ...]) -> frozenset[str] | None:
        if key not in table:
            return None
        value = table[key]
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items) or not items:
            self.fail((*path, key), f"{key} must be a string or a non-empty list of strings, got {value!r}")
            return None
        return frozenset(items)

    def integer(self, table: dict[str, Any], key: str, path: tuple[Any, ...], minimum: int = 1,
                maximum: int = MAX_INTEGER) -> int | None:
        value = self.typed(table, key, int, path, what="an integer")
        if value is not None and not minimum <= value <= maximum:
            self.fail((*path, key), f"{key} must be between {minimum} and {maximum}, got {value}")
            return None
        return value

    def regex(self, table: dict[str, Any], key: str, path: tuple[Any, ...]) -> re2._Regexp | None:
        """A pattern for RE2, whose matching takes time linear in the input whatever the pattern
        (Python's ``re`` can take years on a short mobile), so matching never holds a request up."""
        pattern = self.typed(table, key, str, path, what="a regular expression")
        if pattern is None:
            return None
        if len(pattern) > MAX_PATTERN_LENGTH:
            self.fail((*path, key), f"{key} is longer than {MAX_PATTERN_LENGTH} characters")
            return None
        try:
            return re2.compile(pattern, _RE2)
        except re2.error as exc:
            reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else exc
            self.fail((*path, key), f"bad pattern {pattern!r}: {reason}; patterns are RE2 syntax "
                                    "(no backreferences or lookaround: see scenarios/README.md)")
            return None

    # the document -------------------------------------------------------------------------------
    def scenario(self, doc: dict[str, Any]) -> Scenario:
        self.unknown(doc, TOP_KEYS, ())
        name = self.typed(doc, "name", str, (), "")
        if not name:
            self.fail(("name",), "a scenario needs a name")
        description = self.typed(doc, "description", str, (), "")
        if not description:
            self.fail(("description",), "a scenario needs a description")
        settings = self.settings(self.typed(doc, "settings", dict, (), {}))
        accounts = self.accounts(self.typed(doc, "accounts", list, (), [], "an array of tables ([[accounts]])"))
        templates = self.templates(self.typed(doc, "templates", list, (), [], "an array of tables ([[templates]])"),
                                   {a.apiid for a in accounts})
        blacklist = self.strings(doc, "blacklist", ()) or frozenset()
        refused = self.strings(doc, "refused_ips", ()) or frozenset()
        raw_rules = self.typed(doc, "rules", list, (), [], "an array of tables ([[rules]])")
        rules = tuple(r for i, raw in enumerate(raw_rules) if (r := self.rule(i, raw)) is not None)
        self.states(rules)
        return Scenario(name, description, Seed(tuple(accounts), blacklist, refused, tuple(templates)), settings,
                        rules, self.source, self.text)

    def settings(self, table: dict[str, Any]) -> Settings:
        path = ("settings",)
        self.unknown(table, SETTING_KEYS, path)
        default = Settings()
        skew = self.integer(table, "password_skew", path, minimum=0, maximum=86400)
        seed = self.integer(table, "random_seed", path, minimum=-MAX_INTEGER - 1)
        return Settings(
            namespace=self.typed(table, "namespace", str, path, default.namespace),
            password_skew=default.password_skew if skew is None else skew,
            num_as_string=self.typed(table, "num_as_string", bool, path, default.num_as_string),
            random_seed=default.random_seed if seed is None else seed,
            receipt_delay_seconds=self.seconds(table, "receipt_delay_seconds", path, default.receipt_delay_seconds),
            receipt_retry_seconds=self.seconds(table, "receipt_retry_seconds", path, default.receipt_retry_seconds),
            receipt_timeout_seconds=self.seconds(table, "receipt_timeout_seconds", path,
                                                 default.receipt_timeout_seconds),
            message_set=self.choice(table, "message_set", MESSAGE_SETS, path, default.message_set),
            voice_id_element=self.choice(table, "voice_id_element", VOICE_ID_ELEMENTS, path, default.voice_id_element),
            template_review_seconds=self.seconds(table, "template_review_seconds", path,
                                                 default.template_review_seconds),
            xml_content_type=self.content_type(table, "xml_content_type", path, default.xml_content_type),
            json_content_type=self.content_type(table, "json_content_type", path, default.json_content_type),
            messages=self.messages(self.typed(table, "messages", dict, path, {}, "a table of products")),
        )

    def content_type(self, table: dict[str, Any], key: str, path: tuple[Any, ...], default: str) -> str:
        value = self.typed(table, key, str, path, default)
        if len(value) > MAX_HEADER_LENGTH or not _MEDIA_TYPE.fullmatch(value):
            self.fail((*path, key), f"{key} must be a media type such as 'text/xml; charset=utf-8' (printable "
                                    f"ASCII, at most {MAX_HEADER_LENGTH} characters), got {value!r}")
            return default
        return value

    def messages(self, table: dict[str, Any]) -> tuple[tuple[str, str, int, str], ...]:
        """``[settings.messages.<product>.<method>]`` tables of ``<code> = "text"``: the texts that
        replace the message set's."""
        found: list[tuple[str, str, int, str]] = []
        for name, methods in table.items():
            path = ("settings", "messages", name)
            if name not in product_names():
                self.fail(path, f"unknown product {name!r} in settings.messages; accepted: {', '.join(product_names())}")
                continue
            api = product(name).api()
            if not isinstance(methods, dict):
                self.fail(path, f"settings.messages.{name} must be a table of methods ({', '.join(api.names)})")
                continue
            for method_name, codes in methods.items():
                mpath = (*path, method_name)
                method = api.by_name.get(method_name)
                if method is None:
                    self.fail(mpath, f"{name} has no method {method_name!r}; accepted: {', '.join(api.names)}")
                    continue
                if not isinstance(codes, dict):
                    self.fail(mpath, f"settings.messages.{name}.{method_name} must be a table of code = \"text\"")
                    continue
                for code_text, text in codes.items():
                    cpath = (*mpath, code_text)
                    code = int(code_text) if code_text.isascii() and code_text.isdigit() else None
                    if code is None or code not in method.codes:
                        listed = ", ".join(str(int(c)) for c in sorted(method.codes))
                        self.fail(cpath, f"{code_text!r} is not a {name} {method_name} code; accepted: {listed}")
                    elif not isinstance(text, str) or not text or len(text) > MAX_MESSAGE_LENGTH \
                            or any(ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 or c in "\ufffe\uffff" for c in text):
                        self.fail(cpath, f"the text of {name} {method_name} {code} must be a string of 1 to "
                                         f"{MAX_MESSAGE_LENGTH} characters without control characters, got {text!r}")
                    else:
                        found.append((name, method_name, code, text))
        return tuple(sorted(found))

    def choice(self, table: dict[str, Any], key: str, accepted: tuple[str, ...], path: tuple[Any, ...],
               default: str) -> str:
        value = self.typed(table, key, str, path, default)
        if value not in accepted:
            self.fail((*path, key), f"{key} must be {' or '.join(repr(a) for a in accepted)}, got {value!r}")
            return default
        return value

    def seconds(self, table: dict[str, Any], key: str, path: tuple[Any, ...], default: float) -> float:
        value = self.typed(table, key, (int, float), path, what="a number of seconds")
        if value is None:
            return default
        if not 0 <= value <= 86400:
            self.fail((*path, key), f"{key} must be between 0 and 86400, got {value}")
            return default
        return float(value)

    def accounts(self, tables: list[Any]) -> list[Account]:
        accounts: list[Account] = []
        seen: set[str] = set()
        for i, table in enumerate(tables):
            path = ("accounts", i)
            if not isinstance(table, dict):
                self.fail(path, "each account must be a table")
                continue
            self.unknown(table, ACCOUNT_KEYS, path)
            apiid = self.typed(table, "apiid", str, path, "")
            apikey = self.typed(table, "apikey", str, path, "")
            if not apiid or not apikey:
                self.fail(path, "an account needs a non-empty apiid and apikey")
                continue
            if apiid in seen:
                self.fail((*path, "apiid"), f"account {apiid!r} is declared twice")
            seen.add(apiid)
            balance = self.integer(table, "balance", path, minimum=0)
            accounts.append(Account(
                apiid, apikey, balance or 0,
                frozen=self.typed(table, "frozen", bool, path, False),
                auto_frozen=self.typed(table, "auto_frozen", bool, path, False),
                registered_ips=tuple(sorted(self.strings(table, "registered_ips", path) or ())),
                receipt_url=self.receipt_url(table, path),
                products=self.product_list(table, path),
                reply_url=self.receipt_url(table, path, "reply_url"),
                limits=self.limits(table, path),
            ))
        return accounts

    def product_list(self, table: dict[str, Any], path: tuple[Any, ...]) -> tuple[str, ...]:
        """The account's products, in order (the first is its default on a shared path)."""
        names = self.typed(table, "products", list, path, [], "an array of product names")
        if not all(isinstance(n, str) for n in names):
            self.fail((*path, "products"), "products must be an array of product names")
            return ()
        unknown = [n for n in names if n not in product_names()]
        if unknown:
            self.fail((*path, "products"), f"unknown product {unknown[0]!r}; accepted: {', '.join(product_names())}")
            return ()
        return tuple(dict.fromkeys(names))

    def limits(self, table: dict[str, Any], path: tuple[Any, ...]) -> Limits:
        raw = self.typed(table, "limits", dict, path, {}, "a table of limits")
        lpath = (*path, "limits")
        self.unknown(raw, LIMITS_KEYS, lpath)
        return Limits(**{key: self.integer(raw, key, lpath, minimum=1) for key in sorted(LIMITS_KEYS)})

    def templates(self, tables: list[Any], accounts: set[str]) -> list[Template]:
        templates: list[Template] = []
        seen: set[int] = set()
        for i, table in enumerate(tables):
            path = ("templates", i)
            if not isinstance(table, dict):
                self.fail(path, "each template must be a table ([[templates]])")
                continue
            self.unknown(table, TEMPLATE_KEYS, path)
            account = self.typed(table, "account", str, path, "")
            product = self.typed(table, "product", str, path, "")
            content = self.typed(table, "content", str, path, "")
            if account not in accounts:
                self.fail((*path, "account"), f"template for account {account!r}, which the scenario does not declare")
            if product not in product_names():
                self.fail((*path, "product"), f"unknown product {product!r}; accepted: {', '.join(product_names())}")
            if not content:
                self.fail((*path, "content"), "a template needs its content: text with 【变量】 placeholders")
            template_id = self.integer(table, "id", path, minimum=10000) or 10000 + i
            if template_id in seen:
                self.fail((*path, "id"), f"template id {template_id} is declared twice")
            seen.add(template_id)
            status = self.choice(table, "status", TEMPLATE_STATUSES, path, "approved")
            templates.append(Template(template_id, account, product, content, status,
                                      reason=self.typed(table, "reason", str, path, "")))
        return templates

    def receipt_url(self, table: dict[str, Any], path: tuple[Any, ...], key: str = "receipt_url") -> str:
        url = self.typed(table, key, str, path, "")
        problem = url_problem(url, key) if url else None
        if problem:
            self.fail((*path, key), problem)
            return ""
        return url

    def rule(self, index: int, table: Any) -> Rule | None:
        path: tuple[Any, ...] = ("rules", index)
        if not isinstance(table, dict):
            self.fail(path, "each rule must be a table ([[rules]])")
            return None
        before = len(self.problems)
        self.unknown(table, RULE_KEYS, path)
        products = self.strings(table, "product", path)
        for name in products or ():
            if name not in product_names():
                self.fail((*path, "product"), f"unknown product {name!r}; accepted: {', '.join(product_names())}")
        methods = self.strings(table, "method", path)
        for method in methods or ():
            if method not in method_names():
                self.fail((*path, "method"), f"unknown method {method!r}; accepted: {', '.join(method_names())}")
        fmt = self.typed(table, "format", str, path)
        if fmt is not None and fmt not in ("xml", "json"):
            self.fail((*path, "format"), f"format must be 'xml' or 'json', got {fmt!r}")
        code = self.typed(table, "code", int, path, what="an integer")
        if code is not None:
            self.documented(code, methods, (*path, "code"))
        latency = self.latency(table, path)
        fault = self.typed(table, "fault", str, path)
        if fault is not None and fault not in FAULTS:
            self.fail((*path, "fault"), f"unknown fault {fault!r}; accepted: {', '.join(FAULTS)}")
        hang = self.typed(table, "hang_seconds", (int, float), path, what="a number of seconds")
        if hang is not None and fault != "hang":
            self.fail((*path, "hang_seconds"), "hang_seconds needs fault = 'hang'")
        if hang is not None and not 0 < hang <= MAX_HANG_SECONDS:
            self.fail((*path, "hang_seconds"), f"hang_seconds must be above 0 and at most {MAX_HANG_SECONDS:g}")
        probability = self.typed(table, "probability", (int, float), path, what="a number")
        if probability is not None and not 0 <= probability <= 1:
            self.fail((*path, "probability"), f"probability must be between 0 and 1, got {probability}")
        limit = self.limit(table, path)
        outcome = self.typed(table, "outcome", str, path)
        if outcome is not None and outcome not in outcome_names():
            self.fail((*path, "outcome"), f"unknown outcome {outcome!r}; accepted: {', '.join(outcome_names())}")
        rule = Rule(
            index=index,
            name=self.typed(table, "name", str, path, ""),
            products=products,
            methods=methods,
            accounts=self.strings(table, "account", path),
            mobiles=self.strings(table, "mobile", path),
            mobile_prefix=self.typed(table, "mobile_prefix", str, path),
            mobile_regex=self.regex(table, "mobile_regex", path),
            contents=self.strings(table, "content", path),
            content_regex=self.regex(table, "content_regex", path),
            format=fmt,
            client_ips=self.strings(table, "client_ip", path),
            state=self.typed(table, "state", str, path),
            nth=self.integer(table, "nth", path),
            every=self.integer(table, "every", path),
            from_call=self.integer(table, "from_call", path),
            until_call=self.integer(table, "until_call", path),
            after_successes=self.integer(table, "after_successes", path, minimum=0),
            times=self.integer(table, "times", path),
            probability=None if probability is None else float(probability),
            limit=limit,
            code=code,
            code_from_mobile=self.typed(table, "code_from_mobile", bool, path, False),
            latency_ms=latency,
            fault=fault,
            hang_seconds=float(hang) if hang is not None else 20.0,
            freeze=self.typed(table, "freeze", bool, path, False),
            set_state=self.typed(table, "set_state", str, path),
            outcome=outcome,
            outcome_from_mobile=self.typed(table, "outcome_from_mobile", bool, path, False),
        )
        if len(self.problems) == before:  # a rule with a bad key or value gets no second-hand complaints
            self.impossible(rule, path)
        return rule if len(self.problems) == before else None

    def documented(self, code: int, methods: frozenset[str] | None, path: tuple[Any, ...]) -> None:
        documented = all_codes()
        if code not in documented:
            self.fail(path, f"unknown code {code}; documented: {', '.join(str(int(c)) for c in sorted(documented))}")
        elif methods and code not in (answered := all_codes(methods)):
            named = "/".join(sorted(methods))
            self.fail(path, f"code {code} is not a {named} code; {named} answers "
                            f"{', '.join(str(int(c)) for c in sorted(answered))}")

    def latency(self, table: dict[str, Any], path: tuple[Any, ...]) -> tuple[int, int] | None:
        if "latency_ms" not in table:
            return None
        value = table["latency_ms"]
        def ms(v: Any) -> bool:
            return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_LATENCY_MS
        if ms(value):
            return (value, value)
        if isinstance(value, list) and len(value) == 2 and all(ms(v) for v in value):
            if value[0] > value[1]:
                self.fail((*path, "latency_ms"), f"latency_ms range {value} runs backwards")
                return None
            return (value[0], value[1])
        self.fail((*path, "latency_ms"), f"latency_ms must be milliseconds (an integer from 0 to {MAX_LATENCY_MS}) "
                                             f"or a range [low, high] of them, got {value!r}")
        return None

    def limit(self, table: dict[str, Any], path: tuple[Any, ...]) -> Limit | None:
        raw = self.typed(table, "limit", dict, path, what="a table {count, window_seconds, per}")
        if raw is None:
            return None
        lpath = (*path, "limit")
        for key in raw:
            if key not in LIMIT_KEYS:
                self.fail(lpath, f"unknown key {key!r} in limit; accepted: {', '.join(sorted(LIMIT_KEYS))}")
        count = raw.get("count")
        window = raw.get("window_seconds")
        per = raw.get("per", "mobile")
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_INTEGER:
            self.fail(lpath, f"limit.count must be an integer from 1 to {MAX_INTEGER}, got {count!r}")
            return None
        if not isinstance(window, (int, float)) or isinstance(window, bool) or not 0 < window <= MAX_WINDOW_SECONDS:
            self.fail(lpath, f"limit.window_seconds must be a number of seconds above 0 and at most "
                             f"{MAX_WINDOW_SECONDS}, got {window!r}")
            return None
        if per not in ("mobile", "account"):
            self.fail(lpath, f"limit.per must be 'mobile' or 'account', got {per!r}")
            return None
        return Limit(count, float(window), per)

    def impossible(self, rule: Rule, path: tuple[Any, ...]) -> None:
        """Conditions that can never hold together, and rules that would do nothing."""
        if rule.nth is not None and rule.every is not None:
            self.fail((*path, "every"), "nth and every cannot both be set: pick one")
        if rule.from_call is not None and rule.until_call is not None and rule.from_call > rule.until_call:
            self.fail((*path, "until_call"), f"until_call {rule.until_call} comes before from_call {rule.from_call}")
        if rule.nth is not None and ((rule.from_call or 1) > rule.nth or (rule.until_call or rule.nth) < rule.nth):
            self.fail((*path, "nth"), f"nth = {rule.nth} lies outside from_call/until_call")
        if rule.code is not None and rule.code_from_mobile:
            self.fail((*path, "code_from_mobile"), "code and code_from_mobile cannot both be set")
        if rule.freeze and rule.limit is None:
            self.fail((*path, "freeze"), "freeze needs a limit: only a frequency limit that trips freezes an account")
        if rule.limit is not None and rule.code is None:
            self.fail((*path, "limit"), "a limit needs the code it answers when it trips")
        if rule.outcome is not None and rule.outcome_from_mobile:
            self.fail((*path, "outcome_from_mobile"), "outcome and outcome_from_mobile cannot both be set")
        if rule.probability == 0:
            self.fail((*path, "probability"), "probability = 0 never fires")
        does = (rule.code is not None, rule.code_from_mobile, rule.latency_ms is not None, rule.fault is not None,
                rule.set_state is not None, rule.outcome is not None, rule.outcome_from_mobile)
        if not any(does):
            self.fail(path, "the rule does nothing: give it a code, code_from_mobile, latency_ms, fault, "
                            "set_state, outcome or outcome_from_mobile")

    def states(self, rules: tuple[Rule, ...]) -> None:
        reachable = {INITIAL_STATE} | {r.set_state for r in rules if r.set_state}
        for rule in rules:
            if rule.state is not None and rule.state not in reachable:
                self.fail(("rules", rule.index, "state"),
                          f"state {rule.state!r} is never reached: no rule sets it and it is not {INITIAL_STATE!r}")


def url_problem(url: str, key: str = "receipt_url") -> str | None:
    """Why ``url`` cannot receive pushes, or ``None``: it must be an absolute http(s) URL."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # an unclosed or invalid [IPv6] host
        return f"{key} {url!r} is not a URL: {exc}"
    try:
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError:
        return f"{key.replace('_', ' ').replace('url', 'URL')} {url!r}: its port is not a number from 0 to 65535"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{key} must be an absolute http:// or https:// URL, got {url!r}"
    return None


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false", dict: "a table",
             list: "an array"}
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)
