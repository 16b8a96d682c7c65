"""Hypothesis strategies for hostile input: what a careless server or an attacker can send.

Shared by the property tests of every pure function that reads outside text or bytes. Each
strategy mixes random data with the fragments that break parsers in practice: control characters,
NUL, lone surrogates, invalid UTF-8, byte-order marks, bidi overrides, markup and URL syntax,
quotation marks, very long single lines and very deep nesting.
"""

from __future__ import annotations

import os

from hypothesis import strategies as st

# Characters a text may hold that XML 1.0, terminals or layout treat specially.
CONTROL = tuple(chr(c) for c in (*range(0x00, 0x20), 0x7F, 0x85))
BIDI = ("\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200f")
INVISIBLE = ("\ufeff", "\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufffe", "\uffff", "\U0010ffff")
SURROGATES = ("\ud800", "\udbff", "\udc00", "\udfff", "\ud83d", "\ude00")
SPACES = (" ", "\t", "\n", "\r\n", "\r", "\u00a0", "\u2028", "\u2029", "\u3000", "\x0b", "\x0c")
QUOTES = ('"', "'", "“", "”", "‘", "’", "«", "»", "„", "‹", "›", "「", "」")
URLISH = (
    "http://",
    "https://",
    "www.",
    "https://example.org/a?b=1&utm_source=x#f",
    "http://[::1]:80/",
    "http://[v1.x]/",
    "https://xn--bcher-kva.example/",
    "https://bücher.example/ä",
    "http://a:b@c:99999/",
    "HTTP://EXAMPLE.ORG:0080/%7e%zz",
    "javascript:alert(1)",
    "mailto:a@b",
    "//cdn.example/x",
    "/../../x",
    "?q=",
    "#top",
    "%",
    "%00",
    ":",
    "@",
    "\\",
)
MARKUP = (
    "<a href=",
    "<a href='http://x.org/'>",
    "</a>",
    "<p>",
    "</p>",
    "<div>",
    "<blockquote cite='https://q.example/'>",
    "<q>",
    "<base href='//b.example/'>",
    "<link rel=canonical href=/c>",
    "<title>",
    "<script>",
    "<!--",
    "-->",
    "<![CDATA[",
    "<?xml version='1.0' encoding='utf-16'?>",
    "<meta charset='utf-7'>",
    "&amp;",
    "&#0;",
    "&#xD800;",
    "&#x110000;",
    "<",
    ">",
    "=",
)
MARKDOWN = (
    "[",
    "]",
    "(",
    ")",
    "](",
    "[label](",
    "[ref]: ",
    "<",
    ">",
    "> ",
    "`",
    "```",
    "*",
    "_",
    "#",
    "\\",
    "!",
)
SENTENCE = ("Source: ", "Sources: ", "Via: ", ". ", "! ", "? ", "…", "Mr. ", "e.g. ", "U.S. ", "。")
WORDS = ("the", "minister", "said", "not", "1,234", "3.5", "don't", "e-mail", "Kyiv", "never", "civilians")

FRAGMENTS = (
    CONTROL + BIDI + INVISIBLE + SURROGATES + SPACES + QUOTES + URLISH + MARKUP + MARKDOWN + SENTENCE + WORDS
)

# Every code point, surrogates included (Hypothesis leaves category Cs out unless told otherwise).
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())

BYTE_FRAGMENTS = (
    b"\xef\xbb\xbf",  # UTF-8 BOM
    b"\xff\xfe",  # UTF-16 LE BOM
    b"\xfe\xff",
    b"\xff\xfe\x00\x00",  # UTF-32 LE BOM
    b"\x00",
    b"\x80",
    b"\xc3\x28",  # invalid UTF-8 continuation
    b"\xe2\x82",  # truncated sequence
    b"\xed\xa0\x80",  # a surrogate encoded as UTF-8
    b"\xf4\x90\x80\x80",  # beyond U+10FFFF
    b"\xc0\xaf",  # overlong '/'
    b"\x1b[31m",
    b"\x93quoted\x94",  # cp1252 curly quotes
)


def _joined(parts: st.SearchStrategy[str], max_size: int) -> st.SearchStrategy[str]:
    return st.lists(parts, max_size=max_size).map("".join)


def hostile_text(max_parts: int = 60) -> st.SearchStrategy[str]:
    """Any text, biased to the characters and syntax that break parsers; lone surrogates included."""
    piece = st.one_of(
        st.sampled_from(FRAGMENTS),
        st.text(ANY_CHARACTER, max_size=8),
        st.text(st.characters(codec="ascii"), max_size=12),
    )
    return st.one_of(_joined(piece, max_parts), st.text(ANY_CHARACTER))


def long_line(min_repeats: int = 2_000, max_repeats: int = 50_000) -> st.SearchStrategy[str]:
    """One very long line with no break in it: a short hostile unit repeated many times."""
    fragment = st.sampled_from(FRAGMENTS).filter(lambda f: not any(c in f for c in "\n\r\x0b\x0c\x85\u2028"))
    unit = st.lists(fragment, min_size=1, max_size=6).map("".join)
    return st.builds(lambda u, n: u * n, unit, st.integers(min_repeats, max_repeats))


def deep_markup(max_depth: int = 5_000) -> st.SearchStrategy[str]:
    """Markup nested thousands of elements deep around hostile text (HTML tags or Markdown quotes)."""
    tag = st.sampled_from(("div", "p", "a href='http://x.org/'", "blockquote", "q", "span", "li", "b"))
    html = st.builds(
        lambda t, n, inner: f"<{t}>" * n + inner + f"</{t.split()[0]}>" * n,
        tag,
        st.integers(min(100, max_depth), max_depth),
        hostile_text(10),
    )
    markdown = st.builds(
        lambda prefix, n, inner: prefix * n + inner,
        st.sampled_from(("> ", "* ", "1. ", "[", "(", "<a href=x>")),
        st.integers(min(100, max_depth), max_depth),
        hostile_text(10),
    )
    return st.one_of(html, markdown)


def _encoded(text: str, codec: str) -> bytes:
    # surrogatepass keeps lone surrogates as the (invalid) bytes a broken encoder would write.
    return text.encode(codec, errors="surrogatepass" if codec.startswith("utf") else "replace")


def hostile_bytes(max_parts: int = 60) -> st.SearchStrategy[bytes]:
    """Any bytes: random, hostile text in assorted encodings, and invalid byte sequences mixed in."""
    encoded = st.builds(
        _encoded, hostile_text(max_parts), st.sampled_from(("utf-8", "utf-16", "cp1252", "latin-1"))
    )
    mixed = st.lists(st.one_of(st.sampled_from(BYTE_FRAGMENTS), st.binary(max_size=8), encoded), max_size=8)
    return st.one_of(st.binary(), encoded, mixed.map(b"".join))


def examples(quick: int, fuzz: int) -> int:
    """How many examples an expensive property runs: ``quick`` in `make test`, ``fuzz`` in `make fuzz`.

    Cheap properties take the profile's count (tests/conftest.py); one whose every example is a
    megabyte line or a 5,000-deep document names its own, or `make fuzz` would run for hours.
    """
    return fuzz if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else quick
