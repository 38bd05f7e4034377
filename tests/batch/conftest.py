"""Fixtures for the batch tests."""

from __future__ import annotations

import pytest

from tests.batch.batch_records import make_record


@pytest.fixture
def records() -> list[bytes]:
    """300 deterministic records."""
    return [make_record(i) for i in range(300)]
