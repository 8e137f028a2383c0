"""The client's errors, by what a caller does about an ihuyi code, and a transport error for
everything that is not an ihuyi answer at all. The tree is drawn in ``_exceptions.py``, where
every exception of the package is defined; the voice codes table (``products/voice/codes.py``)
says which code raises which.
"""

from ._exceptions import (AccountFrozenError, BalanceExhaustedError, ContentError, CredentialsError, IhuyiError,
                          IPRefusedError, MobileBlacklistedError, MobileError, ReceiptError, SubmissionFailedError,
                          TransportError)
from .products.voice.codes import ERRORS, error_for

__all__ = ["ERRORS", "AccountFrozenError", "BalanceExhaustedError", "ContentError", "CredentialsError", "IPRefusedError",
           "IhuyiError", "MobileBlacklistedError", "MobileError", "ReceiptError", "SubmissionFailedError",
           "TransportError", "error_for"]
