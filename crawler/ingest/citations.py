"""Collecting citations in reading order, one per canonical URL, with a hard cap."""

from __future__ import annotations

from dataclasses import dataclass, field

from crawler.ingest.model import Citation
from crawler.ingest.quotes import MAX_QUOTES
from crawler.ingest.sentences import normalise_space

MAX_CITATIONS = 2000
MAX_LABEL = 300


@dataclass
class _Draft:
    url: str
    label: str
    sentence: str
    quotes: list[str] = field(default_factory=list)


class CitationCollector:
    """Accumulates links as an extractor finds them; :meth:`citations` freezes the result.

    The first occurrence of a URL fixes its place and its label and sentence; later occurrences
    only fill a label or sentence left empty and add quotes not seen yet.
    """

    def __init__(self, limit: int = MAX_CITATIONS) -> None:
        self._limit = limit
        self._drafts: dict[str, _Draft] = {}

    @property
    def full(self) -> bool:
        """True once the cap is reached; extractors may stop looking for new links."""
        return len(self._drafts) >= self._limit

    def accepts(self, url: str) -> bool:
        """Whether adding ``url`` would change anything; lets extractors skip computing its context."""
        return url in self._drafts or not self.full

    def add(self, url: str, label: str = "", sentence: str = "", quotes: tuple[str, ...] = ()) -> None:
        """Record one occurrence of the canonical ``url``."""
        label = normalise_space(label)[:MAX_LABEL]
        draft = self._drafts.get(url)
        if draft is None:
            if self.full:
                return
            draft = self._drafts[url] = _Draft(url, label, sentence)
        else:
            draft.label = draft.label or label
            draft.sentence = draft.sentence or sentence
        for quote in quotes:
            if quote not in draft.quotes and len(draft.quotes) < MAX_QUOTES:
                draft.quotes.append(quote)

    def citations(self) -> tuple[Citation, ...]:
        """The citations found so far, in order of first appearance."""
        return tuple(
            Citation(url=d.url, label=d.label, sentence=d.sentence, quotes=tuple(d.quotes), position=i)
            for i, d in enumerate(self._drafts.values())
        )
