"""The catalog's change log, alerts and deliveries, probes, ignore rules, against a real database."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from archive.catalog import (
    ArticleRef,
    CaptureRecord,
    Catalog,
    ChangeRecord,
    CitationRecord,
    CitingArticle,
    InvalidValue,
    UnknownArticle,
    UnknownCapture,
    UnknownChange,
    UnknownDelivery,
    UnknownSource,
    open_catalog,
)
from archive.catalog.db import make_engine, migrate
from tests.archive.catalog.catalog_clock import T0, FakeClock

A, B = "https://gov.example/a", "https://gov.example/b"
HOOK = "json://user:s3cret@127.0.0.1:9/hook"


def cite(url: str, *quotes: str) -> CitationRecord:
    return CitationRecord(url, "label", f"sentence citing {url}", quotes, 0)


def sid_of(catalog: Catalog, url: str) -> int:
    [ref] = catalog.sources_for_urls([url])
    return ref.id


def capture(catalog: Catalog, url: str, at: datetime, **kw: Any) -> int:
    kw.setdefault("status", 200)
    kw.setdefault("role", "source")
    if kw["role"] in ("source", "probe"):
        kw.setdefault("source_id", sid_of(catalog, url))
    return catalog.record_capture(CaptureRecord(url=url, captured_at=at, **kw))


def a_change(catalog: Catalog, kind: str = "edited", at: datetime = T0) -> int:
    """A source A with two captures and one recorded change between them."""
    if not catalog.sources_for_urls([A]):
        catalog.add_article(origin="one.md", title="One", kind="markdown", citations=[cite(A, "q")])
    before = capture(catalog, A, at - timedelta(hours=1))
    after = capture(catalog, A, at)
    return catalog.record_change(ChangeRecord(sid_of(catalog, A), kind, at, before, after, "s"))


# -- captures: record ids, probes, lookups --------------------------------------------------


def test_record_id_round_trips(catalog: Catalog) -> None:
    catalog.add_article(origin="o", title="t", kind="text", citations=[cite(A)])
    cid = capture(catalog, A, T0, record_id="<urn:uuid:12345678-1234-5678-1234-567812345678>")
    view = catalog.get_capture(cid)
    assert view is not None and view.record_id == "<urn:uuid:12345678-1234-5678-1234-567812345678>"


def test_probe_captures_do_not_touch_the_source(catalog: Catalog) -> None:
    catalog.add_article(origin="o", title="t", kind="text", citations=[cite(A)])
    sid = sid_of(catalog, A)
    probe = catalog.record_capture(
        CaptureRecord(
            role="probe", source_id=sid, url="https://gov.example/cw-probe-x1y2", captured_at=T0, status=200
        )
    )
    [summary] = catalog.list_sources()
    assert (summary.state, summary.captures, summary.last_status, summary.last_captured_at) == (
        "pending",
        0,
        None,
        None,
    )
    assert catalog.captures_for(A) == []
    assert catalog.latest_source_capture(sid) is None and catalog.latest_capture(sid) is None
    view = catalog.get_capture(probe)
    assert view is not None and (view.role, view.source_id) == ("probe", sid)
    with pytest.raises(InvalidValue, match="source_id"):
        catalog.record_capture(CaptureRecord(role="probe", url=A, captured_at=T0))


def test_latest_source_capture_before_a_capture(catalog: Catalog) -> None:
    catalog.add_article(origin="o", title="t", kind="text", citations=[cite(A)])
    sid = sid_of(catalog, A)
    first = capture(catalog, A, T0)
    same_time = capture(catalog, A, T0)
    third = capture(catalog, A, T0 + timedelta(days=1))
    capture(catalog, A, T0 + timedelta(days=2), role="probe")
    late_recorded_old = capture(catalog, A, T0 - timedelta(days=1))

    def latest(before_id: int | None = None) -> int | None:
        view = catalog.latest_source_capture(sid, before_id=before_id)
        return None if view is None else view.id

    assert latest() == third
    assert latest(third) == same_time
    assert latest(same_time) == first
    assert latest(first) == late_recorded_old
    assert latest(late_recorded_old) is None
    assert catalog.latest_source_capture(999) is None
    with pytest.raises(UnknownCapture):
        catalog.latest_source_capture(sid, before_id=12345)


def test_latest_capture_for_url_any_role_with_a_payload(catalog: Catalog) -> None:
    catalog.add_article(origin="o", title="t", kind="text", citations=[cite(A)])
    css = "https://gov.example/style.css"
    page = capture(catalog, A, T0)
    old_css = capture(catalog, css, T0, role="requisite", parent_id=page)
    revisit = capture(
        catalog, css, T0 + timedelta(hours=1), role="requisite", parent_id=page, record_type="revisit"
    )
    capture(
        catalog, css, T0 + timedelta(hours=2), role="requisite", parent_id=page, status=None,
        record_type="metadata", error_kind="timeout",
    )  # fmt: skip
    found = catalog.latest_capture_for_url(css)
    assert found is not None and found.id == revisit and found.id != old_css
    found_page = catalog.latest_capture_for_url(A)
    assert found_page is not None and found_page.id == page
    assert catalog.latest_capture_for_url("https://gov.example/never") is None


# -- sources and articles -------------------------------------------------------------------


def test_ignore_rules(catalog: Catalog) -> None:
    catalog.add_article(origin="o", title="t", kind="text", citations=[cite(A)])
    sid = sid_of(catalog, A)
    assert catalog.get_ignore_rules(sid) == ((), ())
    catalog.add_ignore_rule(A, selector=".visitor-count")
    catalog.add_ignore_rule(A, pattern=r"Last updated: \d+")
    catalog.add_ignore_rule(A, selector=" .visitor-count ", pattern=r"Last updated: \d+")  # already there
    catalog.add_ignore_rule(A, selector="#ads", pattern=r"\bviews\b")
    assert catalog.get_ignore_rules(sid) == ((".visitor-count", "#ads"), (r"Last updated: \d+", r"\bviews\b"))
    with pytest.raises(InvalidValue, match=r"regular expression.*compile"):
        catalog.add_ignore_rule(A, pattern="([unclosed")
    with pytest.raises(InvalidValue, match=r"more than 100 ms.*nested repetition"):
        catalog.add_ignore_rule(A, pattern=r"(a+)+$")
    assert catalog.get_ignore_rules(sid)[1] == (r"Last updated: \d+", r"\bviews\b")
    with pytest.raises(InvalidValue, match="CSS selector or a regular expression"):
        catalog.add_ignore_rule(A)
    with pytest.raises(UnknownSource):
        catalog.add_ignore_rule("https://nowhere.example/", selector="p")
    with pytest.raises(UnknownSource):
        catalog.get_ignore_rules(999)


def test_set_article_tags_replaces_them(catalog: Catalog) -> None:
    article = catalog.add_article(origin="o", title="t", kind="text", citations=[cite(A)], tags=["old"])
    catalog.set_article_tags(article.id, ["climate", "eu", "climate"])
    assert catalog.get_article(article.id).tags == ("climate", "eu")  # type: ignore[union-attr]
    with pytest.raises(UnknownArticle):
        catalog.set_article_tags(999, ["x"])


def test_quotes_and_citing_articles(catalog: Catalog) -> None:
    one = catalog.add_article(origin="one.md", title="One", kind="markdown", citations=[cite(A, "q1", "q2")])
    two = catalog.add_article(
        origin="https://news.example/two",
        title="Two",
        kind="url-html",
        citations=[cite(A, "q2", "q3"), cite(B)],
    )
    catalog.set_article_tags(two.id, ["politics"])
    sid = sid_of(catalog, A)
    assert catalog.quotes_for_source(sid) == ("q1", "q2", "q3")
    assert catalog.quotes_for_source(sid_of(catalog, B)) == ()
    assert catalog.citing_articles(sid) == [
        ArticleRef(one.id, "One", "one.md", ()),
        ArticleRef(two.id, "Two", "https://news.example/two", ("politics",)),
    ]
    assert catalog.citing_articles(999) == []


# -- changes --------------------------------------------------------------------------------


def test_record_and_list_changes(catalog: Catalog) -> None:
    article = catalog.add_article(origin="one.md", title="One", kind="markdown", citations=[cite(A), cite(B)])
    a, b = sid_of(catalog, A), sid_of(catalog, B)
    a1, a2 = capture(catalog, A, T0), capture(catalog, A, T0 + timedelta(hours=1))
    b1 = capture(catalog, B, T0 + timedelta(hours=2), status=404)
    edited = catalog.record_change(
        ChangeRecord(
            a, "edited", T0 + timedelta(hours=1), a1, a2, "1 passage removed", ("new",), ("old",), ("q",)
        )
    )
    deleted = catalog.record_change(ChangeRecord(b, "deleted", T0 + timedelta(hours=2), None, b1, "404"))
    changes = catalog.list_changes()
    assert [c.id for c in changes] == [deleted, edited]
    first = changes[1]
    assert (first.url, first.kind, first.detected_at, first.before, first.after) == (
        A,
        "edited",
        T0 + timedelta(hours=1),
        T0,
        T0 + timedelta(hours=1),
    )
    assert (first.before_capture_id, first.after_capture_id, first.summary) == (a1, a2, "1 passage removed")
    assert (first.added, first.removed, first.removed_quotes) == (("new",), ("old",), ("q",))
    assert first.articles == (CitingArticle(article.id, "One", "one.md"),)
    aid, title, origin = first.articles[0]  # unpacks as a plain tuple too
    assert (aid, title, origin) == (article.id, "One", "one.md")
    assert first.detected_at.tzinfo == UTC and first.source_id == a
    assert changes[0].before is None and changes[0].removed_quotes == ()
    assert [c.id for c in catalog.list_changes(since=T0 + timedelta(hours=2))] == [deleted]
    assert [c.id for c in catalog.list_changes(limit=1)] == [deleted]
    assert catalog.get_change(edited) == first and catalog.get_change(999) is None


def test_record_change_rejects_bad_input(catalog: Catalog) -> None:
    catalog.add_article(origin="o", title="t", kind="text", citations=[cite(A)])
    sid = sid_of(catalog, A)
    cid = capture(catalog, A, T0)
    with pytest.raises(InvalidValue, match="change kind"):
        catalog.record_change(ChangeRecord(sid, "vanished", T0, None, cid))
    with pytest.raises(InvalidValue, match="timezone-aware"):
        catalog.record_change(ChangeRecord(sid, "edited", datetime(2026, 1, 1), None, cid))
    with pytest.raises(UnknownSource):
        catalog.record_change(ChangeRecord(999, "edited", T0, None, cid))
    with pytest.raises(UnknownCapture):
        catalog.record_change(ChangeRecord(sid, "edited", T0, 777, cid))
    with pytest.raises(InvalidValue, match="timezone-aware"):
        catalog.list_changes(since=datetime(2026, 1, 1))


# -- alerts and deliveries ------------------------------------------------------------------


def test_create_alert_is_idempotent(catalog: Catalog) -> None:
    change = a_change(catalog)
    first = catalog.create_alert(change, title="T", text="body", targets=[HOOK, "json://127.0.0.1:9/x", HOOK])
    assert first is not None
    assert catalog.create_alert(change, title="T2", text="other", targets=["json://127.0.0.1:9/y"]) is None
    [alert] = catalog.list_alerts()
    assert (alert.id, alert.change_id, alert.url, alert.kind, alert.created_at, alert.title) == (
        first,
        change,
        A,
        "edited",
        T0,
        "T",
    )
    assert [(c.target_masked, c.state, c.attempts, c.last_error) for c in alert.channels] == [
        ("json://user:s****t@127.0.0.1:9/hook", "pending", 0, None),
        ("json://127.0.0.1:9/x", "pending", 0, None),
    ]
    with pytest.raises(UnknownChange):
        catalog.create_alert(999, title="T", text="b", targets=[])
    with pytest.raises(InvalidValue, match="Apprise URL"):
        catalog.create_alert(change, title="T", text="b", targets=[" "])


def test_create_alert_without_targets_is_still_recorded(catalog: Catalog) -> None:
    change = a_change(catalog)
    assert catalog.create_alert(change, title="T", text="b", targets=[]) is not None
    [alert] = catalog.list_alerts()
    assert alert.channels == ()
    assert catalog.claim_due_deliveries(T0) == []


def test_claim_finish_retry_fail_and_requeue(catalog: Catalog, clock: FakeClock) -> None:
    change = a_change(catalog)
    targets = [f"json://127.0.0.1:9/{i}" for i in range(3)]
    alert = catalog.create_alert(change, title="Title", text="Body", targets=targets)
    assert catalog.claim_due_deliveries(T0 - timedelta(seconds=1)) == []  # not due yet
    jobs = catalog.claim_due_deliveries(T0, limit=2)
    assert [(j.target, j.attempts, j.alert_id, j.change_id, j.title, j.text) for j in jobs] == [
        (targets[0], 1, alert, change, "Title", "Body"),
        (targets[1], 1, alert, change, "Title", "Body"),
    ]
    [third] = catalog.claim_due_deliveries(T0)
    assert catalog.claim_due_deliveries(T0 + timedelta(days=1)) == []  # all are sending

    clock.advance(seconds=5)
    catalog.finish_delivery(jobs[0].delivery_id, ok=True, error=None, retry_at=None)
    catalog.finish_delivery(
        jobs[1].delivery_id, ok=False, error="HTTP 500", retry_at=T0 + timedelta(minutes=1)
    )
    states = {c.target_masked: c for c in catalog.list_alerts()[0].channels}
    assert (states[targets[0]].state, states[targets[0]].delivered_at) == (
        "delivered",
        T0 + timedelta(seconds=5),
    )
    assert (states[targets[1]].state, states[targets[1]].last_error) == ("pending", "HTTP 500")
    assert states[targets[1]].next_attempt_at == T0 + timedelta(minutes=1)
    assert states[targets[2]].state == "sending"

    assert catalog.claim_due_deliveries(T0 + timedelta(seconds=59)) == []
    [again] = catalog.claim_due_deliveries(T0 + timedelta(minutes=1))
    assert (again.delivery_id, again.attempts) == (jobs[1].delivery_id, 2)
    catalog.finish_delivery(again.delivery_id, ok=False, error="gave up", retry_at=None)

    # The third was claimed by a process that died: it goes back to pending, due now.
    assert catalog.requeue_stale_sending(T0) == 0  # claimed at T0, not older than T0
    clock.advance(minutes=30)
    assert catalog.requeue_stale_sending(T0 + timedelta(minutes=10)) == 1
    [retried] = catalog.claim_due_deliveries(clock.now)
    assert (retried.delivery_id, retried.attempts) == (third.delivery_id, 2)

    states = {c.target_masked: c for c in catalog.list_alerts()[0].channels}
    assert (states[targets[1]].state, states[targets[1]].attempts, states[targets[1]].last_error) == (
        "failed",
        2,
        "gave up",
    )
    with pytest.raises(UnknownDelivery):
        catalog.finish_delivery(9999, ok=True, error=None, retry_at=None)


def test_list_alerts_newest_first_with_limit(catalog: Catalog, clock: FakeClock) -> None:
    first = a_change(catalog)
    catalog.create_alert(first, title="1", text="b", targets=[])
    clock.advance(hours=1)
    second = a_change(catalog, "deleted", T0 + timedelta(hours=1))
    catalog.create_alert(second, title="2", text="b", targets=[])
    assert [a.change_id for a in catalog.list_alerts()] == [second, first]
    assert [a.change_id for a in catalog.list_alerts(limit=1)] == [second]


def test_concurrent_claimers_never_share_a_delivery(catalog: Catalog, db_url: str, clock: FakeClock) -> None:
    change = a_change(catalog)
    catalog.create_alert(change, title="T", text="b", targets=[f"json://127.0.0.1:9/{i}" for i in range(60)])
    others = [open_catalog(db_url, clock=clock) for _ in range(3)]
    claimed: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def claim(cat: Catalog) -> None:
        try:
            while jobs := cat.claim_due_deliveries(T0, limit=4):
                with lock:
                    claimed.extend(j.delivery_id for j in jobs)
        except BaseException as exc:  # collected so the main thread can report it
            errors.append(exc)

    threads = [threading.Thread(target=claim, args=(c,)) for c in [catalog, *others]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for other in others:
        other.close()
    assert errors == []
    assert len(claimed) == 60 and len(set(claimed)) == 60


def test_upgrade_from_0001_keeps_sources_with_empty_ignore_rules(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine, "0001")
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO source (url, created_at, state) VALUES (:u, :t, 'live')"),
                {"u": A, "t": datetime(2026, 1, 1, 12, 0)},
            )
        migrate(engine)
    finally:
        engine.dispose()
    catalog = open_catalog(db_url)
    try:
        [ref] = catalog.sources_for_urls([A])
        assert catalog.get_ignore_rules(ref.id) == ((), ())
        catalog.add_ignore_rule(A, selector="nav")
        assert catalog.get_ignore_rules(ref.id) == (("nav",), ())
    finally:
        catalog.close()
