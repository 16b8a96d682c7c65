"""Robust Links after Markdown links: an attribute block right after each, nothing else moves."""

from __future__ import annotations

import re

from archive.robust import decorate_markdown
from archive.robust.links import RobustAttributes

ADDED = re.compile(rb'\{data-originalurl="[^"]*" data-versionurl="[^"]*" data-versiondate="[^"]*"\}')


def cite_x(href: str, base: str | None) -> RobustAttributes | None:
    return RobustAttributes(href, "V", "D") if "//x/" in href else None


def block(url: str) -> str:
    return f'{{data-originalurl="{url}" data-versionurl="V" data-versiondate="D"}}'


def test_every_link_kind_gets_a_block_and_code_images_and_other_links_do_not() -> None:
    text = (
        "\ufeff# Head [h](http://x/h)\r\n\r\n"
        'Inline [a](http://x/a "t"), [ref][r], <http://x/auto>, [no](http://y/) and\r\n'
        "[multi\r\nline](http://x/m).\r\n\r\n"
        "> quoted [q](http://x/q)\r\n\r\n"
        "- item\r\n\tcontinued [c](http://x/c) <a href='http://x/html'>h</a>\r\n\r\n"
        "`[code](http://x/code)` ![img](http://x/img)\r\n\r\n"
        "    [indented code](http://x/block)\r\n\r\n"
        "[r]: http://x/ref\r\n"
    )
    data = text.encode()
    out = decorate_markdown(data, cite_x)
    assert [h for h, _ in out.links] == [
        "http://x/h",
        "http://x/a",
        "http://x/ref",
        "http://x/auto",
        "http://x/m",
        "http://x/q",
        "http://x/c",
        "http://x/html",
    ]
    decorated = out.data.decode()
    assert f'[a](http://x/a "t"){block("http://x/a")}' in decorated
    assert f"[ref][r]{block('http://x/ref')}, <http://x/auto>{block('http://x/auto')}," in decorated
    assert f"line](http://x/m){block('http://x/m')}." in decorated
    assert "<a href='http://x/html' data-originalurl=\"http://x/html\"" in decorated
    undecorated = re.sub(
        rb' data-originalurl="[^"]*" data-versionurl="[^"]*" data-versiondate="[^"]*"', b"", out.data
    )
    assert ADDED.sub(b"", undecorated) == data


def test_invalid_bytes_and_nul_are_kept() -> None:
    data = b"caf\xe9 \x00 [a](http://x/a) \xff\n"
    out = decorate_markdown(data, cite_x)
    assert out.data == data.replace(b"(http://x/a)", b"(http://x/a)" + block("http://x/a").encode())


def test_an_existing_block_is_updated_not_repeated() -> None:
    data = b'[a](http://x/a){.cls data-versionurl="old"} and [b](http://x/b){#id}\n'
    out = decorate_markdown(data, cite_x).data.decode()
    assert out == (
        '[a](http://x/a){.cls data-versionurl="V" data-originalurl="http://x/a" data-versiondate="D"} and '
        '[b](http://x/b){#id data-originalurl="http://x/b" data-versionurl="V" data-versiondate="D"}\n'
    )
    assert decorate_markdown(out.encode(), cite_x).data.decode() == out


def test_braces_holding_text_are_not_taken_for_an_attribute_block() -> None:
    # `{ this is text }` became `{ this is text data-originalurl="…" …}`: the text was edited and
    # no renderer read the attributes.
    data = (
        b"[a](http://x/a){ this is text } and [b](http://x/b){see 2} and [c](http://x/c){: .k #i n='a b'}\n"
    )
    out = decorate_markdown(data, cite_x).data.decode()
    assert out == (
        f"[a](http://x/a){block('http://x/a')}{{ this is text }} and "
        f"[b](http://x/b){block('http://x/b')}{{see 2}} and "
        "[c](http://x/c){: .k #i n='a b' "
        'data-originalurl="http://x/c" data-versionurl="V" data-versiondate="D"}\n'
    )
    # Run again, every link's block is the one it has now: nothing added twice.
    assert decorate_markdown(out.encode(), cite_x).data.decode() == out
