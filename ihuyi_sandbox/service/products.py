"""What the shared machinery asks of a product, and the registry that finds every product.

A product is declared once, as a subclass of :class:`Product` in ``products/<name>/product.py``;
declaring it registers it (respx's ``Pattern`` registry works the same way). :func:`products`
imports every such module on first use, as a plugin loader would: found by the folder's layout,
not named here, so nothing of the service imports a product. The backend, the scenario check,
the journal and the HTTP surfaces read products from here and name none of them.

Several products may answer on one path (``voice.php``: voice codes and voice notice;
``sms.php``: SMS and marketing). :func:`resolve` picks one per request, as docs/contract.md §9
describes: a ``/_<selector>`` prefix in the base URL or a real ihuyi host name narrows the
candidates, then the account's products; among the products an account may use there, the
request's look decides (each product's hint, ``claims``), then the account's first product, then
the path's default (the candidate with the lowest ``priority``).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from ..wire.answers import Api, Method
from .records import Account, Facts, Receipt, Settings
from .templates import find_code

if TYPE_CHECKING:
    from .stores import Counters, State

#: every product declared so far, by name
REGISTRY: dict[str, "Product"] = {}


@dataclass(frozen=True)
class Route:
    """A path a product answers on: its method in the query (``method=Submit``), or named by the
    path itself (``/sms/Submit.json``), and the format it answers whatever ``format=`` says."""

    path: str
    method: str | None = None
    format: str | None = None
    #: a JSON balance (``num``) sent as a number, whatever the ``num_as_string`` setting says
    num_as_number: bool = False


class Context(NamedTuple):
    """What a product's checks may read of the state beyond the request's :class:`Facts`."""

    facts: Facts
    client_ip: str
    now: float
    settings: Settings
    store: "State"
    counters: "Counters"


class Decision(NamedTuple):
    """A product's verdict on one request: the code; for an accepted Submit the balance units it
    takes and the text it delivered (when that is not its ``content``); for another success that
    hands back an id of its own (AddTemplate's ``templateid``), that id."""

    code: int
    units: int = 1
    text: str | None = None
    value: str | None = None


class Product:
    """One product of the family: where it answers, its methods and codes, and its checks."""

    #: short name: the journal's, the scenario's and the sandbox API's
    name: ClassVar[str]
    #: what a person calls it
    title: ClassVar[str] = ""
    #: where it answers
    routes: ClassVar[tuple[Route, ...]]
    #: the ``/_<selector>`` prefix of a base URL that picks it on a shared path
    selector: ClassVar[str]
    #: the real service's host names, which pick it on a shared path when a client sends them
    hosts: ClassVar[tuple[str, ...]] = ()
    #: the APIID prefixes of its accounts (the longest prefix that matches decides)
    prefixes: ClassVar[tuple[str, ...]] = ()
    #: on a path it shares, the lowest comes first: that path's default
    priority: ClassVar[int] = 0
    #: the code of a submission the provider failed, which forced faults report in the journal
    failed: ClassVar[int] = 0
    #: the code a delivery gets when another request took the last units first
    exhausted: ClassVar[int]
    #: the code for an account that does not exist (or is another product's)
    unknown_account: ClassVar[int]
    #: what became of a delivery, as its receipt reports it, by name: (code, message)
    outcomes: ClassVar[Mapping[str, tuple[int, str]]] = {}
    #: the outcome of a delivery no scenario rule decides
    default_outcome: ClassVar[str | None] = None
    #: the message sets its codes table holds (the first is the default)
    message_sets: ClassVar[tuple[str, ...]] = ("live", "doc")
    #: its built-in templates by id (SMS 1, voice notice 1361): always approved, never stored
    builtin_templates: ClassVar[Mapping[int, str]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("name"):  # a declared product, not an intermediate base
            if cls.name in REGISTRY:
                raise TypeError(f"product {cls.name!r} is declared twice")
            REGISTRY[cls.name] = cls()

    # -- what each product says ------------------------------------------------------------------
    def build_api(self, message_set: str, voice_id_element: str) -> Api:
        """Its methods, with the texts of ``message_set`` (and, for a voice product, the Submit id
        element ``voice_id_element``)."""
        raise NotImplementedError

    def decide(self, method: Method, params: Mapping[str, str], context: Context) -> Decision:
        """The code the real service answers to ``method`` with ``params``; its success for a
        method that ``issues_id`` means "take the decision's units"."""
        raise NotImplementedError

    def receipt_form(self, outcome: str, mobile: str, delivery_id: str, report_at: float) -> dict[str, str]:
        """The fields of the receipt pushed for a delivery, in the real service's order."""
        raise NotImplementedError(f"{self.name} pushes no receipts")

    def claims(self, params: Mapping[str, str]) -> bool:
        """Whether a request on a shared path that nothing else decided looks like this product's."""
        return False

    def code_in(self, text: str) -> str | None:
        """The verification code a delivered text carries, as the sandbox API and the inbox show
        it: the variable of a built-in template the text fills, else its first run of 4 to 8
        digits, else ``None``."""
        return find_code(text, self.builtin_templates.values())

    # -- derived ---------------------------------------------------------------------------------
    def api(self, settings: Settings | None = None) -> Api:
        """Its methods under ``settings`` (its message set, id element and replaced texts), built
        once per combination."""
        settings = settings or _DEFAULT_SETTINGS
        replaced = settings.messages_of(self.name) if settings.messages else ()
        return _api(self, settings.message_set, settings.voice_id_element, replaced)

    def method(self, name: str, settings: Settings | None = None) -> Method | None:
        """The method called ``name`` (the query's ``method=``, case-sensitive), or ``None``."""
        return self.api(settings).by_name.get(name)

    def belongs(self, account: Account) -> bool:
        """Whether ``account`` may use this product: its configured products, else its APIID's
        prefix, else (a prefix no product claims, such as a legacy ``cf_`` name) any product."""
        if account.products:
            return self.name in account.products
        owner = prefix_owner(account.apiid)
        return owner is None or owner is self


_DEFAULT_SETTINGS = Settings()


@lru_cache(maxsize=64)
def _api(product: Product, message_set: str, voice_id_element: str,
         replaced: tuple[tuple[str, int, str], ...] = ()) -> Api:
    api = product.build_api(message_set, voice_id_element)
    if not replaced:
        return api
    return Api(tuple(replace(method, messages={**method.messages, **{code: text for name, code, text in replaced
                                                                      if name == method.name}})
                     for method in api.methods))


# -- the registry --------------------------------------------------------------------------------
#: where the product units are, one package each
UNITS = "ihuyi_sandbox.products"
_discovered = False


def products() -> tuple[Product, ...]:
    """Every product, each unit's ``product.py`` imported (and so registered) on first use."""
    global _discovered
    if not _discovered:
        package = importlib.import_module(UNITS)
        for unit in sorted(pkgutil.iter_modules(package.__path__), key=lambda u: u.name):
            if unit.ispkg:
                importlib.import_module(f"{UNITS}.{unit.name}.product")
        _discovered = True
    return tuple(sorted(REGISTRY.values(), key=lambda p: (p.priority, p.name)))


def product(name: str) -> Product:
    products()
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown product {name!r}; the products are {', '.join(product_names())}") from None


def product_names() -> tuple[str, ...]:
    return tuple(p.name for p in products())


def routes() -> dict[str, tuple[tuple[Product, Route], ...]]:
    """Each path, with the products answering on it, the path's default first."""
    table: dict[str, list[tuple[Product, Route]]] = {}
    for p in products():
        for route in p.routes:
            table.setdefault(route.path, []).append((p, route))
    return {path: tuple(entries) for path, entries in table.items()}


def by_path() -> dict[str, Product]:
    """Each path's default product."""
    return {path: entries[0][0] for path, entries in routes().items()}


@lru_cache(maxsize=4096)
def prefix_owner(apiid: str) -> Product | None:
    """The product whose APIID prefix ``apiid`` carries (the longest that matches), if any: a
    prefix is a capital letter or two, then digits."""
    best: tuple[int, Product] | None = None
    for p in products():
        for prefix in p.prefixes:
            if apiid.startswith(prefix) and apiid[len(prefix):len(prefix) + 1].isdigit():
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), p)
    return best[1] if best else None


