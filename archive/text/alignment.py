"""Aligning two token sequences (words of two versions of a page) in time that stays near linear.

difflib's SequenceMatcher compares every token with every other where the vocabulary repeats: a
page of a few thousand words took a quarter of a second, and a changed 10 MB page would never
finish.  So the alignment is done in three passes, each on much less than the last:

1. the tokens both versions start and end with are set aside (most edits are small and local);
2. what is left is cut into segments (sentences and lines) and the segments are aligned; a segment
   repeated all over the page cannot anchor a match there (difflib's "autojunk"), which keeps a
   hostile page of one sentence repeated a million times cheap;
3. only the runs of segments that differ are aligned token by token; a run longer than
   ``MAX_REGION`` tokens on a side is reported as replaced whole.

The result has the shape of ``SequenceMatcher.get_opcodes()``: ``(tag, i1, i2, j1, j2)`` tuples
covering both sequences in order, tags ``equal``, ``replace``, ``delete`` and ``insert``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from difflib import SequenceMatcher

Opcode = tuple[str, int, int, int, int]

# Past this many tokens on one side, a changed run is not aligned word by word.
MAX_REGION = 4000
_SENTENCE_END = (".", "!", "?", "\n")


def align(
    old: Sequence[str],
    new: Sequence[str],
    *,
    old_breaks: Collection[int] = (),
    new_breaks: Collection[int] = (),
) -> list[Opcode]:
    """Opcodes turning ``old`` into ``new`` (see the module docstring).

    A segment ends after a token ending a sentence or a line, and after the token indexes in
    ``old_breaks`` / ``new_breaks`` (the last word of each line, when lines are not tokens).
    """
    start = _common_prefix(old, new)
    end = _common_suffix(old, new, start)
    out: list[Opcode] = []
    if start:
        out.append(("equal", 0, start, 0, start))
    middle_old, middle_new = old[start : len(old) - end], new[start : len(new) - end]
    shifted_old = {b - start for b in old_breaks if start <= b < len(old) - end}
    shifted_new = {b - start for b in new_breaks if start <= b < len(new) - end}
    for tag, i1, i2, j1, j2 in _by_segments(middle_old, middle_new, shifted_old, shifted_new):
        out.append((tag, i1 + start, i2 + start, j1 + start, j2 + start))
    if end:
        out.append(("equal", len(old) - end, len(old), len(new) - end, len(new)))
    return _merged(out)


def matched(opcodes: Sequence[Opcode]) -> int:
    """How many tokens the opcodes align as equal."""
    return sum(i2 - i1 for tag, i1, i2, _, _ in opcodes if tag == "equal")


def _common_prefix(old: Sequence[str], new: Sequence[str]) -> int:
    limit = min(len(old), len(new))
    n = 0
    while n < limit and old[n] == new[n]:
        n += 1
    return n


def _common_suffix(old: Sequence[str], new: Sequence[str], taken: int) -> int:
    limit = min(len(old), len(new)) - taken
    n = 0
    while n < limit and old[len(old) - 1 - n] == new[len(new) - 1 - n]:
        n += 1
    return n


def _segments(tokens: Sequence[str], breaks: Collection[int]) -> list[tuple[int, int]]:
    """(start, end) token ranges of the sentences and lines of ``tokens``."""
    out: list[tuple[int, int]] = []
    start = 0
    for index, token in enumerate(tokens):
        if token.endswith(_SENTENCE_END) or index in breaks:
            out.append((start, index + 1))
            start = index + 1
    if start < len(tokens):
        out.append((start, len(tokens)))
    return out


def _by_segments(
    old: Sequence[str], new: Sequence[str], old_breaks: Collection[int], new_breaks: Collection[int]
) -> list[Opcode]:
    if not old and not new:
        return []
    if not old:
        return [("insert", 0, 0, 0, len(new))]
    if not new:
        return [("delete", 0, len(old), 0, 0)]
    old_segments, new_segments = _segments(old, old_breaks), _segments(new, new_breaks)
    keys_old = [tuple(old[a:b]) for a, b in old_segments]
    keys_new = [tuple(new[a:b]) for a, b in new_segments]
    out: list[Opcode] = []
    for tag, s1, s2, t1, t2 in SequenceMatcher(None, keys_old, keys_new).get_opcodes():
        i1 = old_segments[s1][0] if s1 < len(old_segments) else len(old)
        i2 = old_segments[s2 - 1][1] if s2 > s1 else i1
        j1 = new_segments[t1][0] if t1 < len(new_segments) else len(new)
        j2 = new_segments[t2 - 1][1] if t2 > t1 else j1
        if tag == "equal":
            out.append(("equal", i1, i2, j1, j2))
        else:
            out.extend(_by_tokens(old, new, i1, i2, j1, j2))
    return out


def _by_tokens(old: Sequence[str], new: Sequence[str], i1: int, i2: int, j1: int, j2: int) -> list[Opcode]:
    if i1 == i2:
        return [("insert", i1, i1, j1, j2)]
    if j1 == j2:
        return [("delete", i1, i2, j1, j1)]
    if i2 - i1 > MAX_REGION or j2 - j1 > MAX_REGION:
        return [("replace", i1, i2, j1, j2)]
    matcher = SequenceMatcher(None, old[i1:i2], new[j1:j2], autojunk=False)
    return [(tag, a1 + i1, a2 + i1, b1 + j1, b2 + j1) for tag, a1, a2, b1, b2 in matcher.get_opcodes()]


def _merged(opcodes: list[Opcode]) -> list[Opcode]:
    """Adjacent runs of the same tag as one (difflib never emits two equal runs in a row)."""
    out: list[Opcode] = []
    for op in opcodes:
        if op[1] == op[2] and op[3] == op[4]:
            continue
        if out and out[-1][0] == op[0] == "equal":
            last = out[-1]
            out[-1] = ("equal", last[1], op[2], last[3], op[4])
        else:
            out.append(op)
    return out
