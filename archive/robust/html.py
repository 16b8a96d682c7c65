"""Robust Links in an HTML article, written into the start tags of its links and nowhere else.

The document is never parsed into a tree and serialised again: that would rewrite quoting,
entities, whitespace and encoding everywhere.  Python's tokenizer (`html.parser`) finds each start
tag in the raw text — skipping comments, scripts and styles, knowing a ``>`` inside a quoted value
from the tag's end — and the attributes go in just before the tag's closing ``>``; every other byte
of the file stays as it was.  Attributes a link already has (a file robustified before) are
rewritten in place.

Bytes: an ASCII-compatible encoding (UTF-8, Windows-1252, a mislabelled one, invalid bytes) is
worked on as Latin-1, one character per byte, so every byte comes back unchanged; the attribute
values go in as ASCII (other characters as character references), valid in any such encoding.
UTF-16 and UTF-32 documents are decoded and encoded again with their own codec.
"""

from __future__ import annotations

import codecs
import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from w3lib.encoding import html_to_unicode

from archive.robust.errors import UndecodableArticle
from archive.robust.links import Decide, Decorated, RobustAttributes

LINK_TAGS = frozenset({"a", "area"})
_SPACE = " \t\n\r\f"
_WIDE = ("utf-16", "utf-32")


@dataclass(frozen=True)
class _Attribute:
    name: str  # lower case
    start: int  # where ``name`` starts in the tag text
    end: int  # where its value (or its name, without one) ends
    raw_value: str | None  # as written, entities not decoded, without its quotes; None: no value


def decorate_html(data: bytes, decide: Decide) -> Decorated:
    """``data`` with the Robust Links attributes ``decide(href, base)`` gives each ``<a>``/``<area>``
    (``href`` with entities decoded; ``base`` the document's ``<base href>`` or None), all other
    bytes unchanged."""
    encoding = html_to_unicode(None, data)[0]
    wide = codecs.lookup(encoding).name.startswith(_WIDE)
    if wide:
        try:
            text = data.decode(encoding, errors="surrogatepass")
        except UnicodeDecodeError as exc:
            raise UndecodableArticle(encoding) from exc
    else:
        text = data.decode("latin-1")
    out, links = decorate_html_text(text, decide, encoding=None if wide else encoding)
    return Decorated(out.encode(encoding, errors="surrogatepass") if wide else out.encode("latin-1"), links)


def decorate_html_text(
    text: str, decide: Decide, *, encoding: str | None = None
) -> tuple[str, tuple[tuple[str, RobustAttributes], ...]]:
    """`decorate_html` on text.  ``encoding`` set: ``text`` is that encoding's bytes read as Latin-1
    (attribute values are decoded with it before ``decide`` sees them)."""
    tags = _start_tags(text)
    base: str | None = None
    for _, tag_name, tag_text in tags:
        if tag_name == "base":
            href = tag_href(tag_text, encoding)
            if href:
                base = href
                break
    pieces: list[str] = []
    links: list[tuple[str, RobustAttributes]] = []
    done = 0
    for offset, tag_name, tag_text in tags:
        if tag_name not in LINK_TAGS:
            continue
        href = tag_href(tag_text, encoding)
        if href is None:
            continue
        attributes = decide(href, base)
        if attributes is None:
            continue
        decorated = decorate_tag(tag_text, attributes)
        if decorated is None:
            continue
        pieces += [text[done:offset], decorated]
        done = offset + len(tag_text)
        links.append((href, attributes))
    pieces.append(text[done:])
    return "".join(pieces), tuple(links)


