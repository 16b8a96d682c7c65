"""Robust Links written into HTML start tags: the attributes go in, nothing else moves."""

from __future__ import annotations

import re

import pytest

from archive.robust import decorate_html
from archive.robust.errors import UndecodableArticle
from archive.robust.links import RobustAttributes

ADDED = re.compile(rb' data-originalurl="[^"]*" data-versionurl="[^"]*" data-versiondate="[^"]*"')


def cite_x(href: str, base: str | None) -> RobustAttributes | None:
    """Cites every link to host x, with a fixed version."""
    if "//x/" not in href:
        return None
    return RobustAttributes(href, f"https://a.example/replay/20260101000000/{href}", "2026-01-01T00:00:00Z")


def test_attributes_go_before_the_closing_bracket_and_nothing_else_changes() -> None:
    page = (
        b'\xef\xbb\xbf<P>caf\xe9\r\n<A HREF="http://x/1" TITLE="a > b">one</A> <a href=http://y/>no</a>'
        b"<a href=http://x/2/>two</a><a href='http://x/3'/><!-- <a href=http://x/4> -->"
        b'<script>s=\'<a href="http://x/5">\'</script><a href="http://x/6'
    )
    out = decorate_html(page, cite_x)
    assert ADDED.sub(b"", out.data) == page
    assert [href for href, _ in out.links] == ["http://x/1", "http://x/2/", "http://x/3"]
    assert b'TITLE="a > b" data-originalurl="http://x/1" data-versionurl=' in out.data
    # An unquoted value ending in "/" keeps its slash; a self-closing tag keeps "/>" last.
    assert b'<a href=http://x/2/ data-originalurl="http://x/2/"' in out.data
    assert out.data.count(b'data-versiondate="2026-01-01T00:00:00Z"/>') == 1


def test_entities_and_non_ascii_are_decoded_for_deciding_and_written_as_ascii() -> None:
    page = '<meta charset="windows-1252"><a href="http://x/caf\xe9?a=1&amp;b=2">é</a>'.encode("cp1252")
    out = decorate_html(page, cite_x)
    assert out.links[0][0] == "http://x/caf\xe9?a=1&b=2"
    assert b'data-originalurl="http://x/caf&#233;?a=1&amp;b=2"' in out.data
    assert ADDED.sub(b"", out.data) == page


def test_existing_robust_attributes_are_updated_where_they_stand() -> None:
    page = b'<a data-versionurl="old" href="http://x/1" data-x="keep">one</a>'
    out = decorate_html(page, cite_x).data
    assert out.startswith(b'<a data-versionurl="https://a.example/replay/20260101000000/http://x/1" href=')
    assert out.count(b"data-versionurl") == 1 and b'data-x="keep" data-originalurl=' in out


def test_base_href_is_given_to_decide() -> None:
    seen: list[tuple[str, str | None]] = []
    decorate_html(b'<base href="http://x/dir/"><a href="page">p</a>', lambda h, b: seen.append((h, b)))
    assert seen == [("page", "http://x/dir/")]


def test_utf16_keeps_its_byte_order_and_bytes() -> None:
    for codec in ("utf-16-le", "utf-16-be"):
        page = '\ufeff<a href="http://x/é">é</a>'.encode(codec)
        out = decorate_html(page, cite_x).data
        assert out.decode(codec).startswith('\ufeff<a href="http://x/é" data-originalurl="http://x/&#233;"')
    with pytest.raises(UndecodableArticle):
        decorate_html(b"\xff\xfe<\x00a\x00 ", cite_x)  # an odd byte: truncated


def test_no_tags_where_the_tokenizer_sees_text_or_comments() -> None:
    """Titles, textareas, styles and comments hold text, not links; ``<!-->`` is a whole comment."""
    page = (
        b'<title><a href="http://x/t"></title><textarea><a href="http://x/ta"></textarea>'
        b'<style>a[href="<a href=http://x/st>"]{}</style><!--><a href="http://x/after-empty-comment">'
        b'<!-- --!><a href="http://x/after-comment"> </a title=">"><a href="http://x/after-end-tag">'
        b"<?php <a href='http://x/pi'> ?>"
    )
    out = decorate_html(page, cite_x)
    assert [href for href, _ in out.links] == [
        "http://x/after-empty-comment",
        "http://x/after-comment",
        "http://x/after-end-tag",
    ]
    assert ADDED.sub(b"", out.data) == page
