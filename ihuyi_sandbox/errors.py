"""The client's errors, by what a caller does about an ihuyi code, and a transport error for
everything that is not an ihuyi answer at all. The tree is drawn in ``_exceptions.py``, where
every exception of the package is defined; each product's codes table
(``products/<unit>/codes.py``) says which of its codes raises which, and ``error_for`` here is
the voice codes'.
"""

from ._exceptions import (AccountFrozenError, BalanceExhaustedError, ContentError, CredentialsError, IhuyiError,
                          IPRefusedError, MobileBlacklistedError, MobileError, RateLimitedError, ReceiptError,
                          SubmissionFailedError, TemplateError, TransportError)
from .products.voice.codes import ERRORS, error_for

__all__ = ["ERRORS", "AccountFrozenError", "BalanceExhaustedError", "ContentError", "CredentialsError", "IPRefusedError",
           "IhuyiError", "MobileBlacklistedError", "MobileError", "RateLimitedError", "ReceiptError",
           "SubmissionFailedError", "TemplateError", "TransportError", "error_for"]
