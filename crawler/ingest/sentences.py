"""Sentence boundaries, so a citation can carry the one sentence it stands in."""

from __future__ import annotations

import bisect
import re

MAX_SENTENCE = 500
ELLIPSIS = "…"

_WHITESPACE = re.compile(r"\s+")
# A terminator, any closing quotes/brackets, then whitespace; CJK terminators need no whitespace.
_BOUNDARY = re.compile(r"[.!?…]+[\"”’»)\]]*\s+|[。！？]+[”’」』)]*\s*")
_OPENERS = '"“‘«„([¿¡'
# Words that end in a period without ending a sentence.
_ABBREVIATIONS = frozenset(
    (
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "sr",
        "jr",
        "no",
        "nos",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "u.s",
        "u.k",
        "u.n",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "maj",
        "rep",
        "sen",
        "gov",
        "pres",
        "rev",
        "hon",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "inc",
        "ltd",
        "co",
        "corp",
        "approx",
        "fig",
        "p",
        "pp",
        "vol",
    )
)


def normalise_space(text: str) -> str:
    """Collapse every run of whitespace to one space and trim the ends."""
    return _WHITESPACE.sub(" ", text).strip()


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split ``text`` into sentences; return their ``(start, end)`` offsets, whitespace excluded."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if end >= len(text) or (not _starts_sentence(text[end]) and match.group()[0] not in "。！？"):
            continue
        if _ends_with_abbreviation(text, match.start()):
            continue
        spans.append((start, match.end() - (len(match.group()) - len(match.group().rstrip()))))
        start = end
    if start < len(text):
        spans.append((start, len(text.rstrip())))
    return [(s, e) for s, e in spans if e > s]


def sentence_around(
    text: str, start: int, end: int, limit: int = MAX_SENTENCE, spans: list[tuple[int, int]] | None = None
) -> str:
    """The sentence(s) of ``text`` overlapping ``[start, end)``, trimmed around that span to ``limit``.

    Pass ``spans`` (from :func:`sentence_spans`) when asking about many links in one text.
    """
    if spans is None:
        spans = sentence_spans(text)
    if not spans:
        return ""
    # Sentences are sorted and disjoint: bisect to the first one ending at or after ``start``.
    index = bisect.bisect_left(spans, start, key=lambda span: span[1])
    index = min(index, len(spans) - 1)
    last_index = index
    while last_index + 1 < len(spans) and spans[last_index + 1][0] < end:
        last_index += 1
    first, last = spans[index][0], spans[last_index][1]
    # Bounds, not a slice: one hostile megabyte-long sentence holding thousands of links would
    # otherwise be copied once per link.
    return window(text, start, end, limit, first=first, last=last)


def window(
    text: str, start: int, end: int, limit: int = MAX_SENTENCE, *, first: int = 0, last: int | None = None
) -> str:
    """Whitespace-normalised ``text[first:last]``, cut at word boundaries to about ``limit`` chars
    around the span ``[start, end)`` (offsets into ``text``)."""
    last = len(text) if last is None else last
    if last - first <= limit:
        return normalise_space(text[first:last])
    centre = (start + end) // 2
    lo = max(first, min(centre - limit // 2, last - limit))
    hi = lo + limit
    if lo > first:
        space = text.find(" ", lo, min(lo + 40, last))
        lo = space + 1 if space >= 0 else lo
    if hi < last:
        space = text.rfind(" ", max(lo, hi - 39), hi)
        hi = space if space >= 0 else hi
    return (ELLIPSIS if lo > first else "") + normalise_space(text[lo:hi]) + (ELLIPSIS if hi < last else "")


def tail(text: str, limit: int = MAX_SENTENCE) -> str:
    """The last whole sentences of ``text`` that fit in ``limit`` chars (a cut last one if none fit)."""
    text = normalise_space(text)
    if len(text) <= limit:
        return text
    spans = sentence_spans(text)
    first = len(spans)
    while first > 0 and spans[-1][1] - spans[first - 1][0] <= limit:
        first -= 1
    if first < len(spans):
        return ELLIPSIS + text[spans[first][0] : spans[-1][1]]
    return window(text, len(text), len(text), limit)


def _starts_sentence(char: str) -> bool:
    return char.isupper() or char.isdigit() or char in _OPENERS


def _ends_with_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word_start = dot
    while word_start > 0 and not text[word_start - 1].isspace() and text[word_start - 1] not in _OPENERS:
        word_start -= 1
    word = text[word_start:dot].lower()
    # Single letters are initials ("John F. Kennedy").
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())
