"""Tests of the issuance ledger (a package so helper imports resolve for pytest and mypy)."""
