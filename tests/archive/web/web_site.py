"""A small real archive for the browsing UI tests: a SQLite catalog (or PostgreSQL, for the tests
that take ``site_on_backend``) and WARC records in tmp_path.

Imported by path (``tests.archive.web.web_site``): fixtures live here, not in a conftest, so the
replay tests next door keep their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from archive.catalog import (
    CaptureRecord,
    CaptureView,
    Catalog,
    ChangeRecord,
    CitationRecord,
    Redirect,
    open_catalog,
)
from archive.warc.exchange import FetchFailure, WrittenRecord
from archive.warc.reader import read_record as parse_record
from archive.warc.writer import WarcWriter
from archive.web import create_app
from tests.archive.catalog.backends import BACKENDS, empty_db_url
from tests.archive.warc.samples import exchange

T0 = datetime(2026, 11, 20, 9, 0, 0, tzinfo=UTC)
TOKEN = "s3cret-operator-token"
# The UI's configured address: the test client's host, so absolute links can be checked.
BASE_URL = "http://testserver/"
XSS = "<script>alert(1)</script>"
QUOTE = "We will act within 30 days"
STATEMENT = "http://gov.example/statement"
GONE = "http://gov.example/gone"
MOVED = "http://gov.example/moved"
DOWN = "http://down.example/page"
FRESH = "http://news.example/fresh"
FILLERS = 30
# A distributed deployment's status as `citewatch.status` reports it (the real thing, over Redis:
# tests/citewatch/test_citewatch_status.py).
STATUS: dict[str, Any] = {
    "checked_at": "2026-11-30T09:00:00+00:00",
    "redis": "redis://redis.internal:6379/0",
    "queue": 12,
    "leased": 3,
    "expired": 1,
    "overdue": 7,
    "dispatcher": {"owner": "daemon-a", "ttl_seconds": 21.5},
    "workers": [
        {
            "id": "w1",
            "host": "crawl-1",
            "pid": 10,
            "seen_at": "2026-11-30T08:59:58+00:00",
            "age_seconds": 2.0,
            "captured": 40,
            "state": "crawling",
            "started_at": None,
            "round": 2,
            "round_started_at": None,
        },
    ],
    "hosts": [{"host": "gov.example", "requests_this_minute": 3, "requests_last_minute": 20}],
    "host_count": 1,
}


def page(*paragraphs: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html><head><title>Statement</title></head><body><main>{body}</main></body></html>".encode()


V1 = page(
    f"The minister said: {QUOTE} to protect the coast.",
    "The budget for the programme is 5 million euros.",
    "Further details will follow next week.",
)
V2 = page(
    "The minister said the government will consider acting to protect the coast.",
    "The budget for the programme is 5 million euros.",
    "Further details will follow next week.",
)


@dataclass
class Site:
    """The catalog, its spool and the ids the tests look at."""

    catalog: Catalog
    spool: Path
    ids: dict[str, int] = field(default_factory=dict)
    clock: Callable[[], datetime] = lambda: T0 + timedelta(days=10)

    def read_record(self, capture: CaptureView) -> bytes | None:
        """The capture's gzip member, by a ranged read of its WARC in the spool."""
        if capture.warc_name is None or capture.offset is None or capture.length is None:
            return None
        path = self.spool / capture.warc_name
        if not path.exists():
            path = self.spool / f"{capture.warc_name}.open"
        with path.open("rb") as f:
            f.seek(capture.offset)
            return f.read(capture.length)

    def read_payload(self, capture: CaptureView) -> bytes | None:
        """The capture's HTTP payload (the link-health reports read it)."""
        data = self.read_record(capture)
        return parse_record(data).payload if data else None

    def app(
        self,
        *,
        admin_token: str | None = TOKEN,
        submit_ingest: Callable[[str], None] | None = None,
        cluster_status: Callable[[], dict[str, Any]] | None = lambda: STATUS,
    ) -> FastAPI:
        return create_app(
            catalog=self.catalog,
            read_record=self.read_record,
            read_payload=self.read_payload,
            admin_token=admin_token,
            submit_ingest=submit_ingest,
            cluster_status=cluster_status,
            clock=self.clock,
            base_url=BASE_URL,
        )


def _record(
    catalog: Catalog,
    source_id: int,
    url: str,
    written: WrittenRecord,
    at: datetime,
    *,
    status: int | None,
    **extra: object,
) -> int:
    return catalog.record_capture(
        CaptureRecord(
            role="source",
            source_id=source_id,
            url=url,
            captured_at=at,
            status=status,
            content_type="text/html; charset=utf-8" if status is not None else None,
            record_type=written.record_type,
            payload_digest=written.payload_digest,
            warc_name=written.warc_name,
            offset=written.offset,
            length=written.length,
            record_id=written.record_id,
            **extra,  # type: ignore[arg-type]
        )
    )


