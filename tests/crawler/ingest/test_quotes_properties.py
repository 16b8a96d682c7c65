"""Property tests (hypothesis): finding an article's quoted passages takes any text.

No exception on any text; passages are at least four words, at most MAX_QUOTE characters, in
order and inside the text; a passage in curly quotes is found whatever surrounds it; spacing
does not change a block quote.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from crawler.ingest.quotes import MAX_QUOTE, MAX_QUOTES, MIN_WORDS, quote_spans, quote_text, quotes_near
from crawler.ingest.sentences import normalise_space
from tests.fuzz.strategies import hostile_text

WORD = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=10)
SPACES = st.sampled_from((" ", "\n", " \t ", "\u00a0", "\u3000"))


@given(text=hostile_text(), start=st.integers(-10, 5000), length=st.integers(0, 5000))
def test_any_text_gives_well_formed_quotes(text: str, start: int, length: int) -> None:
    spans = quote_spans(text)
    assert [s for s, _, _ in spans] == sorted(s for s, _, _ in spans)
    for begin, end, passage in spans:
        assert 0 <= begin < end <= len(text)
        assert len(re.findall(r"\w+", passage)) >= MIN_WORDS and len(passage) <= MAX_QUOTE
    assert len(quotes_near(text, start, start + length)) <= MAX_QUOTES
    block = quote_text(text)
    assert block is None or 0 < len(block) <= MAX_QUOTE


@given(
    before=hostile_text().map(lambda t: t.replace("“", "").replace("”", "")),
    words=st.lists(WORD, min_size=MIN_WORDS, max_size=30),
    after=hostile_text(),
)
def test_a_passage_in_curly_quotes_is_found(before: str, words: list[str], after: str) -> None:
    passage = " ".join(words)
    assert passage in [p for _, _, p in quote_spans(f"{before}“{passage}”{after}")]


@given(text=hostile_text(), space=SPACES)
def test_spacing_does_not_change_a_block_quote(text: str, space: str) -> None:
    assert quote_text(re.sub(r"\s+", space, text)) == quote_text(text)
    assert quote_text(text) == quote_text(normalise_space(text))
