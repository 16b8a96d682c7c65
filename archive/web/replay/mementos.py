"""The mementos of a URL, for Memento's TimeMaps and TimeGates: read-only catalog queries.

A memento is what replay serves: a response or revisit capture whose record can be read, of the
URL asked for or of a fetch whose redirects ended at it (`archive.web.replay.lookup` finds them the
same way, by the same spellings).  Fetch failures (metadata records) are no mementos.  Each query is
an index range read (``ix_capture_url_captured_at``, ``ix_capture_final_url``) per spelling and column,
never one ``IN (...) OR ...`` query that would make SQLite gather and sort a hot URL's 20,000 captures.
Listing them is paged by key, so a TimeMap streams in bounded memory and never holds a read
transaction open while the client reads.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Select, select
from sqlalchemy.orm import Session

from archive.catalog.keyset import AnySelect, Key, after, order
from archive.catalog.models import Capture
from archive.catalog.originals import located
from archive.web.memento import Memento
from archive.web.replay.lookup import PAYLOAD_RECORDS, closest_of, pick, url_forms, url_variants

PAGE_ROWS = 1000
_COLUMNS = (Capture.url, Capture.final_url)
KEYS = (Key(Capture.captured_at), Key(Capture.id))


class MementoIndex:
    """The mementos of a URL, by the spellings (`spellings`) that have any."""

    def __init__(self, engine: Engine, *, page_rows: int = PAGE_ROWS) -> None:
        self._engine = engine
        self._page_rows = page_rows

    def spellings(self, url: str) -> tuple[str, ...] | None:
        """The spellings of ``url`` its mementos are catalogued under: as asked for (and
        percent-decoded) when any memento has it, else the `url_variants` (http/https, trailing
        slash), as replay falls back to them; None when the archive holds no memento of it."""
        for urls in (url_forms(url), url_variants(url)):
            if urls and self._oldest(urls, None) is not None:
                return urls
        return None

    def first(self, urls: Sequence[str]) -> Memento | None:
        return self._oldest(urls, None)

    def last(self, urls: Sequence[str]) -> Memento | None:
        return self._newest(urls, None)

    def before(self, urls: Sequence[str], memento: Memento) -> Memento | None:
        """The newest memento of an earlier second than ``memento`` (its URI-M differs)."""
        return self._newest(urls, _second(memento.captured_at))

    def after(self, urls: Sequence[str], memento: Memento) -> Memento | None:
        """The oldest memento of a later second than ``memento``."""
        return self._oldest(urls, _second(memento.captured_at) + timedelta(seconds=1))

    def stream(self, urls: Sequence[str], *, until: datetime) -> Iterator[Memento]:
        """Every memento up to ``until``, oldest first, one per URI-M (URL and second), read a page
        at a time."""
        key: tuple[datetime, int] | None = None
        previous: tuple[str, str] | None = None
        while True:
            rows = self._page(urls, key, until)
            for captured_at, _id, url in rows:
                memento = Memento(url, captured_at)
                if (url, memento.timestamp) != previous:
                    previous = (url, memento.timestamp)
                    yield memento
            if len(rows) < self._page_rows:
                return
            key = rows[-1][0], rows[-1][1]

    def closest(self, urls: Sequence[str], moment: datetime) -> Memento | None:
        """The memento a TimeGate redirects to for ``moment``: replay's rule (`closest_of`) applied
        to exactly the mementos the TimeMap lists (a capture recovered from another archive is
        none of them, however close)."""
        bases = [_replayable(select(Capture)).where(column == url) for column, url in _bases(urls)]
        with Session(self._engine) as session:
            capture = closest_of(session, bases, moment)
            return None if capture is None else _memento(urls, capture)

    def _page(
        self, urls: Sequence[str], key: tuple[datetime, int] | None, until: datetime
    ) -> list[tuple[datetime, int, str]]:
        found: dict[int, tuple[datetime, int, str]] = {}
        # A Core connection: rows of two columns need none of the ORM's loading machinery, which
        # cost more than the query itself on a 20,000-memento TimeMap.
        with self._engine.connect() as conn:
            for column, url in _bases(urls):
                columns: AnySelect = select(Capture.captured_at, Capture.id)
                query = _replayable(columns).where(column == url, Capture.captured_at <= until)
                if key is not None:
                    query = query.where(after(KEYS, key))
                query = query.order_by(*order(KEYS)).limit(self._page_rows)
                for row in conn.execute(query):
                    captured_at: datetime = row[0]
                    capture_id: int = row[1]
                    found.setdefault(capture_id, (captured_at, capture_id, url))
        return sorted(found.values())[: self._page_rows]

    def _oldest(self, urls: Sequence[str], since: datetime | None) -> Memento | None:
        return self._end(urls, since, newest=False)

    def _newest(self, urls: Sequence[str], before: datetime | None) -> Memento | None:
        return self._end(urls, before, newest=True)

    def _end(self, urls: Sequence[str], bound: datetime | None, *, newest: bool) -> Memento | None:
        queries = []
        for column, url in _bases(urls):
            query = _replayable(select(Capture)).where(column == url)
            if bound is not None:
                query = query.where(Capture.captured_at < bound if newest else Capture.captured_at >= bound)
            queries.append(query)
        with Session(self._engine) as session:
            capture = pick(session, queries, newest=newest)
            return None if capture is None else _memento(urls, capture)


def _memento(urls: Sequence[str], capture: Capture) -> Memento:
    """The memento ``capture`` is, under the spelling it was found by."""
    url = capture.url if capture.url in urls else capture.final_url or capture.url
    return Memento(url, capture.captured_at)


def _bases(urls: Sequence[str]) -> list[tuple[Any, str]]:
    return [(column, url) for column in _COLUMNS for url in urls]


def _replayable(query: Select[Any]) -> Select[Any]:
    # A memento recovered from another archive (Memento in) is that archive's memento of another
    # time, not ours of the time we fetched it: it is not listed as one of ours.
    return located(query).where(Capture.record_type.in_(PAYLOAD_RECORDS), Capture.recovered_from.is_(None))


def _second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)
