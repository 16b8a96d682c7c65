"""`citewatch reindex` rebuilds the catalog's captures and sources from the WARC files alone.

An article page served by the local site is ingested by URL: its own page (role article), the
sources it cites (a page with requisites, a redirect chain, a 404, a refused connection) and
the requisites are captured, and the WARCs are uploaded to the store.  Then the catalog is
deleted, and `citewatch reindex` must give back every capture row as it was (record by record:
URL, status, record, offsets, digests, redirects, parent page, source) and every source; run
again, it adds nothing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.fixtures.site import TestSite
from tests.integration.conftest import Citewatch

CAPTURES = """
SELECT c.role, c.url, c.final_url, c.status, c.record_type, c.payload_digest, c.warc_name, c.offset,
       c.length, c.error_kind, c.record_id, c.body_length, c.content_type, c.captured_at,
       s.url, p.record_id, c.redirects
FROM capture c LEFT JOIN source s ON s.id = c.source_id LEFT JOIN capture p ON p.id = c.parent_id
ORDER BY c.record_id
"""


def rows(home: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(home / "catalog.db") as conn:
        return conn.execute(query).fetchall()


@pytest.mark.parametrize("warc_max_mb", [None, 0.000001], ids=["one-file", "a-file-per-record"])
def test_reindex_rebuilds_a_deleted_catalog(
    tmp_path: Path, site: TestSite, cw: Citewatch, warc_max_mb: float | None
) -> None:
    # With files rolled over at every chance, a capture's note must still land in its record's
    # file (the writer holds the roll back until it is written): reindex reads them together.
    if warc_max_mb is not None:
        cw.config(warc_max_mb=warc_max_mb)
    site.robots_txt = "User-agent: *\nAllow: /\n"
    cited = [site.url("/"), site.url("/redirect/chain"), site.url("/status/404"), "http://127.0.0.1:9/gone"]
    links = "".join(f'<li><a href="{u}">source {n}</a></li>' for n, u in enumerate(cited))
    site.set_page(
        "/article", f"<html><head><title>Article</title></head><body><ul>{links}</ul></body></html>"
    )
    cw.json("ingest", site.url("/article"))
    before = rows(cw.home, CAPTURES)
    roles = sorted({r[0] for r in before})
    assert roles == ["article", "probe", "requisite", "source"], roles
    assert any(r[15] is not None for r in before)  # requisites linked to their page
    assert any(r[16] not in (None, "[]") for r in before)  # a redirect chain
    assert any(r[9] == "refused" for r in before)  # a failure record
    sources = rows(cw.home, "SELECT url, last_status, last_captured_at FROM source ORDER BY url")
    assert not list((cw.home / "spool").glob("*.warc.gz*"))  # uploaded: reindex reads the store

    for leftover in cw.home.glob("catalog.db*"):
        leftover.unlink()
    first = cw.json("reindex")
    assert first["added"] == len(before) == first["records"] - first["skipped"], first
    assert first["skipped"] >= 1  # the robots.txt the crawl fetched to obey it
    assert first["warcs"] >= 1 and first["sources_added"] == len(cited)
    if warc_max_mb is not None:
        assert first["warcs"] >= 5, first
    assert rows(cw.home, CAPTURES) == before
    assert rows(cw.home, "SELECT url, last_status, last_captured_at FROM source ORDER BY url") == sources
    stored = rows(cw.home, "SELECT count(*) FROM warc_file WHERE state = 'stored' AND sha256 IS NOT NULL")
    assert stored[0][0] == first["warcs"]

    again = cw.json("reindex")
    assert again["added"] == 0 and again["known"] == len(before), again
    assert rows(cw.home, CAPTURES) == before
    # The rebuilt catalog is a working one: the next crawl judges every capture put back.
    cw.json("crawl", "--all")
    assert rows(cw.home, "SELECT count(*) FROM capture WHERE role = 'source' AND judged_at IS NULL") == [(0,)]


def statement(number: int) -> str:
    return (
        "<html><head><title>Statement</title></head><body><main><h1>Statement</h1>"
        f"<p>The ministry evacuated {number} civilians from the district on 3 May.</p>"
        "<p>An independent investigation will report within 30 days.</p></main></body></html>"
    )


def test_changes_of_a_lost_catalog_come_back_as_the_past_without_alerts(
    site: TestSite, cw: Citewatch
) -> None:
    site.robots_txt = "User-agent: *\nAllow: /\n"
    cw.config(autothrottle=False, download_timeout=3.0, alert_urls=["json://127.0.0.1:9/hook"])
    site.set_page("/statement", statement(1200))
    site.set_page("/article", f'<html><body><a href="{site.url("/statement")}">statement</a></body></html>')
    cw.json("ingest", site.url("/article"))
    site.set_page("/statement", statement(120))
    assert cw.json("crawl", "--all")["changes"] == 1
    [original] = cw.json("changes")
    assert len(cw.json("alerts")) == 1

    for leftover in cw.home.glob("catalog.db*"):
        leftover.unlink()
    assert cw.json("reindex")["changes"] == 1
    # The edit is found again, dated when it was captured, and alerts no one a second time...
    [found] = cw.json("changes")
    assert (found["url"], found["kind"]) == (original["url"], original["kind"])
    assert found["detected_at"] <= original["detected_at"]
    assert cw.json("alerts") == []
    # ...and the next crawl compares with the newest capture: nothing new, nothing sent.
    assert cw.json("crawl", "--all")["changes"] == 0
    assert cw.json("alerts") == []
