"""Where the sandbox's state lives: implementations of the service's store protocols
(``service/stores.py``), knowing records and SQL, never products, HTTP or serving."""

from .._exceptions import WriteFailed
from ..service.stores import Storage
from .sqlite import SQLiteStorage

__all__ = ["SQLiteStorage", "Storage", "WriteFailed"]
