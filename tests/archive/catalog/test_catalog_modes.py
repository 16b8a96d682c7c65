"""`Catalog` modes (issue 10): the user's capture mode per source and per tag, what auto decided and
why, and a browser capture's evidence records; on SQLite and, with CITEWATCH_TEST_PG_URL, PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from archive.catalog import (
    CaptureRecord,
    Catalog,
    CitationRecord,
    InvalidValue,
    UnknownCapture,
    UnknownSource,
    open_catalog,
)
from archive.catalog.db import SCHEMA_REVISION, make_engine, migrate, schema_revisions
from archive.catalog.models import Capture, Source
from archive.catalog.views import EvidenceRecord
from tests.archive.catalog.catalog_clock import T0, FakeClock

NEWS = ["https://gov.example/a", "https://gov.example/b"]
SPORT = ["https://gov.example/b", "https://club.example/c"]  # b is cited by both
OTHER = ["https://other.example/d"]


def cite(catalog: Catalog, origin: str, urls: list[str], tags: tuple[str, ...] = ()) -> None:
    citations = [CitationRecord(u, "label", "sentence", (), n) for n, u in enumerate(urls)]
    catalog.add_article(origin=origin, title=origin, kind="markdown", citations=citations, tags=tags)


@pytest.fixture
def tagged(catalog: Catalog) -> Catalog:
    cite(catalog, "news.md", NEWS, ("news", "politics"))
    cite(catalog, "sport.md", SPORT, ("sport",))
    cite(catalog, "other.md", OTHER)
    return catalog


def modes(catalog: Catalog) -> dict[str, str]:
    return {u: catalog.source_mode(u).mode for u in NEWS + SPORT + OTHER}


def test_a_new_source_is_auto_and_captured_over_http_until_decided(tagged: Catalog) -> None:
    m = tagged.source_mode(NEWS[0])
    assert (m.url, m.mode, m.detected_mode, m.reason, m.checked_at) == (NEWS[0], "auto", None, None, None)
    assert m.effective == "http"


@pytest.mark.parametrize("mode", ["browser", "http", "auto"])
def test_set_mode_is_kept_and_touches_that_source_only(tagged: Catalog, mode: str) -> None:
    view = tagged.set_mode(NEWS[0], mode)
    assert (view.url, view.mode) == (NEWS[0], mode)
    assert tagged.source_mode(NEWS[0]) == view
    assert modes(tagged) == {u: mode if u == NEWS[0] else "auto" for u in NEWS + SPORT + OTHER}


def test_set_mode_of_an_unknown_url_changes_nothing(tagged: Catalog) -> None:
    with pytest.raises(UnknownSource, match="citewatch sources"):
        tagged.set_mode("https://unwatched.example/", "browser")
    with pytest.raises(UnknownSource):
        tagged.source_mode("https://unwatched.example/")
    assert set(modes(tagged).values()) == {"auto"}


@pytest.mark.parametrize("mode", ["chrome", "", "BROWSER", "http "])
def test_an_invalid_mode_is_refused_and_changes_nothing(tagged: Catalog, mode: str) -> None:
    with pytest.raises(InvalidValue, match=re.escape("expected auto | http | browser")):
        tagged.set_mode(NEWS[0], mode)
    with pytest.raises(InvalidValue):
        tagged.set_mode_for_tag("news", mode)
    assert set(modes(tagged).values()) == {"auto"}


def test_set_mode_for_tag_sets_the_sources_of_tagged_articles_only(tagged: Catalog) -> None:
    views = tagged.set_mode_for_tag("sport", "browser")
    assert sorted(v.url for v in views) == sorted(SPORT)
    assert all(v.mode == "browser" and v.effective == "browser" for v in views)
    assert [v.source_id for v in views] == sorted(v.source_id for v in views)
    assert modes(tagged) == {
        NEWS[0]: "auto",
        "https://gov.example/b": "browser",
        "https://club.example/c": "browser",
        OTHER[0]: "auto",
    }
    # A tag among several of an article counts; a tag nobody has sets nothing.
    assert sorted(v.url for v in tagged.set_mode_for_tag("politics", "http")) == sorted(NEWS)
    assert tagged.source_mode("https://gov.example/b").mode == "http"
    assert tagged.source_mode("https://club.example/c").mode == "browser"
    assert tagged.set_mode_for_tag("nobody", "browser") == []
    assert tagged.set_mode_for_tag("new", "browser") == []  # a prefix of "news" is another tag
    assert tagged.source_mode(OTHER[0]).mode == "auto"


def test_modes_for_tag_reads_without_changing(tagged: Catalog) -> None:
    tagged.set_mode(SPORT[1], "browser")
    views = tagged.modes_for_tag("sport")
    assert [(v.url, v.mode) for v in views] == [("https://gov.example/b", "auto"), (SPORT[1], "browser")]
    assert tagged.modes_for_tag("nobody") == []
    assert set(modes(tagged).values()) == {"auto", "browser"}


def test_a_mode_decision_keeps_its_reason_and_time(tagged: Catalog, clock: FakeClock) -> None:
    source_id = tagged.source_mode(NEWS[0]).source_id
    clock.advance(hours=1)
    view = tagged.record_mode_decision(source_id, "browser", "main text empty, 3 scripts")
    assert view == tagged.source_mode(NEWS[0])
    assert (view.mode, view.detected_mode, view.reason) == ("auto", "browser", "main text empty, 3 scripts")
    assert view.checked_at == T0 + timedelta(hours=1)
    assert view.effective == "browser"
    # The user's choice wins over the decision, which is kept for when they go back to auto.
    assert tagged.set_mode(NEWS[0], "http").effective == "http"
    back = tagged.set_mode(NEWS[0], "auto")
    assert (back.effective, back.reason, back.checked_at) == (
        "browser",
        "main text empty, 3 scripts",
        T0 + timedelta(hours=1),
    )
    later = T0 + timedelta(days=30)
    again = tagged.record_mode_decision(source_id, "http", "server-rendered now", now=later)
    assert (again.effective, again.reason, again.checked_at) == ("http", "server-rendered now", later)


def test_a_mode_decision_is_http_or_browser_for_a_known_source(tagged: Catalog) -> None:
    source_id = tagged.source_mode(NEWS[0]).source_id
    with pytest.raises(InvalidValue):
        tagged.record_mode_decision(source_id, "auto", "auto is not a decision")
    with pytest.raises(UnknownSource):
        tagged.record_mode_decision(source_id + 1000, "browser", "x")
    with pytest.raises(InvalidValue):
        tagged.record_mode_decision(source_id, "browser", "x", now=T0.replace(tzinfo=None))
    assert tagged.source_mode(NEWS[0]).detected_mode is None


def test_source_modes_by_id_leave_unknown_ids_out(tagged: Catalog) -> None:
    a, c = tagged.source_mode(NEWS[0]), tagged.source_mode(SPORT[1])
    tagged.set_mode(SPORT[1], "browser")
    got = tagged.source_modes([a.source_id, c.source_id, 99999])
    assert set(got) == {a.source_id, c.source_id}
    assert got[c.source_id].effective == "browser" and got[a.source_id].effective == "http"
    assert tagged.source_modes([]) == {}


def evidence(kind: str, offset: int, **extra: object) -> EvidenceRecord:
    return EvidenceRecord(
        kind=kind,
        content_type="image/png" if kind == "screenshot" else "text/plain",
        warc_name="cw-1.warc.gz",
        offset=offset,
        length=100 + offset,
        record_id=f"<urn:uuid:{kind}>",
        digest="ab" * 32,
        size=1000 + offset,
        **extra,  # type: ignore[arg-type]
    )


def browser_capture(catalog: Catalog, url: str, rid: str) -> int:
    source_id = catalog.source_mode(url).source_id
    return catalog.record_capture(
        CaptureRecord(
            role="source", url=url, captured_at=T0, source_id=source_id, record_id=rid, mode="browser"
        )
    )


def test_evidence_is_recorded_once_per_kind_and_read_back(tagged: Catalog) -> None:
    first = browser_capture(tagged, NEWS[0], "<urn:uuid:1>")
    second = browser_capture(tagged, NEWS[1], "<urn:uuid:2>")
    shot = evidence("screenshot", 10, width=1280, height=4000)
    ids = tagged.record_evidence(first, [shot, evidence("text", 20)])
    assert len(set(ids)) == 2
    # Recording again (a retry) keeps the first records and adds the new kind only.
    again = tagged.record_evidence(
        first, [evidence("screenshot", 999), evidence("text", 998), evidence("dom", 30)]
    )
    assert again[:2] == ids and again[2] not in ids
    assert tagged.record_evidence(first, []) == []
    tagged.record_evidence(second, [evidence("metadata", 40)])

    got = tagged.evidence_for([first, second, 12345])
    assert set(got) == {first, second}
    assert set(got[first]) == {"screenshot", "text", "dom"} and set(got[second]) == {"metadata"}
    view = got[first]["screenshot"]
    assert (view.capture_id, view.offset, view.width, view.height, view.size) == (first, 10, 1280, 4000, 1010)
    assert (view.kind, view.content_type, view.record_id, view.digest) == (
        "screenshot", "image/png", "<urn:uuid:screenshot>", "ab" * 32,
    )  # fmt: skip
    assert got[first]["text"].offset == 20  # not the retry's 998
    assert tagged.get_evidence(view.id) == view
    assert tagged.get_evidence(view.id + 1000) is None
    assert tagged.evidence_for([]) == {}


def test_evidence_of_an_unknown_capture_or_kind_is_refused(tagged: Catalog) -> None:
    capture_id = browser_capture(tagged, NEWS[0], "<urn:uuid:1>")
    with pytest.raises(UnknownCapture):
        tagged.record_evidence(capture_id + 1000, [evidence("text", 1)])
    with pytest.raises(InvalidValue, match="evidence kind"):
        tagged.record_evidence(capture_id, [evidence("text", 1), evidence("video", 2)])
    assert tagged.evidence_for([capture_id]) == {}  # all or nothing


def test_a_capture_mode_outside_http_and_browser_is_refused(tagged: Catalog) -> None:
    source_id = tagged.source_mode(NEWS[0]).source_id
    with pytest.raises(InvalidValue, match="capture mode"):
        tagged.record_capture(
            CaptureRecord(role="source", url=NEWS[0], captured_at=T0, source_id=source_id, mode="auto")
        )
    assert tagged.latest_capture(source_id) is None


def test_sources_listing_carries_the_modes(tagged: Catalog) -> None:
    tagged.set_mode(NEWS[0], "browser")
    decided = tagged.source_mode(SPORT[1]).source_id
    tagged.record_mode_decision(decided, "browser", "noscript asks for JavaScript")
    listed = {s.url: s for s in tagged.iter_sources()}
    assert (listed[NEWS[0]].mode, listed[NEWS[0]].detected_mode, listed[NEWS[0]].effective_mode) == (
        "browser", None, "browser",
    )  # fmt: skip
    assert (listed[SPORT[1]].mode, listed[SPORT[1]].detected_mode, listed[SPORT[1]].effective_mode) == (
        "auto", "browser", "browser",
    )  # fmt: skip
    assert listed[SPORT[1]].mode_reason == "noscript asks for JavaScript"
    assert (listed[OTHER[0]].mode, listed[OTHER[0]].effective_mode) == ("auto", "http")


def test_a_catalog_at_0005_is_upgraded_with_auto_sources_and_http_captures(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine, "0005")
        with engine.begin() as conn:
            # At 0005 the models' tables have columns the database lacks yet: spell the rows out.
            source_id = conn.execute(
                text(
                    "INSERT INTO source (url, created_at, state, consecutive_failures, paused, ignore_rules)"
                    " VALUES ('https://gov.example/old', :t, 'live', 0, false, '{}') RETURNING id"
                ),
                {"t": T0},
            ).scalar_one()
            capture_id = conn.execute(
                text(
                    "INSERT INTO capture (source_id, role, url, captured_at, status, record_type, redirects,"
                    " judge_attempts) VALUES (:s, 'source', 'https://gov.example/old', :t, 200, 'response',"
                    " '[]', 0) RETURNING id"
                ),
                {"s": source_id, "t": T0},
            ).scalar_one()
        assert schema_revisions(engine) == ["0005"]
    finally:
        engine.dispose()
    catalog = open_catalog(db_url, clock=FakeClock())
    try:
        assert schema_revisions(catalog.engine) == [SCHEMA_REVISION]
        m = catalog.source_mode("https://gov.example/old")
        assert (m.source_id, m.mode, m.detected_mode, m.reason, m.checked_at) == (
            source_id,
            "auto",
            None,
            None,
            None,
        )
        assert m.effective == "http"
        with catalog.engine.connect() as conn:
            assert conn.execute(select(Capture.mode).where(Capture.id == capture_id)).scalar_one() == "http"
            assert conn.execute(select(Source.state).where(Source.id == source_id)).scalar_one() == "live"
        # The new table works on the upgraded catalog.
        (eid,) = catalog.record_evidence(capture_id, [evidence("screenshot", 5)])
        assert catalog.evidence_for([capture_id])[capture_id]["screenshot"].id == eid
        with catalog.engine.begin() as conn:  # the column's server default, as the migration left it
            conn.execute(
                text("INSERT INTO source (url, created_at) VALUES ('https://gov.example/new', :t)"), {"t": T0}
            )
        assert catalog.source_mode("https://gov.example/new").mode == "auto"
    finally:
        catalog.close()


def test_sources_to_check_are_auto_captured_since_and_undecided_or_stale_http(
    tagged: Catalog, clock: FakeClock
) -> None:
    ids = {u: tagged.source_mode(u).source_id for u in NEWS + SPORT + OTHER}
    for url in ids:
        tagged.record_capture(
            CaptureRecord(role="source", url=url, captured_at=T0, source_id=ids[url], status=200)
        )
    start = T0 - timedelta(minutes=1)
    stale_before = T0 - timedelta(days=30)
    # b: decided http long ago (stale); c: decided http lately; d: decided browser long ago
    # (a browser source is checked again by its own captures); a: undecided but forced to http.
    tagged.record_mode_decision(ids[NEWS[1]], "http", "old", now=T0 - timedelta(days=40))
    tagged.record_mode_decision(ids[SPORT[1]], "http", "fresh", now=T0 - timedelta(days=1))
    tagged.record_mode_decision(ids[OTHER[0]], "browser", "old", now=T0 - timedelta(days=40))
    assert {s.url for s in tagged.sources_to_check(captured_since=start, stale_before=stale_before)} == {
        NEWS[0],
        NEWS[1],
    }
    tagged.set_mode(NEWS[0], "http")
    found = tagged.sources_to_check(captured_since=start, stale_before=stale_before)
    assert [s.url for s in found] == [NEWS[1]]
    # Not captured since the crawl began: not looked at.
    assert tagged.sources_to_check(captured_since=T0 + timedelta(seconds=1), stale_before=stale_before) == []
    # Paged by id.
    assert (
        tagged.sources_to_check(captured_since=start, stale_before=stale_before, after_id=ids[NEWS[1]]) == []
    )
