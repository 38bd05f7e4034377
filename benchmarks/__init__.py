"""Benchmarks of hocbaso (run with ``python -m benchmarks``; not part of the test suite)."""
