"""normalise: typography and whitespace folded, line by line."""

from __future__ import annotations

from archive.text import normalise


def test_quotes_dashes_and_ellipsis_become_ascii() -> None:
    assert normalise("\u201cWe\u2019ll act\u201d \u2013 she said\u2026") == '"We\'ll act" - she said...'


def test_nfkc_and_invisible_characters() -> None:
    assert normalise("ﬁnal\u00a0text\u200b here") == "final text here"


def test_whitespace_collapsed_per_line_and_empty_lines_dropped() -> None:
    assert normalise("  a   b \r\n\n\t\n c\td  \n") == "a b\nc d"
