"""What the shared machinery asks of a product, and the registry that finds every product.

A product is declared once, as a subclass of :class:`Product` in ``products/<name>/product.py``;
declaring it registers it (respx's ``Pattern`` registry works the same way). :func:`products`
imports every such module on first use, as a plugin loader would: found by the folder's layout,
not named here, so nothing of the service imports a product. The backend, the scenario check,
the journal and the HTTP surfaces read products from here and name none of them.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from typing import ClassVar

from ..wire.answers import Answer, Api, Method
from .records import Facts, Receipt

#: every product declared so far, by name
REGISTRY: dict[str, "Product"] = {}


class Product:
    """One product of the family: where it answers, its methods and codes, and its checks."""

    #: short name: the journal's, the scenario's and the URL selector's
    name: ClassVar[str]
    #: the provider path it answers on (``/webservice/voice.php``)
    path: ClassVar[str]
    #: its methods and the shapes of their answers
    api: ClassVar[Api]
    #: the code of a submission the provider failed, which forced faults report in the journal
    failed: ClassVar[int] = 0
    #: the code a delivery gets when another request took the last unit first
    exhausted: ClassVar[int]
    #: the code for an account that does not exist
    unknown_account: ClassVar[int]
    #: what became of a delivery, as its receipt reports it, by name: (code, message)
    outcomes: ClassVar[Mapping[str, tuple[int, str]]] = {}
    #: the outcome of a delivery no scenario rule decides
    default_outcome: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("name"):  # a declared product, not an intermediate base
            if cls.name in REGISTRY:
                raise TypeError(f"product {cls.name!r} is declared twice")
            REGISTRY[cls.name] = cls()

    def method(self, name: str) -> Method | None:
        """The method called ``name`` (the query's ``method=``, case-sensitive), or ``None``."""
        for method in self.api.methods:
            if method.name == name:
                return method
        return None

    def decide(self, method: Method, params: Mapping[str, str], facts: Facts, *, client_ip: str, now: float,
               skew: int) -> int:
        """The code the real service answers to ``method`` with ``params`` from ``client_ip``; its
        success for a method that ``issues_id`` means "take one unit"."""
        raise NotImplementedError

    def answer(self, method: Method, code: int, value: str = "0") -> Answer:
        return method.answer(code, value)

    def receipt_form(self, outcome: str, mobile: str, delivery_id: str, report_at: float) -> dict[str, str]:
        """The fields of the receipt pushed for a delivery, in the real service's order."""
        raise NotImplementedError(f"{self.name} pushes no receipts")


#: where the product units are, one package each
UNITS = "ihuyi_sandbox.products"
_discovered = False


def products() -> tuple[Product, ...]:
    """Every product, each unit's ``product.py`` imported (and so registered) on first use."""
    global _discovered
    if not _discovered:
        package = importlib.import_module(UNITS)
        for unit in pkgutil.iter_modules(package.__path__):
            if unit.ispkg:
                importlib.import_module(f"{UNITS}.{unit.name}.product")
        _discovered = True
    return tuple(REGISTRY.values())


def by_path() -> dict[str, Product]:
    return {product.path: product for product in products()}


def all_codes(methods: frozenset[str] | None = None) -> frozenset[int]:
    """The codes the named methods answer in any product (every product's codes for ``None``)."""
    return frozenset(code for product in products() for method in product.api.methods
                     if methods is None or method.name in methods for code in method.codes)


def method_names() -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.name for p in products() for m in p.api.methods))


def outcome_names() -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for p in products() for name in p.outcomes))


def message(code: int, method_name: str) -> str:
    """The message of ``code`` answered to a method of that name (the first product having it)."""
    for product in products():
        method = product.method(method_name)
        if method is not None and code in method.codes:
            return method.message(code)
    raise ValueError(f"{code!r} is not a documented {method_name} code")


def receipt_form(receipt: Receipt) -> dict[str, str]:
    """The fields of ``receipt``, rendered by the product that pushes receipts. Receipts do not
    record their product yet: the one product with ``outcomes`` renders them all."""
    (product,) = (p for p in products() if p.outcomes)
    return product.receipt_form(receipt.outcome, receipt.mobile, receipt.voiceid, receipt.report_at)
