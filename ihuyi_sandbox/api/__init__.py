"""HTTP surfaces (moto's *responses* layer): parse the request, call the backend, render."""
