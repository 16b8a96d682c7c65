"""`Originals`: the response capture whose payload a revisit repeats, wherever it was captured.

A revisit record holds no payload: the crawler wrote it because the payload it fetched has the
digest of one it already stored.  That earlier response may be under another URL: ``/moved``
redirects to ``/one``, both cited, and the capture of ``/moved`` ends at ``/one`` with ``/one``'s
payload.  So the original is found by payload digest across URLs (the ``ix_capture_payload_digest``
index), or first by the revisit's WARC-Refers-To record id where the caller has it.  Replay and the
readers of payloads (change detection, the report) both look it up here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, or_, select
from sqlalchemy.orm import Session

from archive.catalog.mapping import to_capture_view
from archive.catalog.models import Capture
from archive.catalog.transactions import Transactions
from archive.catalog.views import CaptureView


def located(query: Select[Any]) -> Select[Any]:
    """Only captures whose record can be read back."""
    return query.where(
        Capture.warc_name.is_not(None), Capture.offset.is_not(None), Capture.length.is_not(None)
    )


def find_original(
    session: Session,
    *,
    urls: tuple[str, ...],
    captured_at: datetime,
    payload_digest: str,
    refers_to: str | None = None,
) -> Capture | None:
    """The readable response capture holding the payload with ``payload_digest``: the record
    ``refers_to`` names if it is one, else one under ``urls`` (as asked for or as ended at)
    preferred, then the newest not after ``captured_at``."""
    responses = located(select(Capture)).where(
        Capture.payload_digest == payload_digest, Capture.record_type == "response"
    )
    if refers_to:
        by_id = responses.where(Capture.record_id == refers_to).limit(1)
        named: Capture | None = session.scalars(by_id).first()
        if named is not None:
            return named
    same_url = or_(Capture.url.in_(urls), Capture.final_url.in_(urls))
    query = responses.order_by(
        case((same_url, 0), else_=1),
        case((Capture.captured_at <= captured_at, 0), else_=1),
        Capture.captured_at.desc(),
        Capture.id.desc(),
    ).limit(1)
    found: Capture | None = session.scalars(query).first()
    return found


def revisited_urls(url: str, final_url: str | None) -> tuple[str, ...]:
    """The URLs a revisit's original most likely was captured under: the one asked for and the
    one its redirects ended at."""
    return tuple(dict.fromkeys(u for u in (url, final_url) if u))


class Originals(Transactions):
    def original_of(self, revisit: CaptureView, *, refers_to: str | None = None) -> CaptureView | None:
        """The response capture whose payload ``revisit`` repeats (None if none is recorded or
        ``revisit`` names no payload digest)."""
        if not revisit.payload_digest:
            return None
        with self._tx() as session:
            found = find_original(
                session,
                urls=revisited_urls(revisit.url, revisit.final_url),
                captured_at=revisit.captured_at,
                payload_digest=revisit.payload_digest,
                refers_to=refers_to,
            )
            return None if found is None else to_capture_view(found)
