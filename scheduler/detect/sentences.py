"""Splitting a text into sentences, to tell a reordered text from an edited one."""

from __future__ import annotations

import re

# A sentence ends at . ! ? followed by space and a capital/digit/quote, or at a line break.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9<])|\n")


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, stripped, empties dropped; lower-case text splits on lines only."""
    return [s.strip() for s in _BOUNDARY.split(text) if s.strip()]
