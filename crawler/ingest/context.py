"""The words around a link: the sentence it stands in and the quotes near it."""

from __future__ import annotations

import bisect
import re
from functools import cached_property

from crawler.ingest.quotes import MAX_QUOTE, MAX_QUOTES, quote_spans
from crawler.ingest.sentences import normalise_space, sentence_around, sentence_spans, tail

# "Source: https://…", "Sources: Reuters, https://…", "Via: …", optionally bulleted or quoted.
SOURCE_LINE = re.compile(r"^[ \t>*•·-]*(?:sources?|via)[ \t]*:[ \t]*", re.IGNORECASE)
QUOTE_RADIUS = 1500
_SEPARATORS = " \t,;|-–—:()[]"


class Passage:
    """A paragraph (or page) of text; answers the context of any span in it, computing splits once."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def _sentences(self) -> list[tuple[int, int]]:
        return sentence_spans(self.text)

    @cached_property
    def _quotes(self) -> list[tuple[int, int, str]]:
        return quote_spans(self.text)

    def sentence(self, start: int, end: int) -> str:
        """The sentence that the span ``[start, end)`` stands in."""
        return sentence_around(self.text, start, end, spans=self._sentences)

    def quotes(self, start: int = 0, end: int | None = None, radius: int = QUOTE_RADIUS) -> tuple[str, ...]:
        """Quoted passages within ``radius`` chars of the span; the whole passage's when no span given."""
        if end is None:
            return tuple(p for _, _, p in self._quotes[:MAX_QUOTES])
        # Quotes are sorted by start and at most MAX_QUOTE long: bisect instead of scanning them all,
        # since a long paragraph can hold thousands of links and quotes.
        low = bisect.bisect_left(self._quotes, start - radius - MAX_QUOTE - 2, key=lambda q: q[0])
        high = bisect.bisect_right(self._quotes, end + radius, key=lambda q: q[0])
        found = [p for s, e, p in self._quotes[low:high] if e >= start - radius]
        return tuple(found[:MAX_QUOTES])

    def claim(self) -> str:
        """The passage as the claim a following ``Source:`` line supports: its last sentences."""
        return tail(self.text)


def source_label(text: str) -> str:
    """The label written between ``Source:`` (or a previous URL) and a URL, without separators."""
    return normalise_space(text).strip(_SEPARATORS)
