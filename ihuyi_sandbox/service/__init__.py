"""The emulated service: state and its records, scenarios and their matching, faults, and the
backend that answers each call; no HTTP, no SQL, and no product named (products are found in
the registry, ``products.py``). It talks to storage through the protocols of ``stores.py``."""