def decorate_tag(tag_text: str, attributes: RobustAttributes) -> str | None:
    """The start tag ``tag_text`` (``<a href=…>`` as written) with the Robust Links attributes:
    ones it has already get the new values where they stand, the others go before its closing
    ``>`` (before a ``/>`` that ends it).  None when the tag has no closing ``>`` to write before."""
    if not tag_text.endswith(">"):
        return None
    found = _attributes(tag_text)
    replacements: dict[int, tuple[int, str]] = {}
    missing: list[str] = []
    for name, value in attributes.pairs():
        written = _attribute_text(name, value)
        existing = next((a for a in found if a.name == name), None)
        if existing is None:
            missing.append(written)
        else:
            replacements[existing.start] = (existing.end, written)
    insert_at = len(tag_text) - 1
    last_value_end = max((a.end for a in found), default=0)
    if tag_text.endswith("/>") and last_value_end <= len(tag_text) - 2:
        insert_at -= 1  # "<a href='x'/>": before the slash, which an unquoted value never ends at here
    out: list[str] = []
    done = 0
    for start in sorted(replacements):
        end, written = replacements[start]
        out += [tag_text[done:start], written]
        done = end
    out.append(tag_text[done:insert_at])
    if missing:
        out.append("".join(" " + m for m in missing))
    out.append(tag_text[insert_at:])
    return "".join(out)


def _attribute_text(name: str, value: str) -> str:
    """``name="value"`` in ASCII whatever the document's encoding: ``&``, quotes and brackets
    escaped, other characters as numeric references."""
    escaped = html.escape(value, quote=True)
    return f'{name}="{escaped.encode("ascii", "xmlcharrefreplace").decode("ascii")}"'


def tag_href(tag_text: str, encoding: str | None = None) -> str | None:
    """The ``href`` of a start tag, entities decoded (``encoding``: the tag is that encoding's bytes
    read as Latin-1); None when it has none."""
    for attribute in _attributes(tag_text):
        if attribute.name == "href":
            raw = attribute.raw_value
            if raw is None:
                return None
            if encoding is not None:
                raw = raw.encode("latin-1").decode(encoding, errors="replace")
            return html.unescape(raw)
    return None


class _StartTags(HTMLParser):
    """Collects (offset, lower-case name, raw text) of every start tag, as the tokenizer sees them."""

    def __init__(self, line_starts: list[int]) -> None:
        super().__init__(convert_charrefs=False)
        self.line_starts = line_starts
        self.tags: list[tuple[int, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text()
        if raw is None:  # pragma: no cover - always set while a start tag is handled
            return
        line, column = self.getpos()
        self.tags.append((self.line_starts[line - 1] + column, tag, raw))


def _start_tags(text: str) -> list[tuple[int, str, str]]:
    # The tokenizer counts lines by "\n" only (a lone "\r" is a character of the line).
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    parser = _StartTags(line_starts)
    parser.feed(text)
    parser.close()
    return parser.tags


def _attributes(tag_text: str) -> list[_Attribute]:
    """The attributes of a start tag as the HTML tokenizer splits them, with where each stands."""
    n = len(tag_text)
    i = 1
    while i < n and tag_text[i] not in _SPACE + "/>":  # the tag name
        i += 1
    found: list[_Attribute] = []
    while i < n:
        while i < n and (tag_text[i] in _SPACE or tag_text[i] == "/"):
            i += 1
        if i >= n or tag_text[i] == ">":
            break
        start = i
        i += 1  # a name's first character may be "=" (a parse error the tokenizer keeps)
        while i < n and tag_text[i] not in _SPACE + "/>=":
            i += 1
        name = tag_text[start:i].lower()
        end = i
        j = i
        while j < n and tag_text[j] in _SPACE:
            j += 1
        value: str | None = None
        if j < n and tag_text[j] == "=":
            j += 1
            while j < n and tag_text[j] in _SPACE:
                j += 1
            if j < n and tag_text[j] in "\"'":
                quote = tag_text[j]
                close = tag_text.find(quote, j + 1)
                close = n if close < 0 else close
                value, end = tag_text[j + 1 : close], min(close + 1, n)
            else:
                k = j
                while k < n and tag_text[k] not in _SPACE + ">":
                    k += 1
                value, end = tag_text[j:k], k
            i = end
        found.append(_Attribute(name, start, end, value))
    return found
