"""Catalog fixtures: a real SQLite file always; PostgreSQL too when CITEWATCH_TEST_PG_URL is set.

CITEWATCH_TEST_PG_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/citewatch_test) names a
database the tests may wipe: its public schema is dropped before every test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.catalog import Catalog, open_catalog
from tests.archive.catalog.backends import BACKENDS, empty_db_url
from tests.archive.catalog.catalog_clock import T0, FakeClock

__all__ = ["T0", "FakeClock"]  # kept importable for older tests


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty catalog database URL, one per backend."""
    return empty_db_url(request.param, tmp_path)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def catalog(db_url: str, clock: FakeClock) -> Iterator[Catalog]:
    cat = open_catalog(db_url, clock=clock)
    yield cat
    cat.close()
