"""main_text on the bytes a careless or hostile server sends: it never raises, and it keeps the text.

Each case failed before: lxml refused control characters ("All strings must be XML compatible"),
libxml2 dropped a text node over 10 MB and everything below 2048 levels of nesting, a charset
label such as ``rot13`` made decoding raise, and a mislabelled charset turned every non-ASCII
word into the same U+FFFD run, so an edit of such a word was invisible.
"""

from __future__ import annotations

import random

import pytest

from archive.text import main_text

STATEMENT = "The ministry confirms that 101 civilians were evacuated on 3 May."


def page(body: str) -> bytes:
    return f"<html><head><title>T</title></head><body><main><p>{body}</p></main></body></html>".encode()


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f"])
def test_control_characters_in_the_main_text(char: str) -> None:
    text = main_text(page(f"{STATEMENT} Alarm{char}[31m raised."), "text/html")
    assert STATEMENT in text
    assert char not in text


def test_control_characters_from_character_references() -> None:
    # lxml turns &#1; back into U+0001 while parsing, after any cleaning of the markup.
    text = main_text(page(f"{STATEMENT} A &#1; B &#x1b; C &#xD800; D &#0; E"), "text/html")
    assert STATEMENT in text
    assert "A B" in text.replace("  ", " ")


def test_control_characters_in_attributes_and_titles() -> None:
    markup = (
        '<html><head><title>Ti\x07tle</title></head><body><article data-x="a\x01b">'
        f"<h1>H\x02ead</h1><p>{STATEMENT}</p></article></body></html>"
    )
    assert STATEMENT in main_text(markup.encode(), "text/html")


def test_lone_surrogates_and_invalid_utf8() -> None:
    raw = page(STATEMENT).replace(b"101", b"1\xed\xa0\x8001\xff\xfe")
    text = main_text(raw, "text/html; charset=utf-8")
    assert "civilians were evacuated" in text
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in text)


@pytest.mark.parametrize("label", ["rot13", "base64", "hex", "zlib", "uu", "punycode", "idna", "utf-7"])
def test_charset_labels_that_are_no_web_encoding_are_ignored(label: str) -> None:
    assert STATEMENT in main_text(page(STATEMENT), f"text/html; charset={label}")
    assert STATEMENT in main_text(STATEMENT.encode(), f"text/plain; charset={label}")


def test_an_edit_under_a_mislabelled_charset_is_still_a_different_text() -> None:
    # A Russian page in windows-1251 that claims UTF-16 (a label we must ignore): the two
    # versions differ by one word of the same length, and their texts must differ too.
    before = (
        "<html><head><meta charset='utf-16'></head><body><p>Министр подтвердил эвакуацию.</p></body></html>"
    )
    after = before.replace("подтвердил", "опровергла")
    one = main_text(before.encode("cp1251"), "text/html")
    two = main_text(after.encode("cp1251"), "text/html")
    assert one and two and one != two


def test_a_utf8_page_with_one_stray_latin1_byte_keeps_its_text() -> None:
    raw = "<html><body><p>Déclaration du ministère: 101 civils évacués. Caf\xe9</p></body></html>"
    payload = raw.encode("utf-8").replace("Caf\xe9".encode(), b"Caf\xe9")
    assert "Déclaration du ministère: 101 civils évacués." in main_text(payload, "text/html; charset=utf-8")


def test_ten_megabyte_single_line_page_keeps_its_text() -> None:
    body = ("word " * 2_000_000) + "the closing sentence"
    text = main_text(f"<html><body><p>{body}</p></body></html>".encode(), "text/html")
    assert text.endswith("the closing sentence")


@pytest.mark.parametrize("tag", ["div", "span", "b"])
def test_five_thousand_deep_nesting_keeps_its_text(tag: str) -> None:
    markup = f"<html><body><p>{STATEMENT}</p>" + f"<{tag}>" * 5000 + "hidden statement" + f"</{tag}>" * 5000
    text = main_text(f"{markup}<script>var x = 1;</script></body></html>".encode(), "text/html")
    assert STATEMENT in text
    assert "hidden statement" in text
    assert "var x" not in text


def test_random_bytes_served_as_html() -> None:
    # The cause of an `ingest` whose exit status changed from run to run against one server.
    rng = random.Random(7)
    for _ in range(20):
        payload = rng.randbytes(300_000)
        assert isinstance(main_text(payload, "text/html"), str)