def build_site(tmp_path: Path, db_url: str | None = None) -> Site:
    """Articles citing five sources: edited (with a revisit), deleted, redirected, unreachable, pending.

    The catalog is a SQLite file in ``tmp_path`` unless ``db_url`` names an empty database.
    """
    catalog = open_catalog(db_url or f"sqlite:///{tmp_path / 'catalog.db'}", clock=lambda: T0)
    spool = tmp_path / "spool"
    writer = WarcWriter(spool, fsync=False)
    site = Site(catalog, spool)
    main = catalog.add_article(
        origin="https://paper.example/coast",
        title="Coast plan: the minister's promise",
        kind="html",
        tags=["politics", "coast"],
        citations=[
            CitationRecord(STATEMENT, "the statement", f"The minister promised: “{QUOTE}”.", (QUOTE,), 0),
            CitationRecord(GONE, "a press release", "A press release gave the figures.", (), 1),
            CitationRecord(MOVED, "the plan", "The plan was published.", (), 2),
            CitationRecord(DOWN, "a briefing", "A briefing said so.", (), 3),
            CitationRecord(FRESH, "a report", "A report followed.", (), 4),
        ],
    )
    xss = catalog.add_article(
        origin="https://evil.example/x",
        title=XSS,
        kind="html",
        tags=["xss"],
        citations=[CitationRecord(STATEMENT, XSS, f"He said {XSS}", (XSS,), 0)],
    )
    for n in range(FILLERS):
        catalog.add_article(origin=f"https://paper.example/filler/{n}", title=f"Filler {n}", kind="html",
                            tags=["filler"], citations=[])  # fmt: skip
    sources = {s.url: s.id for s in catalog.list_sources()}
    site.ids.update(article=main.id, xss_article=xss.id, statement=sources[STATEMENT], gone=sources[GONE],
                    moved=sources[MOVED], down=sources[DOWN], fresh=sources[FRESH])  # fmt: skip

    # The statement: captured, revisited unchanged, then edited (the quote is gone).
    sid = sources[STATEMENT]
    first = writer.write_exchange(exchange(STATEMENT, body=V1, at=T0))
    site.ids["v1"] = _record(catalog, sid, STATEMENT, first, T0, status=200, body_length=len(V1))
    assert first.payload_digest is not None
    revisit = writer.write_revisit(
        exchange(STATEMENT, body=V1, at=T0 + timedelta(days=1)),
        refers_to_uri=STATEMENT,
        refers_to_date=T0,
        refers_to_record_id=first.record_id,
        payload_digest=first.payload_digest,
    )
    site.ids["revisit"] = _record(catalog, sid, STATEMENT, revisit, T0 + timedelta(days=1), status=200)
    second = writer.write_exchange(exchange(STATEMENT, body=V2, at=T0 + timedelta(days=2)))
    site.ids["v2"] = _record(catalog, sid, STATEMENT, second, T0 + timedelta(days=2), status=200)
    site.ids["edited"] = catalog.record_change(
        ChangeRecord(sid, "edited", T0 + timedelta(days=2), site.ids["revisit"], site.ids["v2"],
                     summary="The minister's promise was rewritten", removed=(QUOTE,),
                     removed_quotes=(QUOTE,))
    )  # fmt: skip
    catalog.set_source_state(sid, "edited")

    # The press release: there, then 404.
    gid = sources[GONE]
    ok = writer.write_exchange(exchange(GONE, body=page("Figures: 12 boats."), at=T0))
    site.ids["gone_ok"] = _record(catalog, gid, GONE, ok, T0, status=200)
    missing = writer.write_exchange(exchange(GONE, status=404, body=b"not here", at=T0 + timedelta(days=2)))
    site.ids["gone_404"] = _record(catalog, gid, GONE, missing, T0 + timedelta(days=2), status=404)
    site.ids["deleted"] = catalog.record_change(
        ChangeRecord(gid, "deleted", T0 + timedelta(days=3), site.ids["gone_ok"], site.ids["gone_404"],
                     summary=f"Gone (404) {XSS}")
    )  # fmt: skip
    catalog.set_source_state(gid, "deleted")

    # The plan: moved elsewhere (redirect chain recorded on the capture).
    mid = sources[MOVED]
    moved = writer.write_exchange(exchange("http://gov.example/plans/new", body=page("The plan."), at=T0))
    site.ids["moved_capture"] = _record(
        catalog, mid, MOVED, moved, T0, status=200, final_url="http://gov.example/plans/new",
        redirects=(Redirect(MOVED, 301),),
    )  # fmt: skip
    catalog.set_source_state(mid, "redirected")

    # The briefing: the host does not resolve.
    did = sources[DOWN]
    failed = writer.write_failure(FetchFailure(DOWN, "dns", "DNS lookup failed: no such host", T0))
    site.ids["down_capture"] = _record(catalog, did, DOWN, failed, T0, status=None, error_kind="dns",
                               error="DNS lookup failed: no such host")  # fmt: skip
    catalog.set_source_state(did, "unreachable")
    writer.close()

    alert = catalog.create_alert(
        site.ids["edited"],
        title="edited — statement",
        text="quote removed",
        targets=["json://hooks.example/notify?token=abcdef1234567890", "mailto://user:hunter2@mail.example"],
    )
    assert alert is not None
    site.ids["alert"] = alert
    return site


@pytest.fixture(name="site")
def site_fixture(tmp_path: Path) -> Iterator[Site]:
    built = build_site(tmp_path)
    yield built
    built.catalog.close()


@pytest.fixture(name="site_on_backend", params=BACKENDS)
def site_on_backend_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    """The same site on every catalog backend: SQLite, and PostgreSQL when CITEWATCH_TEST_PG_URL is
    set (`tools/with-postgres.sh`), whose types and text rules differ (32-bit ids, no NUL)."""
    built = build_site(tmp_path, empty_db_url(request.param, tmp_path))
    yield built
    built.catalog.close()


@pytest.fixture(name="client")
def client_fixture(site: Site) -> Iterator[TestClient]:
    with TestClient(site.app()) as test_client:
        yield test_client
