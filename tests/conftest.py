from __future__ import annotations

from datetime import UTC, datetime

import pytest

from credits_core import CreditStore


def T(text: str) -> datetime:
    """A UTC instant from an ISO string without offset (tests speak UTC, like SPEC section 3)."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def store():
    s = CreditStore.open(":memory:")
    yield s
    s.close()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "credits.duckdb"
