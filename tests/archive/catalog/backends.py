"""The catalog backends tests run on: SQLite always, PostgreSQL when CITEWATCH_TEST_PG_URL is set
(`tools/with-postgres.sh`, run by `make test`, starts one and sets it).

Under pytest-xdist every worker gets a database of its own (``<name>_<worker>``, created on first
use in the same server), since each test wipes the schema of the database it is given.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

PG_URL_ENV = "CITEWATCH_TEST_PG_URL"
BACKENDS = ["sqlite", "postgresql"] if os.environ.get(PG_URL_ENV) else ["sqlite"]


@cache
def worker_pg_url(url: str, worker: str | None) -> str:
    """``url`` itself outside xdist; else the URL of this worker's database, created if missing."""
    if not worker:
        return url
    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if (
                conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
                is None
            ):
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def empty_db_url(backend: str, tmp_path: Path) -> str:
    """The URL of an empty catalog database on ``backend`` (PostgreSQL's schema is wiped first)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'home' / 'catalog.db'}"
    url = worker_pg_url(os.environ[PG_URL_ENV], os.environ.get("PYTEST_XDIST_WORKER"))
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    return url
