"""Property tests (hypothesis): link extraction from text, Markdown and HTML takes any bytes.

Whatever an article holds (control characters, NUL, lone surrogates, invalid UTF-8, bidi
overrides, megabyte lines, 5,000-deep nesting), extraction returns a well-formed result or the
documented :class:`IngestError`: every citation an absolute http(s) URL in canonical form,
positions in order, no URL twice, labels, sentences and quotes within their caps.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from crawler.ingest import ExtractedArticle, IngestError, canonical_url, extract
from crawler.ingest.citations import MAX_CITATIONS, MAX_LABEL
from crawler.ingest.quotes import MAX_QUOTE, MAX_QUOTES
from crawler.ingest.sentences import MAX_SENTENCE
from crawler.ingest.text import MAX_TITLE
from tests.fuzz.strategies import deep_markup, examples, hostile_bytes, hostile_text, long_line

KINDS = ("text", "markdown", "html")
BASES = st.one_of(
    st.none(),
    st.sampled_from(("https://news.example/world/story.html", "http://[::1", "javascript:x", "/relative")),
    hostile_text(6),
)


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def extract_or_refuse(data: bytes, kind: str, base_url: str | None) -> ExtractedArticle | None:
    try:
        return extract(data, kind=kind, base_url=base_url)
    except IngestError:
        return None


def assert_well_formed(article: ExtractedArticle | None, kind: str) -> None:
    if article is None:
        return
    assert article.kind == kind
    assert isinstance(article.title, str) and len(article.title) <= MAX_TITLE
    assert isinstance(article.text, str)
    assert len(article.citations) <= MAX_CITATIONS
    assert len({c.url for c in article.citations}) == len(article.citations)
    for index, citation in enumerate(article.citations):
        assert citation.position == index
        parts = urlsplit(citation.url)
        assert parts.scheme in ("http", "https") and parts.hostname, citation.url
        assert canonical_url(citation.url) == citation.url
        assert len(citation.label) <= MAX_LABEL
        assert len(citation.sentence) <= MAX_SENTENCE + 2  # an ellipsis at either end
        assert len(citation.quotes) <= MAX_QUOTES
        assert all(0 < len(quote) <= MAX_QUOTE for quote in citation.quotes)


@pytest.mark.parametrize("kind", KINDS)
@given(data=st.one_of(hostile_bytes(), hostile_text().map(_utf8)), base_url=BASES)
def test_any_bytes_give_well_formed_citations(kind: str, data: bytes, base_url: str | None) -> None:
    assert_well_formed(extract_or_refuse(data, kind, base_url), kind)


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=examples(4, 100))
@given(text=st.one_of(long_line(), deep_markup()))
# A 300 kB line with 10,000 links in one sentence (each copied the line once, until fixed), and
# 5,000 nested anchors around a quote.
@example(text="word https://x.org/a “quoted " * 10_000)
@example(text="<a href='https://x.org/a'><blockquote>" * 5_000 + "“four words in quotes”")
def test_huge_lines_and_deep_nesting_give_well_formed_citations(kind: str, text: str) -> None:
    assert_well_formed(extract_or_refuse(_utf8(text), kind, None), kind)


@given(before=hostile_text(), after=hostile_text(), path=st.text("abcxyz0189/_-", max_size=20))
def test_a_url_written_in_a_text_article_is_cited(before: str, after: str, path: str) -> None:
    url = f"https://cited.example/{path}"
    article = extract(_utf8(f"{before} {url} {after}"), kind="text")
    assert canonical_url(url) in {c.url for c in article.citations}
