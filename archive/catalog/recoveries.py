"""`Recoveries`: the sources recovered from a Memento archive, for the pages and listings that say so.

A source already dead when its article was ingested may have a capture recovered from a Memento
archive (`crawler.memento`): a capture row like any other, with ``recovered_from`` (the archive's
name) and ``memento_datetime`` set.  What the UI and the CLI show is "recovered from ARCHIVE
(date)", from the newest such capture the archive handed over (a 2xx).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from archive.catalog.batches import in_chunks
from archive.catalog.judgements import newest_captures
from archive.catalog.models import Capture
from archive.catalog.transactions import Transactions


@dataclass(frozen=True)
class Recovery:
    """A source's newest capture recovered from a Memento archive."""

    source_id: int
    capture_id: int
    archive: str
    memento_datetime: datetime | None
    memento_url: str | None  # the URI the memento was fetched from (its record's target URI)


class Recoveries(Transactions):
    def recoveries_for(self, source_ids: Sequence[int]) -> dict[int, Recovery]:
        """The newest recovered capture of each of these sources that has one, by source id (one
        query per few hundred sources)."""
        found: dict[int, Recovery] = {}
        with self._tx() as session:
            for chunk in in_chunks(sorted(set(source_ids))):
                query = newest_captures(
                    Capture.source_id,
                    Capture.source_id.in_(chunk),
                    Capture.role == "source",
                    Capture.recovered_from.is_not(None),
                    Capture.status.between(200, 299),
                )
                for row in session.scalars(query):
                    if row.source_id is not None and row.recovered_from is not None:
                        found[row.source_id] = Recovery(
                            source_id=row.source_id,
                            capture_id=row.id,
                            archive=row.recovered_from,
                            memento_datetime=row.memento_datetime,
                            memento_url=row.final_url,
                        )
        return found
