"""Tests (a package, so modules are named by their path)."""
