"""`CaptureBatches`: the part of `Catalog` a crawl writes through, many captures per transaction.

The capture path builds each capture's rows in memory and hands them over in batches (every
hundred captures or every tenth of a second): one transaction inserts the captures, registers
the WARC files they point into, links requisites to their pages and article pages to their
articles, and moves each source's last status and next re-crawl.  A process killed between
writing a WARC record and writing its batch loses nothing: the record is in a WARC file, and
recovery or `citewatch reindex` (`archive.index.reindex`) reads it back into the catalog,
matching captures by their WARC-Record-ID so that none is ever added twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session

from archive.catalog import capturelog
from archive.catalog.errors import InvalidValue, UnknownArticle, UnknownCapture, UnknownSource
from archive.catalog.evidence import check_evidence, insert_evidence
from archive.catalog.mapping import aware, capture_columns, check_capture
from archive.catalog.models import Article, Capture, Source, WarcFile
from archive.catalog.transactions import Transactions
from archive.catalog.views import IndexedCapture, NewCapture

NextDue = Callable[[datetime, datetime], datetime]
"""When a source is next due, from (when it was first cited, when it was captured)."""

# Ids or URLs per IN (...) list: far below SQLite's variable limit, and small enough that the
# planner keeps using the index.
_CHUNK = 500


class CaptureBatches(Transactions):
    """Batches of captures from a crawl or a reindex, and the lookups a reindex matches them with."""

    def record_captures(self, batch: Sequence[NewCapture], *, next_due: NextDue | None = None) -> list[int]:
        """Record a batch of captures in one transaction; return their ids, in batch order.

        Everything is checked first, so a batch naming an unknown source, parent capture or
        article, or holding an invalid value, writes nothing (`UnknownSource`, `UnknownCapture`,
        `UnknownArticle`, `InvalidValue`).  A source capture sets its source's last status unless
        the source has a newer capture already (a capture recorded late, by recovery, must not
        roll it back), and then, when it has a ``scheduled_at``, its next re-crawl by ``next_due``.
        A probe never updates its source.  An article is linked to its newest page capture.
        """
        for position, entry in enumerate(batch):
            _check(entry, position)
            check_evidence(entry.evidence)
        if not batch:
            return []
        now = self._now()
        with self._tx() as session:
            sources = _sources(
                session, {e.capture.source_id for e in batch if e.capture.source_id is not None}
            )
            _require(session, Capture.id, {e.capture.parent_id for e in batch}, UnknownCapture)
            _require(session, Article.id, {e.article_id for e in batch}, UnknownArticle)
            _register_warcs(session, batch, now)
            # Records the catalog has already (this batch recorded before, its acknowledgement
            # lost; or the same record twice in it) keep their capture: never a second row.
            known = _records_in(session, (e.capture.record_id for e in batch))
            fresh = _fresh(batch, known)
            inserted = (
                list(
                    session.scalars(
                        insert(Capture).returning(Capture.id, sort_by_parameter_order=True),
                        [capture_columns(batch[n].capture) for n in fresh],
                    )
                )
                if fresh
                else []
            )
            ids: list[int] = [0] * len(batch)
            for n, capture_id in zip(fresh, inserted, strict=True):
                ids[n] = capture_id
                record_id = batch[n].capture.record_id
                if record_id is not None:
                    known[record_id] = capture_id
            for n, entry in enumerate(batch):
                if not ids[n]:
                    ids[n] = known[entry.capture.record_id or ""]
            parents = []
            for n in fresh:
                parent = batch[n].parent
                if parent is not None:
                    parents.append({"id": ids[n], "parent_id": ids[parent]})
            if parents:
                session.execute(update(Capture), parents)
            # A capture recorded before moved its source, linked its article and ended its lease
            # then: doing it again (a re-recorded batch, a reindex) would move them back.
            new = [batch[n] for n in fresh]
            _move_sources(session, new, sources, next_due)
            _link_articles(session, new, [ids[n] for n in fresh])
            _end_leases(session, new)
            # Last, so the head row is locked only for the end of the transaction (and, on
            # SQLite, read inside the write lock the inserts above took).
            capturelog.append(session, _log_items(session, batch, fresh, ids))
            return ids

    def captures_in_warc(self, warc_name: str) -> list[IndexedCapture]:
        """The captures whose record lies in this WARC file, oldest first (what `reindex` matches
        that file's records with)."""
        query = (
            select(
                Capture.id, Capture.record_id, Capture.url, Capture.role, Capture.parent_id, Capture.offset
            )
            .where(Capture.warc_name == warc_name)
            .order_by(Capture.id)
        )
        with self._tx() as session:
            return [IndexedCapture(*row) for row in session.execute(query)]

    def captures_for_records(self, record_ids: Iterable[str]) -> dict[str, int]:
        """The ids of the captures whose record is one of these WARC-Record-IDs, by record id."""
        with self._tx() as session:
            return _records_in(session, record_ids)

    def articles_for_origins(self, origins: Iterable[str]) -> dict[str, int]:
        """The ids of the articles ingested from these origins (URLs or file names), by origin."""
        found: dict[str, int] = {}
        with self._tx() as session:
            for chunk in in_chunks(sorted(set(origins))):
                query = select(Article.origin, Article.id).where(Article.origin.in_(chunk))
                found.update((origin, article_id) for origin, article_id in session.execute(query))
        return found

    def watch_sources(self, urls: Iterable[str], *, created_at: datetime) -> dict[str, int]:
        """The ids of these source URLs, by URL; those not watched yet are added (first cited at
        ``created_at``, due then), as `reindex` does for the sources of a lost catalog."""
        created_at = aware("created_at", created_at)
        with self._tx() as session:
            return self._ensure_sources(session, sorted(set(urls)), created_at)

    def _ensure_sources(self, session: Session, urls: Sequence[str], now: datetime) -> dict[str, int]:
        """The ids of these URLs' sources, adding those not watched yet, a chunk of URLs per
        statement (SQLite takes at most 32,766 variables in one: an article citing 5,000 URLs,
        a watch list imported as one file, went over)."""
        found: dict[str, int] = {}
        for chunk in in_chunks(urls):
            found.update(self._ensure_chunk(session, chunk, now))
        return found

    def _ensure_chunk(self, session: Session, urls: Sequence[str], now: datetime) -> dict[str, int]:
        if not urls:
            return {}
        values = [{"url": u, "created_at": now, "next_due_at": now, "state": "pending"} for u in urls]
        dialect = session.get_bind().dialect.name
        if dialect in ("sqlite", "postgresql"):
            # INSERT … ON CONFLICT DO NOTHING: two ingests citing the same new URL cannot collide.
            insert_ = sqlite.insert if dialect == "sqlite" else postgresql.insert
            session.execute(insert_(Source).values(values).on_conflict_do_nothing(index_elements=["url"]))
        else:
            known = set(session.scalars(select(Source.url).where(Source.url.in_(urls))))
            session.add_all(Source(**v) for v in values if v["url"] not in known)
            session.flush()
        rows = session.execute(select(Source.url, Source.id).where(Source.url.in_(urls)))
        return {url: sid for url, sid in rows}


def _check(entry: NewCapture, position: int) -> None:
    check_capture(entry.capture)
    if entry.parent is not None:
        if not 0 <= entry.parent < position:
            raise InvalidValue(
                "parent", entry.parent, f"the position of an earlier capture of the batch (< {position})"
            )
        if entry.capture.parent_id is not None:
            raise InvalidValue(
                "parent", entry.parent, "either a position in the batch or a parent_id, not both"
            )
    if entry.scheduled_at is not None:
        aware("scheduled_at", entry.scheduled_at)


def in_chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _sources(session: Session, ids: set[int]) -> dict[int, tuple[datetime, datetime | None]]:
    """(first cited, last captured) of each source; `UnknownSource` for one that does not exist."""
    found: dict[int, tuple[datetime, datetime | None]] = {}
    for chunk in in_chunks(sorted(ids)):
        query = select(Source.id, Source.created_at, Source.last_captured_at).where(Source.id.in_(chunk))
        found.update((sid, (created, last)) for sid, created, last in session.execute(query))
    missing = sorted(ids - found.keys())
    if missing:
        raise UnknownSource(missing[0])
    return found


def _require(
    session: Session,
    column: InstrumentedAttribute[int],
    ids: set[int | None],
    error: Callable[[int], Exception],
) -> None:
    wanted = sorted(i for i in ids if i is not None)
    found: set[int] = set()
    for chunk in in_chunks(wanted):
        found.update(session.scalars(select(column).where(column.in_(chunk))))
    missing = [i for i in wanted if i not in found]
    if missing:
        raise error(missing[0])


def _register_warcs(session: Session, batch: Sequence[NewCapture], now: datetime) -> None:
    """Note the WARC files the batch points into (a new one is ``spooled``; a known one is left as is)."""
    names = sorted(
        {e.capture.warc_name for e in batch if e.capture.warc_name}
        | {r.warc_name for e in batch for r in e.capture.redirects if r.warc_name}
    )
    if not names:
        return
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert_ = sqlite.insert if dialect == "sqlite" else postgresql.insert
        values = [{"name": n, "state": "spooled", "created_at": now} for n in names]
        session.execute(insert_(WarcFile).values(values).on_conflict_do_nothing(index_elements=["name"]))
        return
    known = set(session.scalars(select(WarcFile.name).where(WarcFile.name.in_(names))))
    session.add_all(WarcFile(name=n, state="spooled", created_at=now) for n in names if n not in known)


def _records_in(session: Session, record_ids: Iterable[str | None]) -> dict[str, int]:
    """The ids of the captures whose record is one of these WARC-Record-IDs, by record id."""
    found: dict[str, int] = {}
    for chunk in in_chunks(sorted({r for r in record_ids if r is not None})):
        query = select(Capture.record_id, Capture.id).where(Capture.record_id.in_(chunk))
        found.update((rid, cid) for rid, cid in session.execute(query) if rid is not None)
    return found


def _fresh(batch: Sequence[NewCapture], known: dict[str, int]) -> list[int]:
    """The positions of the entries to insert: their record is new to the catalog and to the batch."""
    seen: set[str] = set()
    fresh = []
    for n, entry in enumerate(batch):
        record_id = entry.capture.record_id
        if record_id is not None:
            if record_id in known or record_id in seen:
                continue
            seen.add(record_id)
        fresh.append(n)
    return fresh


def _log_items(
    session: Session, batch: Sequence[NewCapture], fresh: Sequence[int], ids: Sequence[int]
) -> list[capturelog.LogItem]:
    """Insert the batch's evidence rows, and build the capture log's entries: one per new capture
    (with its evidence), one per capture recorded before that gained evidence now."""
    items = []
    for n in fresh:
        entry = batch[n]
        if entry.evidence:
            insert_evidence(session, ids[n], entry.evidence)
        fields = capturelog.capture_fields(ids[n], entry.capture, entry.evidence)
        items.append(capturelog.LogItem("capture", ids[n], fields))
    old = set(range(len(batch))) - set(fresh)
    for n in sorted(old):
        if batch[n].evidence:
            _, new = insert_evidence(session, ids[n], batch[n].evidence)
            if new:
                fields = {"capture_id": ids[n], "evidence": capturelog.evidence_fields(new)}
                items.append(capturelog.LogItem("evidence", ids[n], fields))
    return items


def _end_leases(session: Session, batch: Sequence[NewCapture]) -> None:
    """A source captured under a lease is no longer leased (only under that same token: a lease
    given out again since belongs to someone else)."""
    ended = [
        {"source": e.capture.source_id, "token": e.lease}
        for e in batch
        if e.lease is not None and e.capture.source_id is not None
    ]
    if ended:  # one statement, executed for each (a Core executemany: not ORM's update-by-key)
        session.connection().execute(
            update(Source)
            .where(Source.id == bindparam("source"), Source.lease_token == bindparam("token"))
            .values(lease_token=None, lease_until=None, lease_owner=None),
            ended,
        )


def _move_sources(
    session: Session,
    batch: Sequence[NewCapture],
    sources: dict[int, tuple[datetime, datetime | None]],
    next_due: NextDue | None,
) -> None:
    """Each source's newest capture of the batch becomes its last status (and sets its next re-crawl),
    unless the source was captured later already.  Its state is change detection's to set.  A
    memento recovered from an archive leaves them alone: they say what the live web answers."""
    newest: dict[int, NewCapture] = {}
    for entry in batch:
        c = entry.capture
        if c.role == "source" and c.source_id is not None and c.recovered_from is None:
            best = newest.get(c.source_id)
            if best is None or c.captured_at >= best.capture.captured_at:
                newest[c.source_id] = entry
    rows: list[dict[str, Any]] = []
    for source_id, entry in newest.items():
        created_at, last_captured_at = sources[source_id]
        c = entry.capture
        if last_captured_at is not None and c.captured_at < last_captured_at:
            continue
        row: dict[str, Any] = {"id": source_id, "last_status": c.status, "last_captured_at": c.captured_at}
        if entry.scheduled_at is not None and next_due is not None:
            row["next_due_at"] = aware("next_due_at", next_due(created_at, entry.scheduled_at))
        rows.append(row)
    if rows:
        session.execute(update(Source), rows)


def _link_articles(session: Session, batch: Sequence[NewCapture], ids: Sequence[int]) -> None:
    """Link each article to its page's capture, unless it is linked to a newer one already."""
    pages: dict[int, tuple[int, datetime]] = {}
    for n, entry in enumerate(batch):
        if entry.article_id is not None:
            known = pages.get(entry.article_id)
            if known is None or entry.capture.captured_at >= known[1]:
                pages[entry.article_id] = (ids[n], entry.capture.captured_at)
    if not pages:
        return
    linked: ColumnElement[bool] = Article.id.in_(list(pages))
    query = (
        select(Article.id, Capture.captured_at)
        .outerjoin(Capture, Capture.id == Article.capture_id)
        .where(linked)
    )
    rows = [
        {"id": article_id, "capture_id": pages[article_id][0]}
        for article_id, linked_at in session.execute(query)
        if linked_at is None or linked_at <= pages[article_id][1]
    ]
    if rows:
        session.execute(update(Article), rows)
