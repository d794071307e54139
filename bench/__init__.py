"""Benchmarks: scripts that print a table. Not run by `make test`."""
