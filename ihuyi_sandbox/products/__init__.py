"""One unit per product of the family: its parameters, checks and their order, codes table,
answer shapes and receipts. A unit imports ``wire/`` and the service's records and product
interface, never another unit, storage, HTTP or serving; its ``codes``, ``answers`` and
``receipts`` modules import ``wire/`` only, so that the client can read them.

Adding a product is adding a folder beside ``voice/`` whose ``product.py`` declares a
:class:`~ihuyi_sandbox.service.products.Product`; the registry finds it.
"""
