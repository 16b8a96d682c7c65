"""Which capture of each cited source an article's robust links point to: read-only catalog queries.

The version of a source is our capture closest to the article's date — the newest at or before it
(what the article could have seen), else the first after — among the captures a reader can replay
and that show the page (a response or revisit under 400; a capture recovered from a Memento
archive is one of those).  A 404 or a fetch failure is evidence of absence, not a version to send
a reader to.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from archive.catalog.batches import in_chunks
from archive.catalog.models import Article, Capture, Source
from archive.robust.links import Version

_PAYLOAD = ("response", "revisit")


def closest_versions(engine: Engine, source_ids: Sequence[int], moment: datetime) -> dict[int, Version]:
    """The version of each of these sources for an article dated ``moment`` (aware; see the
    module); sources without one are left out."""
    found: dict[int, Version] = {}
    with Session(engine) as session:
        for chunk in in_chunks(sorted(set(source_ids))):
            query = (
                select(Capture, Source.url)
                .join(Source, Source.id == Capture.source_id)
                .where(
                    Capture.source_id.in_(chunk),
                    Capture.role == "source",
                    Capture.record_type.in_(_PAYLOAD),
                    Capture.status < 400,
                    Capture.warc_name.is_not(None),
                )
                .order_by(Capture.source_id, Capture.captured_at, Capture.id)
            )
            best: dict[int, tuple[Capture, str]] = {}
            for capture, source_url in session.execute(query):
                assert capture.source_id is not None
                current = best.get(capture.source_id)
                # Ascending order: the last one at or before the moment wins, else the first after.
                if current is None or capture.captured_at <= moment:
                    best[capture.source_id] = (capture, source_url)
            for source_id, (capture, source_url) in best.items():
                found[source_id] = Version(
                    capture_id=capture.id,
                    source_url=source_url,
                    url=capture.url,
                    captured_at=capture.captured_at,
                    recovered_from=capture.recovered_from,
                    memento_datetime=capture.memento_datetime,
                )
    return found


def article_dated(engine: Engine, origin: str) -> tuple[int, datetime] | None:
    """(id, ingest time) of the article ingested from ``origin`` (a file's resolved path or a URL)."""
    with Session(engine) as session:
        row = session.execute(select(Article.id, Article.ingested_at).where(Article.origin == origin)).first()
    return None if row is None else (row[0], row[1])
