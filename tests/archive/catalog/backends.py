"""The catalog backends tests run on: SQLite always, PostgreSQL when CITEWATCH_TEST_PG_URL is set
(`tools/with-postgres.sh`, run by `make test`, starts one and sets it)."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, text

PG_URL_ENV = "CITEWATCH_TEST_PG_URL"
BACKENDS = ["sqlite", "postgresql"] if os.environ.get(PG_URL_ENV) else ["sqlite"]


def empty_db_url(backend: str, tmp_path: Path) -> str:
    """The URL of an empty catalog database on ``backend`` (PostgreSQL's schema is wiped first)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'home' / 'catalog.db'}"
    url = os.environ[PG_URL_ENV]
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    return url
