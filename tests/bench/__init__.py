"""Benchmarks: scripts printing a table and RESULT lines, run by `make bench`, never by pytest."""
