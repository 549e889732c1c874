"""Fixtures for the conformance suite; the reference world and helpers live in `_world.py`."""

from __future__ import annotations

import pytest

from dxtra_typed.sandbox._engine import Engine


@pytest.fixture(scope="module")
def shared_engine() -> Engine:
    """For read-only tests: one seeded engine per module keeps the suite fast."""
    return Engine()


@pytest.fixture
def engine() -> Engine:
    """For tests that write: a fresh seeded in-memory database each."""
    return Engine()
