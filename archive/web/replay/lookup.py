"""Finding the capture to replay: read-only catalog queries, closest in time like the Wayback Machine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from sqlalchemy import Engine, Select, select
from sqlalchemy.orm import Session

from archive.catalog.models import Capture
from archive.catalog.originals import find_original, located, revisited_urls

PAYLOAD_RECORDS = ("response", "revisit")


@dataclass(frozen=True)
class CaptureRow:
    """One replayable catalog capture: where its WARC record is and what it answered.

    ``final_url`` and ``redirect_status`` are set when the fetch of ``url`` followed redirects:
    the record then holds the response of ``final_url``, and ``redirect_status`` is the first hop's.
    """

    id: int
    url: str
    captured_at: datetime
    status: int | None
    content_type: str | None
    warc_name: str
    offset: int
    length: int
    record_type: str
    payload_digest: str | None
    final_url: str | None = None
    redirect_status: int | None = None


def url_forms(url: str) -> tuple[str, ...]:
    """The spellings of ``url`` to look up first: as requested and percent-decoded."""
    forms = [url, unquote(url)]
    return tuple(dict.fromkeys(forms))


def url_variants(url: str) -> tuple[str, ...]:
    """Fallback spellings: http <-> https, with and without a trailing slash, host lower-cased."""
    out: list[str] = []
    for form in url_forms(url):
        parts = urlsplit(form)
        if parts.scheme.lower() not in ("http", "https"):
            continue
        other = "https" if parts.scheme.lower() == "http" else "http"
        path = parts.path or "/"
        paths = (path, path[:-1]) if path.endswith("/") and path != "/" else (path, path + "/")
        if path == "/":
            paths = ("/", "")
        for scheme in (parts.scheme.lower(), other):
            for variant_path in paths:
                out.append(urlunsplit((scheme, parts.netloc.lower(), variant_path, parts.query, "")))
    exact = set(url_forms(url))
    return tuple(v for v in dict.fromkeys(out) if v not in exact)


class CaptureLookup:
    """Read-only queries on the catalog's ``capture`` table for replay."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def closest(self, url: str, moment: datetime) -> CaptureRow | None:
        """The capture of ``url`` (its exact spellings first, then `url_variants`) closest to
        ``moment``, before or after.  A capture within the very second asked for wins whatever
        its status (a 404 at that moment is the evidence asked for); otherwise the closest
        capture with a status below 400 is preferred over closer errors."""
        for urls in (url_forms(url), url_variants(url)):
            if not urls:
                continue
            with Session(self._engine) as session:
                row = _closest_among(session, urls, moment)
            if row is not None:
                return row
        return None

    def original_of(
        self, revisit: CaptureRow, payload_digest: str, *, refers_to: str | None = None
    ) -> CaptureRow | None:
        """The response capture holding the payload a revisit refers to (`find_original`: the
        record its WARC-Refers-To names, else by digest, under the revisit's URLs preferred)."""
        with Session(self._engine) as session:
            found = find_original(
                session,
                urls=revisited_urls(revisit.url, revisit.final_url),
                captured_at=revisit.captured_at,
                payload_digest=payload_digest,
                refers_to=refers_to,
            )
            return None if found is None else _to_row(found)


def _closest_among(session: Session, urls: Sequence[str], moment: datetime) -> CaptureRow | None:
    # One query per URL spelling and column, each an index range read from its end: a single
    # query with ``url IN (...) OR final_url IN (...)`` made SQLite gather and sort every capture
    # of a hot URL (20,000 of them) to return one.
    bases = [
        located(select(Capture)).where(column == u, Capture.record_type.in_(PAYLOAD_RECORDS))
        for column in (Capture.url, Capture.final_url)
        for u in urls
    ]
    # A URL never captured ends here: one index probe per spelling and column, not five.
    probes = [
        select(Capture.id).where(column == u).limit(1)
        for column in (Capture.url, Capture.final_url)
        for u in urls
    ]
    if all(session.scalars(probe).first() is None for probe in probes):
        return None
    found = closest_of(session, bases, moment)
    return None if found is None else _to_row(found)


def closest_of(session: Session, bases: Sequence[Select[Any]], moment: datetime) -> Capture | None:
    """The capture closest to ``moment`` among those ``bases`` select (replay's rule, which the
    TimeGate follows too): one within the very second asked for wins whatever its status;
    otherwise the closest with a status below 400, before or after, over closer errors."""
    exact = pick(
        session,
        [
            base.where(Capture.captured_at >= moment, Capture.captured_at < moment + timedelta(seconds=1))
            for base in bases
        ],
        newest=False,
    )
    if exact is not None:
        return exact
    for only_ok in (True, False):
        chosen = [base.where(Capture.status < 400) for base in bases] if only_ok else bases
        before = pick(session, [q.where(Capture.captured_at <= moment) for q in chosen], newest=True)
        after = pick(session, [q.where(Capture.captured_at > moment) for q in chosen], newest=False)
        nearest = _nearer(before, after, moment)
        if nearest is not None:
            return nearest
    return None


def pick(session: Session, queries: Sequence[Select[Any]], *, newest: bool) -> Capture | None:
    """The newest (or oldest) capture among the first answers of ``queries``."""
    if newest:
        ordered = [q.order_by(Capture.captured_at.desc(), Capture.id.desc()) for q in queries]
    else:
        ordered = [q.order_by(Capture.captured_at, Capture.id) for q in queries]
    found: list[Capture] = [c for q in ordered if (c := session.scalars(q.limit(1)).first()) is not None]
    if not found:
        return None
    if newest:
        return max(found, key=lambda c: (c.captured_at, c.id))
    return min(found, key=lambda c: (c.captured_at, c.id))


def _nearer(before: Capture | None, after: Capture | None, moment: datetime) -> Capture | None:
    if before is None or after is None:
        return before or after
    return before if moment - before.captured_at <= after.captured_at - moment else after


def _to_row(c: Capture) -> CaptureRow:
    assert c.warc_name is not None and c.offset is not None and c.length is not None  # see located
    redirects = c.redirects or []
    first_hop = redirects[0].get("status") if redirects and isinstance(redirects[0], dict) else None
    return CaptureRow(
        id=c.id,
        url=c.url,
        captured_at=c.captured_at,
        status=c.status,
        content_type=c.content_type,
        warc_name=c.warc_name,
        offset=c.offset,
        length=c.length,
        record_type=c.record_type,
        payload_digest=c.payload_digest,
        final_url=c.final_url,
        redirect_status=first_hop if isinstance(first_hop, int) else None,
    )
