"""Two captures of a source compared: HTTP status and redirects, main text diff, and lost quotes."""

from __future__ import annotations

from dataclasses import dataclass

from archive.catalog import CaptureView, Catalog, Redirect
from archive.text import contains_quote
from archive.web.evidence import Evidence, RecordReader, load_evidence
from archive.web.inline_diff import Segment, inline_diff
from archive.web.queries import WebQueries
from archive.web.rows import ChangeRow


@dataclass(frozen=True)
class Comparison:
    """What the diff page shows for a pair of captures."""

    before: Evidence
    after: Evidence
    change: ChangeRow | None
    segments: tuple[Segment, ...]
    removed_quotes: tuple[str, ...]
    quotes_from_change: bool

    @property
    def status_changed(self) -> bool:
        return self.before.status != self.after.status

    @property
    def final_url_changed(self) -> bool:
        return final_url(self.before.capture) != final_url(self.after.capture)

    @property
    def redirects_changed(self) -> bool:
        return self.before.capture.redirects != self.after.capture.redirects

    @property
    def text_changed(self) -> bool:
        return any(s.op != "equal" for s in self.segments)


def final_url(capture: CaptureView) -> str:
    """Where the capture's fetch ended after redirects."""
    return capture.final_url or capture.url


def redirect_chain(capture: CaptureView) -> tuple[Redirect, ...]:
    """The capture's redirect hops, in order."""
    return capture.redirects


def compare(
    before: CaptureView,
    after: CaptureView,
    *,
    catalog: Catalog,
    queries: WebQueries,
    read: RecordReader,
) -> Comparison:
    """Compare two captures: read both records, diff their main texts, find the quotes lost.

    Removed quotes come from the change recorded for exactly this pair when there is one (what the
    alert said); otherwise they are the citing articles' quotes found before and not after.
    """
    selectors: tuple[str, ...] = ()
    source_id = after.source_id if after.source_id is not None else before.source_id
    if source_id is not None:
        selectors, _patterns = catalog.get_ignore_rules(source_id)
    evidence = [
        load_evidence(c, read=read, payload_capture=queries.payload_capture(c), ignore_selectors=selectors)
        for c in (before, after)
    ]
    old, new = evidence
    change = queries.change_between(before.id, after.id)
    if change is not None:
        removed, from_change = change.removed_quotes, True
    else:
        quotes = catalog.quotes_for_source(source_id) if source_id is not None else ()
        removed = tuple(q for q in quotes if contains_quote(old.text, q) and not contains_quote(new.text, q))
        from_change = False
    return Comparison(old, new, change, inline_diff(old.text, new.text), removed, from_change)
