"""contains_quote: tolerant of typography and small edits, strict about numbers, names, negations."""

from __future__ import annotations

import pytest

from archive.text import contains_quote

TEXT = (
    "The ministry said on Monday that 101 civilians were killed in the strike on 3 May,\n"
    "according to Defence Minister Anna Jones.\n"
    "\u201cWe will hold those responsible to account,\u201d she said."
)


@pytest.mark.parametrize(
    "quote",
    [
        "101 civilians were killed in the strike",
        "101 CIVILIANS WERE   KILLED in the strike",
        "\u201cwe will hold those responsible to account\u201d",
        '"We will hold those responsible to account,"',
        "101 civilians were killed [\u2026] according to Defence Minister Anna Jones",
        "101 civilians were killed ... according to Defence Minister Anna Jones",
        "101 civilians were killed in [the] strike on 3 May",
        "The ministry said on Monday that 101 civilans were killed",  # a typo in the quote
        "killed in the strike on 3 May, according to",  # across a line break
        "",
    ],
)
def test_found(quote: str) -> None:
    assert contains_quote(TEXT, quote)


@pytest.mark.parametrize(
    "quote",
    [
        "about 100 civilians were killed in the strike",
        "91 civilians were killed in the strike",
        "killed in the strike on 4 May",
        "according to Defence Minister Anna Smith",
        "We will not hold those responsible to account",
        "101 civilians were killed [...] according to Interior Minister",
        "an entirely different sentence about the budget",
    ],
)
def test_not_found(quote: str) -> None:
    assert not contains_quote(TEXT, quote)


def test_threshold_controls_tolerance() -> None:
    quote = "we will hold all those responsible to account"
    assert contains_quote(TEXT, quote, threshold=0.85)
    assert not contains_quote(TEXT, quote, threshold=0.99)


def test_empty_text() -> None:
    assert not contains_quote("", "anything at all")


def test_a_changed_word_means_the_quote_is_gone() -> None:
    text = "They were able to do so quickly. The army evacuated 101 civilians."
    assert not contains_quote(text, "were able to do so safely")
    assert not contains_quote(text, "the ministry evacuated 101 civilians")
    assert contains_quote(text, "The army evacuated 101 civilians")


def test_case_folding_that_adds_a_combining_mark_still_matches() -> None:
    # Found by the property tests: "İ".casefold() is "i̇" (i + U+0307), so a quote in another case
    # than the page was judged gone, and a name with "İ" was never matched with a threshold.
    text = "Bakan İstanbul'da 12 okul açıldığını söyledi."
    assert contains_quote(text, "bakan i̇stanbul'da 12 okul açıldığını")
    assert contains_quote(text.upper(), "bakan i̇stanbul'da 12 okul")
    assert contains_quote(text, "Bakan İstanbul'da 12 okul açıldığını", threshold=0.9)
