"""Alert fixtures: a real catalog (SQLite, and PostgreSQL when CITEWATCH_TEST_PG_URL is set) and a
real HTTP receiver on 127.0.0.1 that Apprise's json:// targets post to."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from archive.catalog import Catalog, open_catalog
from tests.scheduler.alerts.alert_receiver import AlertClock, Receiver, running_receiver

PG_URL_ENV = "CITEWATCH_TEST_PG_URL"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as rec:
        yield rec


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    # requests (inside Apprise) honours proxy variables; the receiver is on loopback, reach it directly.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"] if os.environ.get(PG_URL_ENV) else ["sqlite"])
def alerts_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'home' / 'catalog.db'}"
    url = os.environ[PG_URL_ENV]
    _reset_postgres(url)
    return url


@pytest.fixture
def alert_clock() -> AlertClock:
    return AlertClock()


@pytest.fixture
def alerts_catalog(alerts_db_url: str, alert_clock: AlertClock) -> Iterator[Catalog]:
    cat = open_catalog(alerts_db_url, clock=alert_clock)
    yield cat
    cat.close()
