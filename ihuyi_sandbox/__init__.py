"""ihuyi-sandbox: a local, byte-faithful sandbox of the ihuyi (互亿无线) messaging APIs, with a client.

The layers, each importing only from those above it in this list (``_exceptions.py``,
``_loopback.py`` and ``_banner.py`` import nothing of the package):

- ``wire/``: what server and client share about the wire; no I/O, no state.
- ``service/``: the emulated service (records, scenarios, faults, the backend); no HTTP, no SQL,
  no product named.
- ``products/``: one unit per product (its codes, answer shapes, checks, receipts).
- ``storage/``: the service's store protocols implemented (SQLite).
- ``api/``: the HTTP surfaces (the provider API, the sandbox API, the inbox) and the app.
- ``conform/``: the sandbox checked against the real service (``ihuyi-sandbox conform``); it
  builds its own sandbox in process, and comes before ``server/`` so that the command line reaches it.
- ``server/``: processes: granian workers, ports, signals, the receipt dispatcher, the command line.
- ``client/``: a client of the real service; ``wire/`` and the products' codes only.
- ``testing/``: test support, and the pytest plugin (``pytest_plugin.py``).
"""

__version__ = "0.1.0"

from .client import DeliveryReceipt, SubmitResult, VoiceClient, parse_answer, parse_receipt  # noqa: E402
from .errors import IhuyiError, TransportError  # noqa: E402

__all__ = ["DeliveryReceipt", "IhuyiError", "SubmitResult", "TransportError", "VoiceClient", "__version__",
           "parse_answer", "parse_receipt"]
