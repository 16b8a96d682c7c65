"""The UI says where a source dead at ingest was recovered from (Memento in)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from archive.catalog import CaptureRecord
from archive.links.linkformat import parse_links
from archive.links.memento import http_date
from archive.warc.exchange import WrittenRecord
from archive.warc.writer import WarcWriter
from archive.web.replay import build_replay_router
from tests.archive.warc.samples import exchange
from tests.archive.web.web_site import DOWN, GONE, STATEMENT, T0, Site, site_fixture  # noqa: F401 - fixtures

MEMENTO = f"https://archive.example/web/20210601120000id_/{DOWN}"


def record_written(site: Site, written: WrittenRecord, **fields: Any) -> int:
    """Catalog a source capture of the record ``written`` (an HTML page), with ``fields``."""
    return site.catalog.record_capture(
        CaptureRecord(
            role="source",
            content_type="text/html",
            payload_digest=written.payload_digest,
            warc_name=written.warc_name,
            offset=written.offset,
            length=written.length,
            record_id=written.record_id,
            **fields,
        )
    )


def test_source_and_capture_pages_say_recovered_from_the_archive(site: Site) -> None:
    writer = WarcWriter(site.spool, fsync=False)
    dead = writer.write_exchange(exchange(DOWN, body=b"<p>Not Found</p>", at=T0, status=404))
    written = writer.write_exchange(exchange(MEMENTO, body=b"<p>The road reopened to convoys.</p>", at=T0))
    writer.close()
    source_id = site.catalog.sources_for_urls([DOWN])[0].id
    # The live page's 404 and the memento fetched right after it, in the same second.
    record_written(
        site,
        dead,
        source_id=source_id,
        url=DOWN,
        captured_at=T0 + timedelta(milliseconds=100),
        status=404,
        final_url=DOWN,
    )
    capture_id = record_written(
        site,
        written,
        source_id=source_id,
        url=DOWN,
        captured_at=T0 + timedelta(milliseconds=500),
        status=200,
        final_url=MEMENTO,
        recovered_from="Internet Archive",
        memento_datetime=datetime(2021, 6, 1, 12, tzinfo=UTC),
    )
    app = site.app()
    app.include_router(build_replay_router(engine=site.catalog.engine, read_record=site.read_record))
    with TestClient(app) as client:
        source = client.get(f"/sources/{source_id}").text
        capture = client.get(f"/captures/{capture_id}").text
        frame = re.search(r'<iframe id="replay"[^>]* src="([^"]+)"', capture)
        assert frame is not None
        replayed = client.get(html.unescape(frame.group(1)))
    # The frame plays the memento, not the dead page captured in the same second.
    assert replayed.status_code == 200 and b"The road reopened to convoys." in replayed.content
    assert 'id="recovered"' in source and "Internet Archive" in source and "2021-06-01 12:00:00 UTC" in source
    assert f'href="/captures/{capture_id}">the archive' in source
    assert 'id="recovered"' in capture and "Recovered from" in capture and MEMENTO in capture
    # The other sources were never recovered: nothing is said of them.
    other = site.catalog.sources_for_urls([STATEMENT])[0].id
    with TestClient(site.app()) as client:
        page = client.get(f"/sources/{other}")
    assert page.status_code == 200 and 'id="recovered"' not in page.text


def test_a_recovered_memento_is_not_listed_as_one_of_our_mementos(site: Site) -> None:
    writer = WarcWriter(site.spool, fsync=False)
    written = writer.write_exchange(exchange(MEMENTO, body=b"<p>The road reopened to convoys.</p>", at=T0))
    writer.close()
    source_id = site.catalog.sources_for_urls([DOWN])[0].id
    record_written(
        site,
        written,
        source_id=source_id,
        url=DOWN,
        captured_at=T0 + timedelta(seconds=1),
        status=200,
        final_url=MEMENTO,
        recovered_from="Internet Archive",
        memento_datetime=datetime(2021, 6, 1, 12, tzinfo=UTC),
    )
    with TestClient(site.app()) as client:
        timemap = client.get(f"/timemap/link/{DOWN}")
        statement = client.get(f"/timemap/link/{STATEMENT}")
    # Its only other capture is a DNS failure: we hold no memento of it (the statement's TimeMap,
    # beside it, lists its captures).
    assert statement.status_code == 200 and 'rel="first memento"' in statement.text
    assert timemap.status_code == 404


def test_the_timegate_redirects_only_to_mementos_its_timemap_lists(site: Site) -> None:
    # The press release answered 404 two days after T0; its memento, recovered from an archive,
    # was captured three seconds later: the closest capture to that moment, but none of ours.
    recovered_at = T0 + timedelta(days=2, seconds=3)
    memento = f"https://archive.example/web/20261101000000id_/{GONE}"
    writer = WarcWriter(site.spool, fsync=False)
    written = writer.write_exchange(exchange(memento, body=b"<p>Figures: 12 boats.</p>", at=recovered_at))
    writer.close()
    record_written(
        site,
        written,
        source_id=site.ids["gone"],
        url=GONE,
        captured_at=recovered_at,
        status=200,
        final_url=memento,
        recovered_from="Internet Archive",
        memento_datetime=datetime(2026, 11, 1, tzinfo=UTC),
    )
    with TestClient(site.app()) as client:
        timemap = client.get(f"/timemap/link/{GONE}")
        listed = {link.uri for link in parse_links(timemap.text) if "memento" in link.rels}
        for moment in (recovered_at, None):  # asked for its very second, and for the newest
            headers = {"Accept-Datetime": http_date(moment)} if moment else {}
            gate = client.get(f"/timegate/{GONE}", headers=headers, follow_redirects=False)
            assert gate.status_code == 302
            assert gate.headers["location"] in listed, (gate.headers["location"], listed)
    assert len(listed) == 2  # the live page of T0 and its 404: the recovered memento is not listed
