"""Word-level differences between two texts, as passages a person can read."""

from __future__ import annotations

from dataclasses import dataclass

from archive.text.alignment import align, matched

MAX_PASSAGE = 300
# Changes separated by this few unchanged words read as one edit ("101 civilians ... 3 May").
_MERGE_GAP = 2


@dataclass(frozen=True)
class TextDiff:
    """What one text lost and gained against another, passage by passage."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    similarity: float

    @property
    def changed(self) -> bool:
        """Whether anything was added or removed."""
        return bool(self.added or self.removed)


def _trim(words: list[str]) -> str:
    passage = " ".join(words)
    if len(passage) <= MAX_PASSAGE:
        return passage
    cut = passage[: MAX_PASSAGE - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > MAX_PASSAGE // 2 else cut) + "…"


def word_diff(before: str, after: str) -> TextDiff:
    """Compare ``before`` and ``after`` word by word.

    Each contiguous run of changes becomes one removed and/or one added passage (runs separated
    by at most two unchanged words are merged), trimmed to about 300 characters. ``similarity``
    is difflib's ratio (2 × matched words ÷ all words; 1.0 for two empty texts) over the
    alignment of `archive.text.alignment`, which stays fast on long and hostile pages.
    """
    old, old_breaks = _words(before)
    new, new_breaks = _words(after)
    opcodes = align(old, new, old_breaks=old_breaks, new_breaks=new_breaks)
    # (i1, i2, j1, j2, removes, adds): merging keeps the gap words on both sides, so whether a
    # side really changed is tracked separately from whether its span is empty.
    runs: list[tuple[int, int, int, int, bool, bool]] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            continue
        removes, adds = i2 > i1, j2 > j1
        if runs and i1 - runs[-1][1] <= _MERGE_GAP and j1 - runs[-1][3] <= _MERGE_GAP:
            last = runs[-1]
            runs[-1] = (last[0], i2, last[2], j2, last[4] or removes, last[5] or adds)
        else:
            runs.append((i1, i2, j1, j2, removes, adds))
    removed = tuple(_trim(old[run[0] : run[1]]) for run in runs if run[4])
    added = tuple(_trim(new[run[2] : run[3]]) for run in runs if run[5])
    total = len(old) + len(new)
    similarity = 2.0 * matched(opcodes) / total if total else 1.0
    return TextDiff(added=added, removed=removed, similarity=similarity)


def _words(text: str) -> tuple[list[str], set[int]]:
    """The words of ``text``, and the indexes of the last word of each line."""
    words: list[str] = []
    ends: set[int] = set()
    for line in text.split("\n"):
        words.extend(line.split())
        if words:
            ends.add(len(words) - 1)
    return words, ends
