"""ihuyi-sandbox: a local, byte-faithful sandbox of the ihuyi (互亿无线) voice verification-code API."""

__version__ = "0.1.0"
