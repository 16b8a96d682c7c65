"""An inline word diff of two texts, as segments a template marks up with ``<ins>`` and ``<del>``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from archive.text.alignment import align

# Words, with line breaks kept as tokens so paragraphs survive the diff.
_TOKEN = re.compile(r"\n|[^\s]+")


@dataclass(frozen=True)
class Segment:
    """A run of text that is ``equal`` in both texts, or was ``insert``-ed or ``delete``-d."""

    op: str
    text: str
    lead: str = ""  # " " when the segment continues the line of the one before it


def _join(tokens: list[str]) -> str:
    out = ""
    for token in tokens:
        if token == "\n" or out.endswith("\n") or not out:
            out += token
        else:
            out += " " + token
    return out


def inline_diff(before: str, after: str) -> tuple[Segment, ...]:
    """Segments that turn ``before`` into ``after`` word by word (`archive.text.alignment`),
    deletions before insertions.

    A segment's ``lead`` is the space separating it from the one before, unless a line break does.
    """
    old, new = _TOKEN.findall(before), _TOKEN.findall(after)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in align(old, new):
        if tag == "equal":
            segments.append(Segment("equal", _join(old[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("delete", _join(old[i1:i2])))
        if j2 > j1:
            segments.append(Segment("insert", _join(new[j1:j2])))
    return tuple(_with_leads(segments))


def _with_leads(segments: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for segment in segments:
        joined = bool(out) and not out[-1].text.endswith("\n") and not segment.text.startswith("\n")
        out.append(Segment(segment.op, segment.text, " " if joined else ""))
    return out
