"""The HTTP surfaces: each product's provider API (RSGI, on the event loop), the sandbox's own
``/_sandbox/`` API and the web inbox (Flask, under the RSGI bridge), and the application that
puts them together. They parse, call the backend and render; no state of their own, and they
start no process."""
