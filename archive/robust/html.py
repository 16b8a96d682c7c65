"""Robust Links in an HTML article, written into the start tags of its links and nowhere else.

The document is never parsed into a tree and serialised again: that would rewrite quoting,
entities, whitespace and encoding everywhere.  A tokenizer of our own finds each start tag in the
raw text, with the HTML standard's rules (`_start_tags`: comments, scripts and styles skipped, a
``>`` inside a quoted value told from the tag's end) — and the attributes go in just before the
tag's closing ``>``; every other byte
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

from w3lib.encoding import html_to_unicode

from archive.robust.errors import UndecodableArticle
from archive.robust.links import Decide, Decorated, RobustAttributes

LINK_TAGS = frozenset({"a", "area"})
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


# The HTML tokenizer's view of markup (WHATWG HTML, "Tokenization"), as far as finding start tags
# needs it.  Whitespace includes CR: the tokenizer sees CR as LF after preprocessing.
_MARKUP = re.compile(r"<(?:(!--)|([!?])|(/)|([A-Za-z]))")
_COMMENT_END = re.compile(r"--!?>")
_LETTER = re.compile(r"[A-Za-z]")
_NAME = re.compile(r"[^\t\n\f\r />]*")
_ATTRIBUTE = re.compile(
    r"""[\t\n\f\r /]*(?:([^\t\n\f\r />][^\t\n\f\r />=]*)"""
    r"""(?:[\t\n\f\r ]*=[\t\n\f\r ]*("[^"]*"?|'[^']*'?|[^\t\n\f\r >]*))?)?"""
)
# Elements whose content is text up to their end tag: a "<a" inside is not a tag.
_RAW_TEXT = frozenset(
    {"script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "textarea", "title"}
)


def _start_tags(text: str) -> list[tuple[int, str, str]]:
    """(offset, lower-case name, raw text) of every start tag, in one pass.

    Comments, bogus comments (``<!…>``, ``<?…>``), end tags and the content of raw-text elements
    (scripts, styles, ``<title>``, ``<textarea>``…) hold no start tags; a tag cut off by the end of
    the file is not one (the tokenizer drops it).  Linear in the text: Python's ``html.parser``
    rescans the rest of the document at every ``<`` it cannot close, minutes for a megabyte of
    ``<a <a <a``, and archived pages are hostile.
    """
    tags: list[tuple[int, str, str]] = []
    i = 0
    while (markup := _MARKUP.search(text, i)) is not None:
        start = markup.start()
        comment, bogus, closing, _ = markup.groups()
        if comment:
            if text.startswith((">", "->"), start + 4):  # "<!-->" and "<!--->" are empty comments
                i = text.index(">", start + 4) + 1
                continue
            comment_end = _COMMENT_END.search(text, start + 4)
            if comment_end is None:
                break
            i = comment_end.end()
            continue
        if bogus or (closing and not _LETTER.match(text, start + 2)):
            gt = text.find(">", start + 2)
            if gt < 0:
                break
            i = gt + 1
            continue
        name_end = _name_end(text, start + (2 if closing else 1))
        _, end = _scan_attributes(text, name_end)
        if end is None:
            break
        i = end
        if closing:
            continue
        name = text[start + 1 : name_end].lower()
        tags.append((start, name, text[start:end]))
        if name == "plaintext":
            break
        if name in _RAW_TEXT:
            close = re.compile(rf"</{name}[\t\n\f\r />]", re.IGNORECASE).search(text, end)
            if close is None:
                break
            i = close.start()
    return tags


def _scan_attributes(text: str, i: int) -> tuple[list[_Attribute], int | None]:
    """The attributes of a tag from ``i`` (right after its name), and the offset after its ``>``
    (None: the text ends inside the tag)."""
    found: list[_Attribute] = []
    while True:
        match = _ATTRIBUTE.match(text, i)
        assert match is not None  # every part of the pattern is optional
        name, value = match.group(1), match.group(2)
        i = match.end()
        if name is None:
            return (found, i + 1) if text.startswith(">", i) else (found, None)
        raw = value
        if value is not None and value[:1] in ("'", '"'):
            raw = value[1:-1] if len(value) > 1 and value[-1] == value[0] else value[1:]
        found.append(_Attribute(name.lower(), match.start(1), i, raw))


def _attributes(tag_text: str) -> list[_Attribute]:
    """The attributes of a start tag as the HTML tokenizer splits them, with where each stands."""
    return _scan_attributes(tag_text, _name_end(tag_text, 1))[0]


def _name_end(text: str, i: int) -> int:
    match = _NAME.match(text, i)
    assert match is not None  # "*": it always matches
    return match.end()
