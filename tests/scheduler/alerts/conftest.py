"""Alert fixtures: a real catalog (SQLite, and PostgreSQL when CITEWATCH_TEST_PG_URL is set) and a
real HTTP receiver on 127.0.0.1 that Apprise's json:// targets post to."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.catalog import Catalog, open_catalog
from tests.archive.catalog.backends import BACKENDS, empty_db_url
from tests.scheduler.alerts.alert_receiver import AlertClock, Receiver, running_receiver


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


@pytest.fixture(params=BACKENDS)
def alerts_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return empty_db_url(request.param, tmp_path)


@pytest.fixture
def alert_clock() -> AlertClock:
    return AlertClock()


@pytest.fixture
def alerts_catalog(alerts_db_url: str, alert_clock: AlertClock) -> Iterator[Catalog]:
    cat = open_catalog(alerts_db_url, clock=alert_clock)
    yield cat
    cat.close()
