"""The link-format writer and reader (RFC 8288 / RFC 6690) on the cases TimeMaps and Link headers hit."""

from __future__ import annotations

import pytest

from archive.web.errors import MalformedLinks
from archive.web.linkformat import Link, format_link, format_links, link_uri, parse_links

DATE = "Wed, 25 Nov 2026 15:30:00 GMT"


def test_a_datetime_with_commas_survives_a_round_trip() -> None:
    links = [
        Link("http://a.example/", (("rel", "original"),)),
        Link(
            "http://arc.example/replay/20261125153000/http://a.example/",
            (("rel", "first memento"), ("datetime", DATE)),
        ),
    ]
    text = format_links(links, ",\n")
    assert text == (
        '<http://a.example/>; rel="original",\n'
        "<http://arc.example/replay/20261125153000/http://a.example/>; "
        f'rel="first memento"; datetime="{DATE}"'
    )
    back = parse_links(text)
    assert back == links
    assert back[1].rels == ("first", "memento") and back[1].param("DateTime") == DATE


def test_uris_keep_reserved_characters_and_escape_what_a_uri_cannot_hold() -> None:
    uri = 'http://a.example/p;x=1,2?q=a b&r="<s>"#frag/é'
    written = link_uri(uri)
    assert written == "http://a.example/p;x=1,2?q=a%20b&r=%22%3Cs%3E%22#frag/%C3%A9"
    assert link_uri("http://a.example/already%20escaped") == "http://a.example/already%20escaped"
    [back] = parse_links(format_link(Link(uri, (("rel", "original"),))))
    assert back.uri == written and back.rels == ("original",)


def test_quotes_and_backslashes_in_values_are_escaped() -> None:
    link = Link("http://a.example/", (("title", 'say "hi" \\ bye'),))
    assert format_link(link) == r'<http://a.example/>; title="say \"hi\" \\ bye"'
    assert parse_links(format_link(link)) == [link]


def test_reads_what_other_archives_write() -> None:
    # Tokens, spaces around separators, a bare parameter, upper-case names, and a comma in a URI.
    text = (
        "<http://x.example/a,b>;rel=original , "
        '<http://t.example/tm>; REL="self";type="application/link-format"'
        ' ; from="Tue, 01 Jan 2019 00:00:00 GMT",\n\n  <http://m.example/1>; rel="memento"; crossorigin\n'
    )
    links = parse_links(text)
    assert [link.uri for link in links] == [
        "http://x.example/a,b",
        "http://t.example/tm",
        "http://m.example/1",
    ]
    assert links[0].rels == ("original",)
    assert links[1].rels == ("self",) and links[1].param("from") == "Tue, 01 Jan 2019 00:00:00 GMT"
    assert links[2].params == (("rel", "memento"), ("crossorigin", ""))
    assert parse_links("") == [] and parse_links(" \n ") == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("<http://a.example/; rel=original", "closing '>'"),
        ('<http://a.example/>; rel="original', "closing '\"'"),
        ("<http://a.example/>; =x", "without a name"),
        ("http://a.example/; rel=original", "'<' expected"),
        ("<http://a.example/> rel=original", "',' expected"),
    ],
)
def test_malformed_links_say_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(MalformedLinks, match=problem):
        parse_links(text)
