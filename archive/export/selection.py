"""Which captures make up an article's evidence, and where a revisit's original payload lives.

The evidence of an article is its own archived page (if any) and every capture of every source it
cites, oldest first, each followed by its page requisites; a browser capture brings the records it
kept beside the page (screenshot, rendered DOM and text, how it was made), which may sit in another
WARC file than its page.  Captures without a WARC location (not written yet) cannot be copied and
are left out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace

from archive.catalog import ArticleView, CaptureView, Catalog
from archive.catalog.views import EVIDENCE_KINDS, EvidenceView


@dataclass(frozen=True)
class Selected:
    """A capture to copy into the package; ``title`` is set for the ones listed as pages,
    ``evidence`` holds a browser capture's evidence records (in `EVIDENCE_KINDS` order)."""

    capture: CaptureView
    title: str | None = None
    evidence: tuple[EvidenceView, ...] = ()


def select_captures(
    catalog: Catalog, article: ArticleView, *, only: Collection[int] | None = None
) -> list[Selected]:
    """The article page, then each cited source's captures (citation order), each with its
    requisites; with ``only``, just the captures of those ids (and their requisites)."""
    selected: list[Selected] = []
    if article.capture_id is not None and (only is None or article.capture_id in only):
        page = catalog.get_capture(article.capture_id)
        if page is not None:
            selected.append(Selected(page, article.title or page.url))
            selected.extend(Selected(r) for r in catalog.requisites_of(page.id))
    for citation in article.citations:
        for capture in catalog.captures_for(citation.url):
            if only is not None and capture.id not in only:
                continue
            selected.append(Selected(capture, citation.label or citation.url))
            selected.extend(Selected(r) for r in catalog.requisites_of(capture.id))
    located = [s for s in selected if has_location(s.capture)]
    evidence = catalog.evidence_for(sorted({s.capture.id for s in located}))
    return [
        replace(s, evidence=tuple(kinds[k] for k in EVIDENCE_KINDS if k in kinds))
        if (kinds := evidence.get(s.capture.id))
        else s
        for s in located
    ]


def has_location(capture: CaptureView) -> bool:
    """Whether the capture's record can be read back (it has a WARC name, offset and length)."""
    return capture.warc_name is not None and capture.offset is not None and capture.length is not None


def find_original(
    catalog: Catalog, known: Mapping[str, CaptureView], revisit: CaptureView, *, refers_to: str | None
) -> CaptureView | None:
    """The response capture holding a revisit's payload, or None if the catalog has none.

    By record ID among the captures already selected, else as replay and the report find it
    (`Catalog.original_of`: the record WARC-Refers-To names, else by payload digest across URLs: a
    redirect's revisit repeats its target's payload, captured under the target's URL).
    """
    if refers_to is not None and refers_to in known:
        return known[refers_to]
    original = catalog.original_of(revisit, refers_to=refers_to)
    return original if original is not None and has_location(original) else None
