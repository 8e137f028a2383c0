"""What server and client share about the wire: answers rendered and parsed, request bytes read
into parameters, dynamic passwords. Nothing here does any I/O or holds any state, and nothing
imports from outside ``wire/`` but the exceptions."""
