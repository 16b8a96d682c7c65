"""Judgements: which source captures wait for change detection, and verdicts recorded exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from archive.catalog import (
    CaptureRecord,
    Catalog,
    ChangeRecord,
    ChangeView,
    CitationRecord,
    Judgement,
    UnknownCapture,
    open_catalog,
)
from archive.catalog.models import Alert, Change, Delivery
from tests.archive.catalog.catalog_clock import T0

A, B = "https://gov.example/a", "https://gov.example/b"
HOOK = "json://127.0.0.1:9/hook"


def render(change: ChangeView) -> tuple[str, str]:
    return f"{change.kind}: {change.url}", f"change {change.id}"


def watched(catalog: Catalog, *urls: str) -> dict[str, int]:
    catalog.add_article(
        origin="one.md",
        title="One",
        kind="markdown",
        citations=[CitationRecord(u, "label", "sentence", (), i) for i, u in enumerate(urls)],
    )
    return {ref.url: ref.id for ref in catalog.sources_for_urls(list(urls))}


def capture(catalog: Catalog, sid: int, url: str, at: datetime, **kw: Any) -> int:
    kw.setdefault("status", 200)
    return catalog.record_capture(CaptureRecord(role="source", source_id=sid, url=url, captured_at=at, **kw))


def edited(sid: int, before: int | None, after: int, at: datetime = T0) -> Judgement:
    change = ChangeRecord(sid, "edited", at, before, after, "edited: 1 passage removed", removed=("x",))
    return Judgement(
        after, "edited", 0, change=change, next_due_at=at + timedelta(hours=1), alert_targets=(HOOK,)
    )


def count(catalog: Catalog, model: type[Any]) -> int:
    with catalog.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


def test_unjudged_captures_are_queued_oldest_first_and_probes_are_not(catalog: Catalog) -> None:
    ids = watched(catalog, A, B)
    assert not catalog.has_unjudged() and catalog.unjudged_sources() == []
    b1 = capture(catalog, ids[B], B, T0)
    a2 = capture(catalog, ids[A], A, T0 + timedelta(minutes=2))
    a1 = capture(catalog, ids[A], A, T0 + timedelta(minutes=1))
    catalog.record_capture(CaptureRecord(role="probe", source_id=ids[A], url=A + "/nx", captured_at=T0))
    catalog.record_capture(CaptureRecord(role="requisite", parent_id=a1, url=A + "/s.css", captured_at=T0))
    assert catalog.has_unjudged()
    assert catalog.unjudged_sources() == [ids[B], ids[A]]
    assert [c.id for c in catalog.unjudged_captures(ids[A])] == [a1, a2]
    assert [c.id for c in catalog.unjudged_captures(ids[B])] == [b1]


def test_a_judgement_is_recorded_whole_and_only_once(catalog: Catalog) -> None:
    sid = watched(catalog, A)[A]
    first = capture(catalog, sid, A, T0)
    assert catalog.record_judgement(Judgement(first, "live", 0), render_alert=render) is None
    second = capture(catalog, sid, A, T0 + timedelta(hours=1))
    change_id = catalog.record_judgement(edited(sid, first, second), render_alert=render)
    assert change_id is not None
    [source] = catalog.list_sources()
    assert (source.state, source.next_due_at) == ("edited", T0 + timedelta(hours=1))
    [change] = catalog.list_changes()
    assert (change.id, change.before_capture_id, change.after_capture_id) == (change_id, first, second)
    [alert] = catalog.list_alerts()
    assert alert.change_id == change_id and alert.title == f"edited: {A}"
    assert [ch.state for ch in alert.channels] == ["pending"]
    assert not catalog.has_unjudged()
    # Judged again (a re-run after a lost acknowledgement, a racing pass): nothing more is written.
    assert catalog.record_judgement(edited(sid, first, second), render_alert=render) is None
    assert (count(catalog, Change), count(catalog, Alert), count(catalog, Delivery)) == (1, 1, 1)


def test_a_judgement_that_fails_halfway_leaves_nothing_behind(catalog: Catalog) -> None:
    sid = watched(catalog, A)[A]
    first = capture(catalog, sid, A, T0)
    catalog.record_judgement(Judgement(first, "live", 0), render_alert=render)
    second = capture(catalog, sid, A, T0 + timedelta(hours=1))

    def broken(change: ChangeView) -> tuple[str, str]:
        raise RuntimeError("killed while writing the alert")

    with pytest.raises(RuntimeError):
        catalog.record_judgement(edited(sid, first, second), render_alert=broken)
    assert count(catalog, Change) == 0 and count(catalog, Alert) == 0
    assert [c.id for c in catalog.unjudged_captures(sid)] == [second]
    assert catalog.list_sources()[0].state == "live"
    assert catalog.record_judgement(edited(sid, first, second), render_alert=render) is not None


def test_the_last_judged_capture_skips_unjudged_failed_and_given_up_ones(catalog: Catalog) -> None:
    sid = watched(catalog, A)[A]
    at = [T0 + timedelta(hours=h) for h in range(6)]
    judged = capture(catalog, sid, A, at[0])
    catalog.record_judgement(Judgement(judged, "live", 0), render_alert=render)
    failed_fetch = capture(catalog, sid, A, at[1], status=None, record_type="metadata", error_kind="dns")
    catalog.record_judgement(Judgement(failed_fetch, "live", 1), render_alert=render)
    given_up = capture(catalog, sid, A, at[2])
    for _ in range(2):
        catalog.record_judge_failure(given_up, "ValueError: hostile", max_attempts=2)
    waiting = capture(catalog, sid, A, at[3])
    current = capture(catalog, sid, A, at[4])
    last = catalog.last_judged_capture(sid, before_id=current)
    assert last is not None and last.id == judged
    assert catalog.last_judged_capture(sid, before_id=judged) is None
    assert [c.id for c in catalog.unjudged_captures(sid)] == [waiting, current]
    with pytest.raises(UnknownCapture):
        catalog.last_judged_capture(sid, before_id=current + 100)


def test_a_capture_that_cannot_be_judged_is_retried_then_given_up(catalog: Catalog, clock: Any) -> None:
    sid = watched(catalog, A)[A]
    cid = capture(catalog, sid, A, T0)
    one = catalog.record_judge_failure(cid, "ValueError: All strings must be XML compatible", max_attempts=3)
    assert (one.attempts, one.given_up, one.url) == (1, False, A)
    assert catalog.has_unjudged()
    catalog.record_judge_failure(cid, "ValueError: again", max_attempts=3)
    third = catalog.record_judge_failure(cid, "ValueError: again", max_attempts=3)
    assert (third.attempts, third.given_up, third.reason) == (3, True, "ValueError: again")
    assert not catalog.has_unjudged()
    [shown] = catalog.uncompared_captures()
    assert shown.capture_id == cid and shown.given_up
    assert catalog.uncompared_captures(since=T0 + timedelta(days=1)) == []


def test_a_retry_that_succeeds_clears_the_reason(catalog: Catalog) -> None:
    sid = watched(catalog, A)[A]
    cid = capture(catalog, sid, A, T0)
    catalog.record_judge_failure(cid, "StoreUnavailable: the store did not answer", max_attempts=3)
    assert [u.capture_id for u in catalog.uncompared_captures()] == [cid]
    catalog.record_judgement(Judgement(cid, "live", 0), render_alert=render)
    assert catalog.uncompared_captures() == []
    # A failure noted after a racing pass judged it does not undo that judgement.
    catalog.record_judge_failure(cid, "late", max_attempts=3)
    assert catalog.uncompared_captures() == [] and not catalog.has_unjudged()


def test_the_unjudged_queue_uses_its_partial_index(tmp_path: Path) -> None:
    catalog = open_catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    with catalog.engine.connect() as conn:
        plan = " ".join(
            str(row[-1])
            for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM capture"
                " WHERE judged_at IS NULL AND role = 'source' LIMIT 1"
            )
        )
    catalog.close()
    assert "ix_capture_unjudged" in plan


def test_a_batch_of_judgements_is_one_transaction(catalog: Catalog) -> None:
    # Each judgement has its savepoint; on SQLite a savepoint opened before any write *was* the
    # transaction, so each RELEASE committed (an fsync per capture judged) and a batch was not one.
    ids = watched(catalog, A, B)
    a1 = capture(catalog, ids[A], A, T0)
    b1 = capture(catalog, ids[B], B, T0)
    b2 = capture(catalog, ids[B], B, T0 + timedelta(hours=1))
    catalog.record_judgement(Judgement(b1, "live", 0), render_alert=render)
    seen_from_outside: list[int] = []

    def render_and_look(change: ChangeView) -> tuple[str, str]:
        # Called while the batch writes its second judgement: the first must not be committed yet.
        from archive.catalog.models import Capture

        with catalog.engine.connect() as other:
            judged = select(func.count()).select_from(Capture).where(Capture.judged_at.is_not(None))
            seen_from_outside.append(int(other.execute(judged).scalar_one()))
        return render(change)

    outcomes = catalog.record_judgements(
        [Judgement(a1, "live", 0), edited(ids[B], b1, b2)], render_alert=render_and_look
    )

    assert [o.recorded for o in outcomes] == [True, True]
    assert seen_from_outside == [1]  # b1 only, judged in an earlier call


def test_a_batch_reads_its_captures_and_sources_once(catalog: Catalog) -> None:
    # Per judgement: a savepoint, the claim, the source's new state, the release; the captures and
    # sources are read for the whole batch, not once each.
    urls = [f"https://gov.example/{n}" for n in range(12)]
    ids = watched(catalog, *urls)
    captured = [capture(catalog, ids[u], u, T0) for u in urls]
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(catalog.engine, "before_cursor_execute", count)
    try:
        outcomes = catalog.record_judgements([Judgement(c, "live", 0) for c in captured], render_alert=render)
    finally:
        event.remove(catalog.engine, "before_cursor_execute", count)

    assert all(o.recorded for o in outcomes)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 2, selects


def test_a_batch_reads_its_baselines_as_the_one_by_one_query_does(catalog: Catalog) -> None:
    urls = [f"https://gov.example/{n}" for n in range(4)]
    ids = watched(catalog, *urls)
    at = [T0 + timedelta(hours=h) for h in range(6)]
    # 0: judged twice, then a new capture; 1: never judged; 2: a failed fetch judged last (the
    # response before it is the baseline); 3: an old capture put back by a reindex after newer
    # ones were judged (its baseline is the judged capture before it, not the newest).
    for n, hours in ((0, (0, 1)), (2, (0,)), (3, (0, 4))):
        for h in hours:
            cid = capture(catalog, ids[urls[n]], urls[n], at[h])
            catalog.record_judgement(Judgement(cid, "live", 0), render_alert=render)
    failed = capture(
        catalog, ids[urls[2]], urls[2], at[1], status=None, record_type="metadata", error_kind="dns"
    )
    catalog.record_judgement(Judgement(failed, "live", 1), render_alert=render)
    for n, h in ((0, 2), (1, 2), (2, 2), (3, 2)):
        capture(catalog, ids[urls[n]], urls[n], at[h])
    contexts = {c.source_id: c for c in catalog.judging_contexts()}
    assert len(contexts) == 4
    for url in urls:
        context = contexts[ids[url]]
        one_by_one = catalog.last_judged_capture(ids[url], before_id=context.captures[0].id)
        assert (context.baseline.id if context.baseline else None) == (
            one_by_one.id if one_by_one else None
        ), url
    assert contexts[ids[urls[1]]].baseline is None
    baseline3 = contexts[ids[urls[3]]].baseline
    assert baseline3 is not None and baseline3.captured_at == at[0]


def judged_by_another_process_meanwhile(catalog: Catalog, db_url: str, capture_id: int) -> Any:
    """While ``catalog`` runs its first statement, another process (connection) judges the capture:
    on PostgreSQL (READ COMMITTED) a batch read sees that commit in its later statements."""
    other = open_catalog(db_url)
    statements: list[str] = []

    def judge_meanwhile(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)
        if len(statements) == 1:
            other.record_judgement(Judgement(capture_id, "live", 0), render_alert=render)

    @contextmanager
    def listening() -> Iterator[None]:
        event.listen(catalog.engine, "after_cursor_execute", judge_meanwhile)
        try:
            yield
        finally:
            event.remove(catalog.engine, "after_cursor_execute", judge_meanwhile)
            other.close()

    return listening()


def test_sources_another_process_judges_mid_read_are_left_out(catalog: Catalog, db_url: str) -> None:
    """Two workers judge side by side: the other's commit lands between the statement that picks
    the sources and the one that reads their captures."""
    ids = watched(catalog, A, B)
    first = capture(catalog, ids[A], A, T0)
    capture(catalog, ids[B], B, T0)
    with judged_by_another_process_meanwhile(catalog, db_url, first):
        contexts = catalog.judging_contexts()
    assert all(c.captures for c in contexts)
    assert [c.source_id for c in contexts] == [ids[B]]


def test_a_batch_judged_whole_by_another_process_is_followed_by_the_next(
    catalog: Catalog, db_url: str
) -> None:
    ids = watched(catalog, A, B)
    first = capture(catalog, ids[A], A, T0)
    capture(catalog, ids[B], B, T0)
    with judged_by_another_process_meanwhile(catalog, db_url, first):
        contexts = catalog.judging_contexts(limit=1)  # a batch of one source: A, judged meanwhile
    assert [c.source_id for c in contexts] == [ids[B]]
