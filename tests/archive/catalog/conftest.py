"""Catalog fixtures: a real SQLite file always; PostgreSQL too when CITEWATCH_TEST_PG_URL is set.

CITEWATCH_TEST_PG_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/citewatch_test) names a
database the tests may wipe: its public schema is dropped before every test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from archive.catalog import Catalog, open_catalog
from tests.archive.catalog.catalog_clock import T0, FakeClock

PG_URL_ENV = "CITEWATCH_TEST_PG_URL"
__all__ = ["T0", "FakeClock"]  # kept importable for older tests


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"] if os.environ.get(PG_URL_ENV) else ["sqlite"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty catalog database URL, one per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'home' / 'catalog.db'}"
    url = os.environ[PG_URL_ENV]
    _reset_postgres(url)
    return url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def catalog(db_url: str, clock: FakeClock) -> Iterator[Catalog]:
    cat = open_catalog(db_url, clock=clock)
    yield cat
    cat.close()
