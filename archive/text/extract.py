"""The main text of a payload: what a page says, without its navigation, boilerplate or ads."""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Sequence
from html.parser import HTMLParser

import trafilatura
from lxml import etree, html

from archive.text.characters import has_forbidden, xml_safe
from archive.text.decoding import decode_payload
from archive.text.furniture import remove_furniture, remove_matching
from archive.text.mediatype import content_type_of
from archive.text.normalise import normalise
from archive.text.pdf import is_pdf, pdf_text

_log = logging.getLogger(__name__)

MAX_HTML_BYTES = 20_000_000
_HTML_TYPES = {"text/html", "application/xhtml+xml", "application/xml", "text/xml"}
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_LOOKS_LIKE_HTML = re.compile(
    rb"^(\xef\xbb\xbf)?\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title|div|p)\b",
    re.I | re.S,
)
# Never content, whatever the page: removed before the fallback reads text.
_CHROME = ("script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside", "form",
           "iframe", "button", "select", "dialog")  # fmt: skip
_BLOCKS = frozenset(
    {"address", "article", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure", "h1", "h2",
     "h3", "h4", "h5", "h6", "hr", "li", "main", "ol", "p", "pre", "section", "table", "tbody", "td", "th",
     "thead", "tr", "ul"}
)  # fmt: skip
# trafilatura keeps a text this much shorter than what the page's <main>/<article> holds only
# if it knows better (it dropped boilerplate); far shorter means it lost the statement itself.
_TOO_LITTLE = 0.4


def main_text(
    payload: bytes,
    content_type: str | None,
    *,
    url: str | None = None,
    ignore_selectors: Sequence[str] = (),
    furniture_selectors: Sequence[str] = (),
) -> str:
    """The main text of a content-decoded ``payload``, or "" if it has none or cannot be read.

    HTML goes through trafilatura (precision-first, tables kept, comments dropped) after the
    elements matching ``ignore_selectors`` (CSS) are removed, and those matching the generic
    ``furniture_selectors`` unless they hold the statement (see :mod:`archive.text.furniture`),
    with a plain reading of
    ``<main>``/``<article>``/``<body>`` when trafilatura finds nothing or far too little (short
    statements). PDFs give the text of all their pages, ``text/*`` its decoded text. Never raises
    on hostile input.
    """
    if not payload:
        return ""
    if is_pdf(payload, content_type):
        return pdf_text(payload)
    # As a browser reads it: "text/plain, text/html" is HTML, and its charset is the last one's.
    parsed = content_type_of(content_type)
    media_type = parsed.essence if parsed is not None else ""
    content_type = parsed.serialise() if parsed is not None else None
    if media_type in _HTML_TYPES or (
        media_type in {"", "application/octet-stream"} and _LOOKS_LIKE_HTML.match(payload[:2048])
    ):
        return _html_text(payload[:MAX_HTML_BYTES], content_type, url, ignore_selectors, furniture_selectors)
    if (media_type.startswith("text/") or media_type == "") and b"\x00" not in payload[:4096]:
        return xml_safe(decode_payload(payload, content_type, lossless=True))
    return ""


def _html_text(
    payload: bytes,
    content_type: str | None,
    url: str | None,
    selectors: Sequence[str],
    furniture: Sequence[str],
) -> str:
    # Lossless: bytes that differ give texts that differ, whatever charset the page claims.
    markup = _XML_DECLARATION.sub("", decode_payload(payload, content_type, markup=True, lossless=True))
    if not markup.strip():
        return ""
    # huge_tree: without it libxml2 silently drops a text node over 10 MB (a one-line page).
    parser = html.HTMLParser(huge_tree=True)
    try:
        tree = html.document_fromstring(xml_safe(markup), parser=parser)
    except (etree.ParserError, ValueError) as error:
        _log.info("unparseable HTML from %s: %s", url, error)
        return ""
    if any(entry.type_name == "ERR_RESOURCE_LIMIT" for entry in parser.error_log):
        # Nested deeper than libxml2 builds trees (2048 levels): whatever lies below is missing
        # from the tree, so read the whole page's text without one.
        _log.info("HTML from %s nested too deep for a tree; reading its text flat", url)
        return _flat_text(markup)
    _scrub(tree)
    remove_furniture(tree, furniture)
    remove_matching(tree, selectors)
    fallback = _plain_text(copy.deepcopy(tree))
    try:
        extracted = trafilatura.extract(
            copy.deepcopy(tree),
            url=url,
            favor_precision=True,
            include_comments=False,
            include_tables=True,
            # fast: without its readability/jusText fallbacks, a third less CPU per page; the plain
            # reading above is our fallback, and the real-world evaluation finds the same edits.
            fast=True,
            with_metadata=False,
        )
    except Exception as error:  # trafilatura on a hostile tree: the plain reading still holds
        _log.info(
            "trafilatura failed on %s (%s: %s); using the plain reading", url, type(error).__name__, error
        )
        return fallback
    if not extracted or len(normalise(extracted)) < _TOO_LITTLE * len(fallback):  # fallback: normalised
        return fallback
    return xml_safe(extracted)


def _scrub(tree: html.HtmlElement) -> None:
    """Remove the characters lxml refuses to store (character references such as ``&#1;`` put
    them back into a parsed tree), so no later step that sets a text can fail on them."""
    for element in tree.iter():
        if element.text and has_forbidden(element.text):
            element.text = xml_safe(element.text)
        if element.tail and has_forbidden(element.tail):
            element.tail = xml_safe(element.tail)
        if isinstance(element.tag, str):
            for name, value in element.attrib.items():
                if has_forbidden(value):
                    element.set(name, xml_safe(value))


class _FlatReader(HTMLParser):
    """Text of markup read as a stream of tags, without a tree, so without a depth limit."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _CHROME:
            self._skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _CHROME:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _flat_text(markup: str) -> str:
    reader = _FlatReader()
    reader.feed(markup)
    reader.close()
    return normalise(xml_safe("".join(reader.parts)))


def _plain_text(tree: html.HtmlElement) -> str:
    """A plain reading of the page's main region: its block elements as lines."""
    for element in list(tree.iter(*_CHROME)):
        if element.getparent() is not None:
            element.drop_tree()
    region = next(iter(tree.xpath("//main | //article | //*[@role='main']")), None)
    if region is None:
        bodies = tree.xpath("//body")
        region = bodies[0] if bodies else tree
    for element in region.iter():
        if isinstance(element.tag, str) and element.tag in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
            element.text = "\n" + (element.text or "")
    return normalise(region.text_content())