def resolve(candidates: tuple[Product, ...], account: Account | None, params: Mapping[str, str]) -> Product:
    """The product of a request on a path that ``candidates`` share (the path's default first)."""
    if len(candidates) == 1:
        return candidates[0]
    if account is not None:
        owned = tuple(p for p in candidates if p.belongs(account))
        if len(owned) == 1:
            return owned[0]
        candidates = owned or candidates
    for p in candidates:
        if p.claims(params):
            return p
    if account is not None:
        for name in account.products:  # configured for several, and no hint: the first is its default
            for p in candidates:
                if p.name == name:
                    return p
    return candidates[0]


def all_codes(methods: frozenset[str] | None = None) -> frozenset[int]:
    """The codes the named methods answer in any product (every product's codes for ``None``)."""
    return frozenset(code for p in products() for method in p.api().methods
                     if methods is None or method.name in methods for code in method.codes)


def method_names() -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.name for p in products() for m in p.api().methods))


def outcome_names() -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for p in products() for name in p.outcomes))


def message(code: int, method_name: str, product_name: str | None = None, settings: Settings | None = None) -> str:
    """The message of ``code`` answered to a method of that name, by the named product (else the
    first product having the method and the code)."""
    for p in products():
        if product_name is not None and p.name != product_name:
            continue
        method = p.method(method_name, settings)
        if method is not None and code in method.codes:
            return method.message(code)
    raise ValueError(f"{code!r} is not a documented {method_name} code")


def receipt_form(receipt: Receipt) -> dict[str, str]:
    """The fields a push POSTs: fixed when it was queued (a reply, a review), or, for a delivery
    receipt, rendered by the receipt's product from its outcome."""
    if receipt.form is not None:
        return dict(receipt.form)
    return product(receipt.product).receipt_form(receipt.outcome, receipt.mobile, receipt.voiceid, receipt.report_at)
