"""Property tests (hypothesis): contains_quote takes any text, finds what is there, ignores spacing.

No exception on any text or quote; a quote taken verbatim from a text is found in it (strictly
and with a threshold); whitespace and, where Unicode can round-trip it, case do not change the
answer, as its docstring promises.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from archive.text import contains_quote
from tests.fuzz.strategies import hostile_text

THRESHOLDS = st.one_of(st.none(), st.floats(0, 1))
WORD = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=10)
SEPARATORS = (" ", "  ", "\n", " \t ", ", ", ". ", " — ", "\u00a0", "\r\n", " (", ") ", ' "', '" ', "\u2028")
SPACES = st.sampled_from((" ", "\n", " \t\n ", "\u00a0", "\r\n\r\n", "\u2029"))


@given(text=hostile_text(), quote=hostile_text(), threshold=THRESHOLDS)
def test_any_text_and_quote_give_an_answer(text: str, quote: str, threshold: float | None) -> None:
    assert contains_quote(text, quote, threshold=threshold) in (True, False)


@given(
    words=st.lists(WORD, min_size=1, max_size=40),
    separators=st.lists(st.sampled_from(SEPARATORS), min_size=40, max_size=40),
    data=st.data(),
)
def test_a_quote_taken_from_a_text_is_found_in_it(
    words: list[str], separators: list[str], data: st.DataObject
) -> None:
    text = "".join(w + s for w, s in zip(words, separators, strict=False))
    first = data.draw(st.integers(0, len(words) - 1), label="first")
    last = data.draw(st.integers(first + 1, len(words)), label="last")
    quote = "".join(w + s for w, s in zip(words[first:last], separators[first:last], strict=False))
    assert contains_quote(text, quote)
    assert contains_quote(text, quote, threshold=0.9)
    if all(w.upper().casefold() == w.lower().casefold() == w.casefold() for w in words):
        # Unicode's own case mappings lose information for a few letters ("ı".upper() is "I").
        assert contains_quote(text.upper(), quote.lower())


@given(text=hostile_text(), quote=hostile_text(20), space=SPACES, threshold=st.sampled_from((None, 0.85)))
def test_whitespace_does_not_change_the_answer(
    text: str, quote: str, space: str, threshold: float | None
) -> None:
    found = contains_quote(text, quote, threshold=threshold)
    assert contains_quote(re.sub(r"\s+", space, text), quote, threshold=threshold) == found
    assert contains_quote(text, re.sub(r"\s+", space, quote), threshold=threshold) == found
