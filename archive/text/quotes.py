"""Is a passage that an article quoted still in a text? Fuzzy, but strict about facts."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher

from archive.text.normalise import normalise

# Editorial cuts and insertions in a quote: "[...]", "(...)", "...", "[the minister]".
_CUTS = re.compile(r"\[[^\]]{0,60}\]|\(\s*\.\.\.\s*\)|\.{3,}")
# Words, keeping "1,234", "3.5", "don't" and "e-mail" whole.
_WORD = re.compile(r"[^\W_]+(?:[-'.,:/][^\W_]+)*")
_SENTENCE_END = re.compile(r"[.!?:;]\s*$")
_NEGATIONS = frozenset({"not", "no", "never", "nor", "none", "nobody", "nothing", "neither", "without"})
_MAX_CANDIDATES = 40
_LENGTH_SLACK = 3


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _facts(segment: str) -> Counter[str]:
    """Tokens a quote cannot lose and stay the same quote: numbers and names (mid-sentence capitals)."""
    facts: Counter[str] = Counter()
    for match in _WORD.finditer(segment):
        word = match.group()
        before = segment[: match.start()]
        sentence_start = not before.strip(" \"'([") or bool(_SENTENCE_END.search(before))
        if any(c.isdigit() for c in word) or (word[0].isupper() and not sentence_start):
            facts.update(_words(word.casefold()))  # tokenised as the words it is compared with
    return facts


def _negations(words: list[str]) -> int:
    return sum(1 for w in words if w in _NEGATIONS or w.endswith("n't"))


def contains_quote(text: str, quote: str, *, threshold: float | None = None) -> bool:
    """Whether ``quote`` is still in ``text``.

    Case, whitespace, punctuation and typographic quotes do not matter; ellipses and bracketed
    insertions in the quote split it into parts that must each be found.  By default each part
    must appear word for word, except that a long word may differ by a typo ("civilans"): a
    changed word ("safely" → "quickly", "ministry" → "army") means the quote is gone, because
    an altered quote is exactly what a journalist must hear about.  ``threshold`` (a similarity
    ratio) loosens this to small edits over the best-matching window; even then a number or name
    of the quote missing from that window, or a negation added or removed, means not found.
    """
    # Casefold before splitting into words: folding can add a combining mark ("İ" -> "i̇") that
    # word splitting then drops, and both sides must drop it alike.
    words = _words(normalise(text).casefold())
    segments = [s for s in _CUTS.split(normalise(quote)) if _words(s)]
    if not segments:
        return True
    return all(_segment_found(words, segment, threshold) for segment in segments)


def _same_word(a: str, b: str) -> bool:
    """Equal, or a typo of each other: long, digit-free words that differ by a letter or two."""
    if a == b:
        return True
    if len(a) < 6 or len(b) < 6 or any(c.isdigit() for c in a + b):
        return False
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.88


def _segment_found(words: list[str], segment: str, threshold: float | None) -> bool:
    wanted = _words(segment.casefold())
    if threshold is None:
        return _verbatim(words, wanted)
    return _similar(words, wanted, segment, threshold)


def _verbatim(words: list[str], wanted: list[str]) -> bool:
    size = len(wanted)
    firsts = {i for i, w in enumerate(words) if _same_word(w, wanted[0])}
    return any(
        all(_same_word(a, b) for a, b in zip(words[start : start + size], wanted, strict=False))
        and len(words[start : start + size]) == size
        for start in firsts
    )


def _windows(words: list[str], wanted: list[str]) -> Iterator[tuple[int, int, float]]:
    """Candidate passages of ``words`` for the quote ``wanted``, as ``(start, end, similarity)``:
    the windows around the offsets where most of the quote's words line up, best-voted first."""
    positions: dict[str, list[int]] = {}
    for index, word in enumerate(wanted):
        positions.setdefault(word, []).append(index)
    votes: Counter[int] = Counter()
    for index, word in enumerate(words):
        for offset in positions.get(word, ()):
            votes[index - offset] += 1
    wanted_text = " ".join(wanted)
    length = len(wanted)
    for start, _ in votes.most_common(_MAX_CANDIDATES):
        for size in range(max(1, length - _LENGTH_SLACK), length + _LENGTH_SLACK + 1):
            begin = max(0, start)
            window = words[begin : begin + size]
            if not window:
                continue
            score = SequenceMatcher(None, wanted_text, " ".join(window), autojunk=False).ratio()
            yield begin, begin + len(window), score


def _similar(words: list[str], wanted: list[str], segment: str, threshold: float) -> bool:
    facts = _facts(segment)
    for start, end, score in _windows(words, wanted):
        window = words[start:end]
        if score < threshold:
            continue
        if facts - Counter(window) or _negations(window) != _negations(wanted):
            continue
        return True
    return False


# A passage this similar to a part of a quote (difflib ratio over the words), sharing at least
# this share of its words, is "the quote, changed"; below either, the quote is gone.
CLOSE_RATIO = 0.6
CLOSE_SHARED = 0.5


@dataclass(frozen=True)
class Rewording:
    """A part of a quote that is no longer in a text word for word, and the text's closest passage
    to it (None: nothing close), both as words joined by single spaces."""

    part: str
    passage: str | None


def rewordings(text: str, quote: str) -> tuple[Rewording, ...]:
    """The parts of ``quote`` (split at editorial cuts, as `contains_quote` splits them) that
    ``text`` no longer holds word for word, each with the closest passage of ``text``.

    Empty when `contains_quote` finds the whole quote.  The passages come from the same candidate
    windows as `contains_quote`'s loose match; the closest is the most similar that shares enough
    words (``CLOSE_RATIO``, ``CLOSE_SHARED``), spelled as in ``text`` (case kept).
    """
    folded = _words(normalise(text).casefold())
    shown = _words(normalise(text))
    if len(shown) != len(folded):  # casefolding split a word: show the folded words instead
        shown = folded
    out: list[Rewording] = []
    for segment in _CUTS.split(normalise(quote)):
        wanted = _words(segment.casefold())
        if not wanted or _verbatim(folded, wanted):
            continue
        best: tuple[float, int, int] | None = None
        for start, end, score in _windows(folded, wanted):
            shared = sum((Counter(folded[start:end]) & Counter(wanted)).values()) / len(wanted)
            if score >= CLOSE_RATIO and shared >= CLOSE_SHARED and (best is None or score > best[0]):
                best = (score, start, end)
        passage = None if best is None else " ".join(shown[best[1] : best[2]])
        out.append(Rewording(" ".join(_words(segment)), passage))
    return tuple(out)
