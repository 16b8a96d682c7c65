"""Property tests (hypothesis): text extraction and the diff take anything a server can send.

Any bytes in, under any Content-Type (charset labels included): no exception out, a text lxml
and XML accept, and normalisation that is idempotent.  The diff is total and consistent: a text
compared with itself has no change, and what it reports removed and added comes from the texts.
`make fuzz` runs the same properties with many more examples (the "fuzz" hypothesis profile).
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from archive.text import main_text, normalise, word_diff
from archive.text.characters import has_forbidden

CONTENT_TYPES = st.sampled_from(
    [
        None,
        "",
        "text/html",
        "text/html; charset=utf-8",
        "text/html; charset=rot13",
        "text/html; charset=utf-16",
        "text/html; charset=x-user-defined",
        "text/plain; charset=latin1",
        "text/plain, text/html",
        "application/xhtml+xml",
        "application/octet-stream",
        "application/pdf",
        "text/xml; charset=shift_jis",
    ]
)
# Markup pieces a hostile page is made of: tags (deep, unclosed), entities, control characters,
# surrogates written as references, comments, scripts, CDATA, byte-order marks.
PIECES = st.sampled_from(
    [
        "<html>", "<body>", "<main>", "<article>", "<p>", "</p>", "<div>", "</div>", "<span>", "<br>",
        "<script>var x=1;</script>", "<style>p{}</style>", "<!-- c -->", "<![CDATA[x]]>", "<table><tr><td>",
        "&#1;", "&#0;", "&#xD800;", "&#x1b;", "&amp;", "&nbsp;", "&#65535;", "\x00", "\x01", "\x1b", "\x0c",
        "\ufeff", "\u202e", "é", "€", "\U0001f600", "The minister said 101 civilians left.", " ", "\n",
        '<meta charset="utf-16">', '<meta charset="rot13">', "<?xml version='1.0'?>", "<title>T</title>",
    ]
)  # fmt: skip
MARKUP = st.lists(PIECES, max_size=60).map("".join)
ENCODINGS = st.sampled_from(["utf-8", "utf-16-le", "cp1252", "cp1251", "shift_jis"])


def markup_bytes(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


def assert_clean(text: str) -> None:
    assert isinstance(text, str)
    assert not has_forbidden(text), repr(text)


@given(st.binary(max_size=4096), CONTENT_TYPES)
def test_any_bytes_give_a_clean_text(payload: bytes, content_type: str | None) -> None:
    assert_clean(main_text(payload, content_type))


@given(MARKUP, ENCODINGS, CONTENT_TYPES)
def test_hostile_markup_gives_a_clean_text(markup: str, encoding: str, content_type: str | None) -> None:
    assert_clean(main_text(markup_bytes(markup, encoding), content_type or "text/html"))


@given(MARKUP, st.lists(st.sampled_from(["p", "div.x", "#id", "p[[[", "", ":not(", "*"]), max_size=3))
def test_any_ignore_selectors_are_safe(markup: str, selectors: list[str]) -> None:
    assert_clean(main_text(markup.encode(), "text/html", ignore_selectors=selectors))


@given(st.text())
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@given(st.text(), st.text())
def test_word_diff_is_total_and_consistent(before: str, after: str) -> None:
    diff = word_diff(before, after)
    assert 0.0 <= diff.similarity <= 1.0
    same = word_diff(before, before)
    assert not same.changed and same.similarity == 1.0
    if before.split() == after.split():
        assert not diff.changed
    else:
        assert diff.changed
    for passage in diff.removed:
        assert all(word in before.split() for word in passage.rstrip("…").split()[:-1])
    for passage in diff.added:
        assert all(word in after.split() for word in passage.rstrip("…").split()[:-1])
