"""Media types parsed and extracted as browsers do (WHATWG MIME Sniffing, Fetch), hostile values too."""

from __future__ import annotations

import random

import pytest

from archive.text.mediatype import (
    MediaType,
    extract_media_type,
    parse_media_type,
    split_header_values,
)


def serialised(value: str) -> str | None:
    parsed = parse_media_type(value)
    return None if parsed is None else parsed.serialise()


def extracted(*values: str) -> str | None:
    found = extract_media_type(values)
    return None if found is None else found.serialise()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("text/html", "text/html"),
        ("Text/HTML; Charset=UTF-8", "text/html;charset=UTF-8"),
        ("  application/xhtml+xml \t", "application/xhtml+xml"),
        ("text/html ;charset=latin1", "text/html;charset=latin1"),
        ("text/css;charset=utf-8;charset=koi8-r", "text/css;charset=utf-8"),  # the first one counts
        ('text/html;charset="utf-8"', "text/html;charset=utf-8"),
        ('text/html;charset="utf-8', "text/html;charset=utf-8"),  # an unclosed quote ends the value
        ('text/html;charset="u\\tf-8"trailing', "text/html;charset=utf-8"),
        ("text/html;charset=utf 8", 'text/html;charset="utf 8"'),
        ("text/html;charset= utf-8", 'text/html;charset=" utf-8"'),
        ("text/html;charset =utf-8", "text/html"),  # a space before "=" is part of the name
        ("text/html;flag;charset=utf-8", "text/html;charset=utf-8"),
        ("text/html;empty=;charset=utf-8", "text/html;charset=utf-8"),
        ("text/html;;; ;charset=utf-8", "text/html;charset=utf-8"),
        ("text/html;a=b\\c", 'text/html;a="b\\\\c"'),
        ("text/html;note=caf\u00e9", 'text/html;note="caf\u00e9"'),
        ("text/html;note=\u20ac;charset=utf-8", "text/html;charset=utf-8"),  # beyond Latin-1: dropped
        ("text/plain, text/html", None),  # one value: "plain, text" is not a token
        ("", None),
        ("html", None),
        ("text/", None),
        ("/html", None),
        ("text /html", None),
        ("text/html/extra", None),
        ("text/h(tml", None),
        ("te\u00e9xt/html", None),
        ("text/html\x00", None),
    ],
)
def test_parse_media_type(value: str, expected: str | None) -> None:
    assert serialised(value) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (("text/plain, text/html",), "text/html"),  # the case replay served unrewritten
        (("text/plain", "text/html"), "text/html"),  # two header lines count as one list
        (("text/html, text/plain",), "text/plain"),
        (("text/html, */*",), "text/html"),
        (("*/*",), None),
        (("text/html, bogus, text/plain/x, ",), "text/html"),
        (("text/plain;charset=koi8-r, text/plain",), "text/plain;charset=koi8-r"),  # charset carried
        (("text/html;charset=gbk, text/plain, text/html",), "text/html"),  # not across essences
        (("text/html;charset=gbk, text/html;charset=big5",), "text/html;charset=big5"),
        (('text/html;x=", text/plain"',), 'text/html;x=", text/plain"'),  # the comma is quoted
        (('text/html;x=", text/plain',), 'text/html;x=", text/plain"'),
        (('text/html;", text/plain',), "text/html"),
        (('text/html;x="a\\", text/plain',), 'text/html;x="a\\", text/plain"'),
        (("",), None),
        ((), None),
        ((" , ,",), None),
        (("application/octet-stream, text/html;charset=utf-8",), "text/html;charset=utf-8"),
    ],
)
def test_extract_media_type_last_valid_value_wins(values: tuple[str, ...], expected: str | None) -> None:
    assert extracted(*values) == expected


def test_split_header_values_keeps_quoted_commas() -> None:
    assert split_header_values('a/b, c/d;x=",", e/f') == ["a/b", 'c/d;x=","', "e/f"]
    assert split_header_values("") == [""]
    assert split_header_values('a/b;x="\\",",c') == ['a/b;x="\\","', "c"]


def test_header_bytes_beyond_latin1_are_read_as_bytes() -> None:
    # warcio decodes a valid UTF-8 header line as UTF-8: "é" must count as the two bytes browsers see.
    found = extract_media_type(["text/html;name=\u20ac;charset=utf-8"])
    assert found == MediaType("text", "html", (("name", "\u00e2\u0082\u00ac"), ("charset", "utf-8")))


HOSTILE_ALPHABET = 'tex/hml;=," \\\t*()\u00e9\u20ac\x00\r\nCS-+_'


def random_values(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    pieces = ["text/html", "text/plain", "*/*", "charset=", "utf-8", ";", ",", '"', "\\", " "]
    out = []
    for _ in range(count):
        parts = [
            rng.choice(pieces) if rng.random() < 0.6 else rng.choice(HOSTILE_ALPHABET)
            for _ in range(rng.randint(0, 14))
        ]
        out.append("".join(parts))
    return out


def test_any_value_parses_to_a_type_whose_serialisation_parses_back_to_it() -> None:
    """What replay serves (the serialisation) is read by the browser as the type replay rewrote for."""
    seen = 0
    for value in random_values(7, 4000):
        parsed, found = parse_media_type(value), extract_media_type([value])
        if parsed is not None:
            assert parse_media_type(parsed.serialise()) == parsed, (value, parsed)
        if found is not None:
            seen += 1
            assert parse_media_type(found.serialise()) == found, (value, found)
            assert extract_media_type([found.serialise()]) == found, (value, found)
            assert found.serialise().encode("latin-1")  # always sendable as a header value
    assert seen > 200  # the generator does reach valid types


def test_extracted_essence_is_that_of_the_last_valid_value() -> None:
    for value in random_values(11, 4000):
        valid = [p for p in map(parse_media_type, split_header_values(value)) if p and p.essence != "*/*"]
        found = extract_media_type([value])
        assert (found.essence if found else None) == (valid[-1].essence if valid else None), value
