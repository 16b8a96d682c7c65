"""Passages an article puts in quotation marks: the words a source is cited for."""

from __future__ import annotations

import re

from crawler.ingest.sentences import normalise_space

MIN_WORDS = 4
MAX_QUOTE = 2000
MAX_QUOTES = 20

# Curly, guillemet and low-high pairs are unambiguous. Straight double quotes must open after a
# space or bracket and close before a non-word character. A single curly pair counts only when its
# closing mark is not an apostrophe inside a word ("didn’t", "Guterres’s").
_SPAN = f"{{1,{MAX_QUOTE}}}"
_PATTERNS = (
    re.compile(rf"“([^“”\n]{_SPAN})”"),
    re.compile(rf"«([^«»\n]{_SPAN})»"),
    re.compile(rf"„([^„“”\n]{_SPAN})[“”]"),
    re.compile(rf"(?:^|(?<=[\s(\[{{—–-]))\"(?=\S)([^\"\n]{_SPAN}?)(?<=\S)\"(?!\w)"),
    re.compile(rf"(?<![\w‘’])‘(?=\S)([^‘\n]{_SPAN}?)(?<=\S)’(?!\w)"),
)
_WORD = re.compile(r"\w+")
_CLOSERS = {"“": "”", "«": "»", "„": "“", '"': '"'}


def quote_spans(text: str) -> list[tuple[int, int, str]]:
    """Quoted passages of at least four words as ``(start, end, passage)``, in order of appearance."""
    found: dict[str, tuple[int, int]] = {}
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            passage = normalise_space(match.group(1))
            if len(_WORD.findall(passage)) >= MIN_WORDS and passage not in found:
                found[passage] = match.span()
    ordered = sorted(((s, e, p) for p, (s, e) in found.items()), key=lambda item: item[0])
    return ordered


def quotes_near(text: str, start: int, end: int, radius: int = 1500) -> tuple[str, ...]:
    """Quoted passages of ``text`` that lie within ``radius`` chars of the span ``[start, end)``."""
    near = [p for s, e, p in quote_spans(text) if e >= start - radius and s <= end + radius]
    return tuple(near[:MAX_QUOTES])


def quote_text(text: str) -> str | None:
    """``text`` as a quote in its own right (a ``<blockquote>``), if it is long enough to be one."""
    passage = normalise_space(text)
    # A block quote that wraps its whole text in quotation marks: the marks are not the words.
    closer = _CLOSERS.get(passage[:1])
    if (
        closer
        and passage.count(closer) == 1 + (closer == passage[0])
        and passage.rstrip(".,;:!?").endswith(closer)
    ):
        passage = passage.rstrip(".,;:!?")[1:-1].strip()
    if len(_WORD.findall(passage)) < MIN_WORDS:
        return None
    return passage[:MAX_QUOTE]
