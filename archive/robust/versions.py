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

from archive.catalog.models import Article, Capture
from archive.links.memento import replayed_url
from archive.robust.links import Version

_PAYLOAD = ("response", "revisit")


def closest_versions(engine: Engine, source_ids: Sequence[int], moment: datetime) -> dict[int, Version]:
    """The version of each of these sources for an article dated ``moment`` (aware; see the
    module); sources without one are left out.

    Two index range reads per source (ix_capture_source_id_role_captured_at), one row each: a
    source re-crawled daily for years has thousands of captures, and an article page asks this
    for every source it cites.
    """
    found: dict[int, Version] = {}
    with Session(engine) as session:
        for source_id in sorted(set(source_ids)):
            usable = select(Capture).where(
                Capture.source_id == source_id,
                Capture.role == "source",
                Capture.record_type.in_(_PAYLOAD),
                Capture.status < 400,
                Capture.warc_name.is_not(None),
            )
            capture = (
                session.scalars(
                    usable.where(Capture.captured_at <= moment)
                    .order_by(Capture.captured_at.desc(), Capture.id.desc())
                    .limit(1)
                ).first()
                or session.scalars(
                    usable.where(Capture.captured_at > moment)
                    .order_by(Capture.captured_at, Capture.id)
                    .limit(1)
                ).first()
            )
            if capture is None:
                continue
            found[source_id] = Version(
                capture_id=capture.id,
                url=replayed_url(capture.url, capture.final_url, capture.recovered_from),
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
