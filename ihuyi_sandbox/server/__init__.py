"""Processes: serving the app with granian (ports, workers, signals), the receipt dispatcher that
pushes to integrators, and the ``ihuyi-sandbox`` command. The only layer that starts or stops
anything; nothing below it imports it."""
