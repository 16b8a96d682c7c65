"""The capture note: a ``metadata`` record saying what a capture was, so the WARC alone tells it.

A response record says what was fetched, not why: whether it was a cited source (and which),
a page requisite (of which page), an article's own page or a soft-404 probe, and which redirect
hops led to it.  The catalog knows, but the WARC files are the source of truth and the catalog
an index that `archive.index.reindex` rebuilds from them.  So after each capture the crawl
writes one ``metadata`` record (``application/warc-fields``, ``WARC-Concurrent-To`` the
capture's response, revisit or failure record), holding these fields:

``citewatch-role``        source | requisite | article | probe
``citewatch-source``      the watched source's URL (source and probe captures)
``citewatch-target``      the URL that was asked for (the first hop's, before redirects)
``citewatch-redirect``    one per hop, in order: ``RECORD-ID STATUS URL``
``citewatch-parent``      the record id of the page this requisite belongs to
``citewatch-article``     the origin of the article this page is (article captures)
``citewatch-body-length`` the payload length as received (a revisit record has no payload)
``citewatch-mode``        browser, for a capture a browser made (absent: HTTP)

A capture recovered from a Memento archive (a source dead at ingest; its record's target URI is
the memento's URI, ``citewatch-source`` the original URL) adds:

``citewatch-recovered-from``   the archive's configured name
``citewatch-timegate``         the TimeGate asked (the source URL was appended to it)
``citewatch-memento``          the memento's URI as the TimeGate named it (URI-M)
``citewatch-memento-raw``      ``id_`` when the unrewritten form of it was fetched instead
``citewatch-memento-datetime`` the archive's Memento-Datetime (an HTTP-date)
``citewatch-memento-link``     the TimeGate's Link header, as received

Metadata records like this one are what WARC 1.1 has them for (crawl-time facts about another
record); replay tools and cdxj-indexer skip them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ROLE = "citewatch-role"
SOURCE = "citewatch-source"
TARGET = "citewatch-target"
REDIRECT = "citewatch-redirect"
PARENT = "citewatch-parent"
ARTICLE = "citewatch-article"
BODY_LENGTH = "citewatch-body-length"
MODE = "citewatch-mode"
RECOVERED_FROM = "citewatch-recovered-from"
TIMEGATE = "citewatch-timegate"
MEMENTO = "citewatch-memento"
MEMENTO_RAW = "citewatch-memento-raw"
MEMENTO_DATETIME = "citewatch-memento-datetime"
MEMENTO_LINK = "citewatch-memento-link"
RAW_MODIFIER = "id_"


@dataclass(frozen=True)
class NoteHop:
    """One redirect hop as the note names it: its response record, status and URL."""

    record_id: str
    status: int
    url: str


@dataclass(frozen=True)
class NoteMemento:
    """Where a recovered capture came from (see the module's fields)."""

    archive: str
    timegate: str
    uri_m: str
    raw: bool
    memento_datetime: str | None  # an HTTP-date, as the archive gave it (or as we derived it)
    link: str


@dataclass(frozen=True)
class CaptureNote:
    """What a capture was, as written in its note record."""

    role: str
    target: str
    source: str | None = None
    redirects: tuple[NoteHop, ...] = ()
    parent: str | None = None
    article: str | None = None
    body_length: int | None = None
    mode: str | None = None
    memento: NoteMemento | None = None

    def fields(self) -> list[tuple[str, str]]:
        """The note as ``application/warc-fields`` (name, value) pairs, hops in order."""
        out = [(ROLE, self.role), (TARGET, self.target)]
        if self.source is not None:
            out.append((SOURCE, self.source))
        out += [(REDIRECT, f"{h.record_id} {h.status} {h.url}") for h in self.redirects]
        if self.parent is not None:
            out.append((PARENT, self.parent))
        if self.article is not None:
            out.append((ARTICLE, self.article))
        if self.body_length is not None:
            out.append((BODY_LENGTH, str(self.body_length)))
        if self.mode is not None:
            out.append((MODE, self.mode))
        if self.memento is not None:
            m = self.memento
            out += [(RECOVERED_FROM, m.archive), (TIMEGATE, m.timegate), (MEMENTO, m.uri_m)]
            if m.raw:
                out.append((MEMENTO_RAW, RAW_MODIFIER))
            if m.memento_datetime is not None:
                out.append((MEMENTO_DATETIME, m.memento_datetime))
            if m.link:
                out.append((MEMENTO_LINK, m.link))
        return out


def parse_note(fields: Iterable[tuple[str, str]]) -> CaptureNote | None:
    """The note these fields hold, or None if they are not a (well-formed) capture note."""
    values: dict[str, str] = {}
    hops: list[NoteHop] = []
    for name, value in fields:
        if name == REDIRECT:
            parts = value.split(" ", 2)
            if len(parts) != 3 or not parts[1].isdigit():
                return None
            hops.append(NoteHop(record_id=parts[0], status=int(parts[1]), url=parts[2]))
        else:
            values.setdefault(name, value)
    if ROLE not in values or TARGET not in values:
        return None
    length = values.get(BODY_LENGTH)
    return CaptureNote(
        role=values[ROLE],
        target=values[TARGET],
        source=values.get(SOURCE),
        redirects=tuple(hops),
        parent=values.get(PARENT),
        article=values.get(ARTICLE),
        body_length=int(length) if length is not None and length.isdigit() else None,
        mode=values.get(MODE),
        memento=_memento(values),
    )


def _memento(values: dict[str, str]) -> NoteMemento | None:
    if RECOVERED_FROM not in values:
        return None
    return NoteMemento(
        archive=values[RECOVERED_FROM],
        timegate=values.get(TIMEGATE, ""),
        uri_m=values.get(MEMENTO, ""),
        raw=values.get(MEMENTO_RAW) == RAW_MODIFIER,
        memento_datetime=values.get(MEMENTO_DATETIME),
        link=values.get(MEMENTO_LINK, ""),
    )
