"""Page requisites found in HTML and CSS: what a browser would fetch to render the page."""

from __future__ import annotations

import pytest

from crawler.requisites import css_references, css_requisites, html_requisites

BASE = "https://news.example/2024/story.html"


def test_finds_every_kind_of_requisite_in_document_order() -> None:
    html = """<!doctype html><html><head>
      <link rel="stylesheet" href="/css/site.css">
      <link rel="icon" href="favicon.ico">
      <link rel="shortcut icon" href="/fav2.ico">
      <link rel="preload" href="/fonts/a.woff2" as="font">
      <link rel="canonical" href="/canonical">
      <link rel="alternate" href="/feed.xml">
      <script src="https://cdn.example/app.js"></script>
      <style>@import "print.css"; body { background: url('/img/bg.png') }</style>
    </head><body style="background-image: url(/img/body.jpg)">
      <img src="/img/a.png" srcset="/img/a-1x.png 1x, /img/a-2x.png 2x">
      <video poster="/img/poster.jpg"><source src="/media/clip.mp4" type="video/mp4"></video>
      <a href="/other-page">not a requisite</a>
    </body></html>"""

    assert html_requisites(html, BASE, limit=100) == [
        "https://news.example/css/site.css",
        "https://news.example/2024/favicon.ico",
        "https://news.example/fav2.ico",
        "https://news.example/fonts/a.woff2",
        "https://cdn.example/app.js",
        "https://news.example/2024/print.css",
        "https://news.example/img/bg.png",
        "https://news.example/img/body.jpg",
        "https://news.example/img/a.png",
        "https://news.example/img/a-1x.png",
        "https://news.example/img/poster.jpg",
        "https://news.example/media/clip.mp4",
    ]


def test_srcset_contributes_only_its_first_candidate() -> None:
    html = '<img srcset="small.jpg 480w, large.jpg 1080w">'

    assert html_requisites(html, BASE, limit=10) == ["https://news.example/2024/small.jpg"]


def test_base_href_changes_what_relative_urls_resolve_against() -> None:
    html = (
        '<html><head><base href="https://static.example/assets/"></head><body><img src="x.png"></body></html>'
    )

    assert html_requisites(html, BASE, limit=10) == ["https://static.example/assets/x.png"]


def test_relative_base_href_is_resolved_against_the_page() -> None:
    html = '<base href="/static/"><img src="x.png">'

    assert html_requisites(html, BASE, limit=10) == ["https://news.example/static/x.png"]


def test_data_javascript_and_non_http_urls_are_excluded() -> None:
    html = """<img src="data:image/png;base64,iVBORw0KGgo=">
      <script src="javascript:void(0)"></script>
      <img src="mailto:someone@example.com">
      <img src="ftp://files.example/x.png">
      <div style="background: url(data:image/gif;base64,R0lGOD)"></div>
      <style>.a { background: url("#grad") }</style>
      <img src="/kept.png">"""

    assert html_requisites(html, BASE, limit=10) == ["https://news.example/kept.png"]


def test_duplicates_are_reported_once_and_fragments_dropped() -> None:
    html = """<img src="/a.png"><img src="/a.png#x"><img src="https://news.example/a.png">
      <link rel="stylesheet" href="/s.css"><link rel="preload" href="/s.css">"""

    assert html_requisites(html, BASE, limit=10) == [
        "https://news.example/a.png",
        "https://news.example/s.css",
    ]


def test_limit_is_respected() -> None:
    html = "".join(f'<img src="/img/{i}.png">' for i in range(20))

    found = html_requisites(html, BASE, limit=5)

    assert found == [f"https://news.example/img/{i}.png" for i in range(5)]


def test_bytes_input_is_accepted() -> None:
    assert html_requisites(b'<img src="/a.png">', BASE, limit=10) == ["https://news.example/a.png"]


@pytest.mark.parametrize("empty", ["", b"", "   ", "<!-- only a comment -->"])
def test_empty_documents_have_no_requisites(empty: str | bytes) -> None:
    assert html_requisites(empty, BASE, limit=10) == []


@pytest.mark.parametrize(
    "garbage",
    [
        "<<<>>><img src=",
        "<html><body><img src='/a.png'<<div>",
        "\x00\x01\x02 binary junk",
        b"\xff\xfe\x00<\x00i\x00m\x00g",
        "<?xml version='1.0' encoding='utf-8'?><root/>",
        "<svg><image href='x.png'/></svg>",
        "<img src='http://[::1'>",  # urlsplit raises ValueError on an unclosed IPv6 bracket
        "<base href='http://[oops'><img src='http://[::1'>",
    ],
)
def test_garbage_html_does_not_crash(garbage: str | bytes) -> None:
    found = html_requisites(garbage, BASE, limit=10)

    assert all(url.startswith(("http://", "https://")) for url in found)


def test_malformed_urls_are_skipped_and_the_rest_kept() -> None:
    html = """<base href="http://[broken"><img src="http://[::1"><img src="/ok.png">"""

    assert html_requisites(html, BASE, limit=10) == ["https://news.example/ok.png"]
    assert css_requisites("a { background: url(http://[x) } b { background: url(/b.png) }", BASE, 10) == [
        "https://news.example/b.png"
    ]


def test_css_references_finds_imports_and_urls_but_not_data_uris() -> None:
    css = """@import url("base.css");
      @import 'theme.css';
      @font-face { src: url(/fonts/x.woff2) format("woff2"), url( 'x.woff' ) }
      .logo { background: URL("data:image/svg+xml;utf8,<svg/>") }
      .a { background: url(#frag) }"""

    assert sorted(css_references(css)) == sorted(["theme.css", "base.css", "/fonts/x.woff2", "x.woff"])


def test_css_requisites_resolve_against_the_stylesheet_url() -> None:
    css = """@import "reset.css";
      body { background: url(../img/bg.png) }
      .x { background: url(https://cdn.example/x.png) }
      .y { background: url(../img/bg.png) }"""

    assert css_requisites(css, "https://news.example/css/site.css", limit=10) == [
        "https://news.example/css/reset.css",
        "https://news.example/img/bg.png",
        "https://cdn.example/x.png",
    ]


def test_css_requisites_respects_the_limit_and_empty_input() -> None:
    css = " ".join(f".c{i} {{ background: url(/i/{i}.png) }}" for i in range(10))

    assert css_requisites(css, BASE, limit=3) == [f"https://news.example/i/{i}.png" for i in range(3)]
    assert css_requisites("", BASE, limit=3) == []
