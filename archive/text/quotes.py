"""Is a passage that an article quoted still in a text? Fuzzy, but strict about facts."""

from __future__ import annotations

import re
from collections import Counter
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
            facts[word.casefold()] += 1
    return facts


def _negations(words: list[str]) -> int:
    return sum(1 for w in words if w in _NEGATIONS or w.endswith("n't"))


def contains_quote(text: str, quote: str, *, threshold: float = 0.9) -> bool:
    """Whether ``quote`` is still in ``text``.

    Case, whitespace and typographic quotes do not matter; ellipses and bracketed insertions in
    the quote split it into parts that must each be found; each part may differ by small edits
    (``threshold`` similarity over its best-matching window of ``text``). A number or name of the
    quote missing from that window, or a negation added or removed, means it is not found.
    """
    words = [w.casefold() for w in _words(normalise(text))]
    segments = [s for s in _CUTS.split(normalise(quote)) if _words(s)]
    if not segments:
        return True
    return all(_segment_found(words, segment, threshold) for segment in segments)


def _segment_found(words: list[str], segment: str, threshold: float) -> bool:
    wanted = [w.casefold() for w in _words(segment)]
    facts = _facts(segment)
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
            window = words[max(0, start) : max(0, start) + size]
            if not window:
                continue
            score = SequenceMatcher(None, wanted_text, " ".join(window), autojunk=False).ratio()
            if score < threshold:
                continue
            if facts - Counter(window) or _negations(window) != _negations(wanted):
                continue
            return True
    return False
