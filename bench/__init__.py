"""Benchmark: ihuyi-sandbox against WireMock standalone, both journaling every request."""
