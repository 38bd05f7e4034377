"""Fixtures of the conformance-kit tests."""

from __future__ import annotations

import pytest

from hocbaso.conformance import Manifest, load_manifest


@pytest.fixture(scope="session")
def manifest() -> Manifest:
    """The bundled vector manifest."""
    return load_manifest()
