"""Building an article's link-health report: each source's state, and each quote checked against the
text of the source's latest usable capture.

Which text a quote is checked against, and what a quote's fate is when there is none:

* the newest capture of the source that got a 2xx answer (a revisit reads the response it repeats,
  a browser capture its rendered DOM: `read_payload`), its main text extracted and its user's ignore
  patterns removed as change detection does; exactly one capture is read per source;
* a source that is **deleted** now: its quotes are ``gone`` (a reader following the link no longer
  finds them), unless the capture is one recovered from a Memento archive (the source was dead when
  it was ingested): then the quotes are checked against the recovered copy;
* a source **never captured** (no capture ever got a 2xx answer): its quotes are ``gone``;
* an **unreachable** source: its quotes are checked against its last usable capture.

A quote is ``present`` when `archive.text.contains_quote` finds it (change detection's own test), else
``changed`` when every part of it missing word for word has a close passage in the text
(`archive.text.quotes.rewordings`, with the words removed and added by `archive.text.word_diff`), else
``gone``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import Engine

from archive.catalog import CaptureView
from archive.report.model import (
    CHANGED,
    DELETED,
    GONE,
    LIVE,
    NEVER_CAPTURED,
    PRESENT,
    REDIRECTED,
    REPORT_STATES,
    ArticleReport,
    CitationHealth,
    QuoteHealth,
    worst_first,
)
from archive.report.sources import CitedSource, read_article_sources
from archive.text import contains_quote, normalise, word_diff
from archive.text.patterns import remove_matches
from archive.text.quotes import rewordings

_log = logging.getLogger(__name__)

# The decoded payload of a capture (a browser capture: its rendered DOM), or None without one.
PayloadReader = Callable[[CaptureView], bytes | None]


def quote_health(text: str, quote: str) -> QuoteHealth:
    """The fate of ``quote`` in ``text`` (see the module docstring)."""
    if contains_quote(text, quote):
        return QuoteHealth(quote, PRESENT)
    parts = rewordings(text, quote)
    if not parts or any(p.passage is None for p in parts):
        return QuoteHealth(quote, GONE)
    removed: list[str] = []
    added: list[str] = []
    for part in parts:
        diff = word_diff(part.part, part.passage or "")
        removed += diff.removed
        added += diff.added
    passage = " … ".join(p.passage or "" for p in parts)
    return QuoteHealth(quote, CHANGED, passage=passage, removed=tuple(removed), added=tuple(added))


def capture_text(
    payload: bytes, capture: CaptureView, *, selectors: Sequence[str] = (), patterns: Sequence[str] = ()
) -> str:
    """The main text of a capture's payload as change detection compares it: extracted without the
    user's ignored page parts, normalised, the user's ignored patterns removed."""
    from archive.text import main_text

    # A browser capture's payload is the DOM the browser rendered, whatever the response said.
    content_type = "text/html; charset=utf-8" if capture.mode == "browser" else capture.content_type
    extracted = main_text(
        payload, content_type, url=capture.final_url or capture.url, ignore_selectors=selectors
    )
    return normalise(remove_matches(normalise(extracted), patterns))


def build_report(
    engine: Engine, article_id: int, *, read_payload: PayloadReader, now: datetime
) -> ArticleReport | None:
    """The report of article ``article_id`` (None if there is no such article)."""
    article = read_article_sources(engine, article_id)
    if article is None:
        return None
    citations = [_citation(source, read_payload) for source in article.sources]
    return ArticleReport(
        article_id=article.article_id,
        title=article.title,
        origin=article.origin,
        tags=article.tags,
        ingested_at=article.ingested_at,
        generated_at=now,
        citations=worst_first(citations),
    )


def _state(source: CitedSource) -> str:
    if source.usable is None:
        return NEVER_CAPTURED
    return source.state if source.state in REPORT_STATES else LIVE  # "pending": captured, not judged


def _citation(source: CitedSource, read_payload: PayloadReader) -> CitationHealth:
    state = _state(source)
    quotes = source.citation.quotes
    latest = source.latest
    redirected_to = None
    if state == REDIRECTED and latest is not None:
        redirected_to = latest.final_url or latest.url
    recovered = source.usable_ref is not None and source.usable_ref.recovered_from is not None
    capture = source.usable_ref
    note = None
    statuses: tuple[QuoteHealth, ...]
    if state == NEVER_CAPTURED:
        capture = source.latest_ref
        note = "never captured: no capture of the source got a 2xx answer"
        statuses = tuple(QuoteHealth(q, GONE) for q in quotes)
    elif state == DELETED and not recovered:
        capture = source.latest_ref
        note = "the source is deleted: its quotes are no longer on the page"
        statuses = tuple(QuoteHealth(q, GONE) for q in quotes)
    else:
        statuses, note = _checked(source, read_payload)
    return CitationHealth(
        position=source.citation.position,
        source_id=source.citation.source_id,
        url=source.citation.url,
        label=source.citation.label,
        state=state,
        change=source.change,
        redirected_to=redirected_to,
        capture=capture,
        quotes=statuses,
        note=note,
    )


def _checked(source: CitedSource, read_payload: PayloadReader) -> tuple[tuple[QuoteHealth, ...], str | None]:
    quotes = source.citation.quotes
    usable = source.usable
    if not quotes or usable is None:
        return (), None
    try:
        payload = read_payload(usable)
        if payload is None:
            raise ValueError("its record holds no payload")
        text = capture_text(payload, usable, selectors=source.selectors, patterns=source.patterns)
    except Exception as error:  # one source's unreadable record must not cost the whole report
        _log.warning("report: capture %d of %s cannot be read: %s", usable.id, usable.url, error)
        reason = f"{type(error).__name__}: {error}".splitlines()[0]
        return tuple(QuoteHealth(q, GONE) for q in quotes), f"capture {usable.id} cannot be read ({reason})"
    return tuple(quote_health(text, q) for q in quotes), None
