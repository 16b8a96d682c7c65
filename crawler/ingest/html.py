"""Citations in an HTML article: the links in its main content, with their sentences and quotes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import islice

import lxml.etree
import lxml.html
from lxml.html import HtmlElement
from w3lib.encoding import html_to_unicode

from crawler.ingest.boilerplate import content_elements, is_boilerplate, main_content
from crawler.ingest.canonical import canonical_url
from crawler.ingest.citations import CitationCollector
from crawler.ingest.context import SOURCE_LINE, Passage
from crawler.ingest.model import ExtractedArticle
from crawler.ingest.quotes import MAX_QUOTES, quote_text
from crawler.ingest.sentences import normalise_space
from crawler.ingest.text import MAX_TITLE

# The block whose sentence a link stands in.
CONTEXT_BLOCKS = frozenset(
    {"p", "li", "blockquote", "td", "th", "dd", "dt", "figcaption", "caption", "pre", "summary"}
    | {"h1", "h2", "h3", "h4", "h5", "h6"}
)
# Elements that start a new line of text when flattening.
LINE_BREAKING = CONTEXT_BLOCKS | frozenset(
    {"br", "div", "section", "article", "main", "ul", "ol", "dl", "table", "tr", "figure", "hr", "header"}
)
_NEVER_TEXT = ("script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_QUOTE_TAGS = ("blockquote", "q")
# Elements walked to flatten blocks for context, per article. Real articles need a few thousand;
# a hostile one nesting thousands of blocks makes each block's walk repeat every deeper one (minutes
# for 40 kB). Past the budget, links are still cited, with their labels, without sentence or quotes.
CONTEXT_VISITS = 200_000


@dataclass
class _Flat:
    """A block flattened to text, with where each link (and quote) inside it sits in that text."""

    text: str
    spans: dict[HtmlElement, tuple[int, int]] = field(default_factory=dict)
    passage: Passage | None = None
    visits: int = 0  # elements walked to build it


def extract_html(
    html: bytes | str, *, base_url: str | None = None, all_links: bool = False
) -> ExtractedArticle:
    """Extract the citations of an HTML article.

    Only links in the main content count, minus navigation, share bars, related boxes, comments
    and the like; ``all_links=True`` keeps every http(s) link in the document instead. Links to
    the page itself, in-page anchors, ``mailto:``, ``javascript:`` and ``tel:`` never count.
    ``<blockquote cite>`` and ``<q cite>`` are citations too.
    """
    document = _parse(html)
    if document is None:
        return ExtractedArticle(title="", kind="html", citations=(), text="")
    base = _base(document, base_url)
    own = {u for u in (canonical_url(base_url or ""), _canonical_link(document, base)) if u}
    title = _title(document)
    content = main_content(document)
    collector = CitationCollector()
    blocks: dict[HtmlElement, _Flat] = {}
    quoted: dict[HtmlElement, str] = {}
    visits = 0
    elements = document.iter() if all_links else content_elements(content)
    for element in elements:
        if collector.full:
            break
        tag = element.tag
        if tag in {"a", "area"}:
            href = element.get("href")
        elif tag in _QUOTE_TAGS:
            href = element.get("cite")
        else:
            continue
        url = canonical_url(href or "", base)
        if url is None or url in own:
            continue
        block_element = _block_of(element, content)
        flat = blocks.get(block_element)
        if flat is None:
            if visits >= CONTEXT_VISITS:
                collector.add(url, "" if tag in _QUOTE_TAGS else _label(element))
                continue
            flat = blocks[block_element] = _flatten(block_element)
            visits += flat.visits
        start, end = flat.spans.get(element, (0, 0))
        passage = flat.passage = flat.passage or Passage(flat.text)
        quotes = passage.quotes(start, end) + _quotes_around(element, block_element, quoted)
        if tag in _QUOTE_TAGS:
            collector.add(url, "", passage.sentence(start, end), quotes)
        else:
            collector.add(url, _label(element), _sentence(passage, start, end, block_element), quotes)
    return ExtractedArticle(
        title=title, kind="html", citations=collector.citations(), text=_flatten(content, skip=True).text
    )


def _parse(html: bytes | str) -> HtmlElement | None:
    if isinstance(html, bytes):
        _, html = html_to_unicode(None, html)
    # lxml refuses str input that declares an encoding; the text is decoded already.
    html = _XML_DECLARATION.sub("", html, count=1).replace("\x00", "")
    if not html.strip():
        return None
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        document = lxml.html.document_fromstring(html, parser=parser)
    except (lxml.etree.ParserError, ValueError):  # "Document is empty" and other hopeless inputs
        return None
    lxml.etree.strip_elements(document, *_NEVER_TEXT, with_tail=False)
    return document


def _base(document: HtmlElement, base_url: str | None) -> str | None:
    """The URL relative links resolve against: ``<base href>`` (itself relative to base_url) or base_url."""
    for element in document.iter("base"):
        href = element.get("href")
        if href:
            return canonical_url(href, base_url) or base_url
    return base_url


def _canonical_link(document: HtmlElement, base: str | None) -> str | None:
    for element in document.iter("link"):
        if "canonical" in (element.get("rel") or "").lower().split():
            return canonical_url(element.get("href") or "", base)
    return None


def _title(document: HtmlElement) -> str:
    for element in document.iter("title"):
        text = normalise_space(element.text_content())
        if text:
            return text[:MAX_TITLE]
    for element in document.iter("meta"):
        if (element.get("property") or element.get("name") or "").lower() == "og:title":
            text = normalise_space(element.get("content") or "")
            if text:
                return text[:MAX_TITLE]
    for element in document.iter("h1"):
        text = normalise_space(element.text_content())
        if text:
            return text[:MAX_TITLE]
    return ""


def _block_of(element: HtmlElement, content: HtmlElement) -> HtmlElement:
    """The nearest context block around ``element``, or its parent when it stands in no block."""
    if element.tag == "blockquote":
        return element
    for ancestor in element.iterancestors():
        if ancestor.tag in CONTEXT_BLOCKS:
            return ancestor
        if ancestor is content:
            break
    parent = element.getparent()
    return parent if parent is not None else element


def _flatten(root: HtmlElement, *, skip: bool = False) -> _Flat:
    """Text of ``root`` with whitespace collapsed, recording the span of each ``a``/``area``/quote.

    Walks iteratively: hostile pages nest thousands of elements deep. ``skip`` leaves out
    furniture (navigation, share bars...) inside ``root``.
    """
    parts: list[str] = []
    length = 0
    space = True  # whether the output ends in whitespace (or is empty)
    spans: dict[HtmlElement, tuple[int, int]] = {}
    starts: dict[HtmlElement, int] = {}

    def emit(text: str | None) -> None:
        nonlocal length, space
        if not text:
            return
        collapsed = " ".join(text.split())
        lead = " " if text[0].isspace() and not space else ""
        out = lead + collapsed + (" " if collapsed and text[-1].isspace() else "")
        if out:
            parts.append(out)
            length += len(out)
            space = out.endswith(" ")

    def newline() -> None:
        nonlocal length, space
        if parts and parts[-1] != "\n":
            if parts[-1].endswith(" "):
                parts[-1] = parts[-1][:-1]
                length -= 1
            parts.append("\n")
            length += 1
        space = True

    # Stack of (element, entering): entering emits the opening text, leaving closes spans and tails.
    stack: list[tuple[HtmlElement, bool]] = [(root, True)]
    while stack:
        element, entering = stack.pop()
        tag = element.tag if isinstance(element.tag, str) else ""
        if entering:
            if tag in LINE_BREAKING:
                newline()
            starts[element] = length
            emit(element.text)
            stack.append((element, False))
            for child in reversed(element):
                if not isinstance(child.tag, str):
                    stack.append((child, False))  # comments/PIs: only their tail is text
                elif not (skip and is_boilerplate(child)):
                    stack.append((child, True))
                elif child.tail:
                    stack.append((child, False))
        else:
            if tag in {"a", "area", "blockquote", "q"} and element in starts:
                spans[element] = (starts[element], length)
            if tag in LINE_BREAKING:
                newline()
            if element is not root:
                emit(element.tail)
    text = "".join(parts)
    stripped = text.lstrip()
    offset = len(text) - len(stripped)
    return _Flat(
        text=stripped.rstrip(),
        spans={e: (max(0, s - offset), max(0, t - offset)) for e, (s, t) in spans.items()},
        visits=len(starts),
    )


def _label(anchor: HtmlElement) -> str:
    text = normalise_space(anchor.text_content())
    if text:
        return text
    for attribute in ("title", "aria-label"):
        value = normalise_space(anchor.get(attribute) or "")
        if value:
            return value
    for image in anchor.iter("img"):
        value = normalise_space(image.get("alt") or "")
        if value:
            return value
    return ""


def _sentence(passage: Passage, start: int, end: int, block: HtmlElement) -> str:
    # A "Source: <a>…</a>" line carries no claim: the paragraph before it does.
    if SOURCE_LINE.match(passage.text) and len(passage.text) < 200:
        previous = block.getprevious()
        while previous is not None and not normalise_space(previous.text_content()):
            previous = previous.getprevious()
        if previous is not None:
            return Passage(_flatten(previous).text).claim()
    return passage.sentence(start, end)


def _quotes_around(
    element: HtmlElement, block: HtmlElement, quoted: dict[HtmlElement, str]
) -> tuple[str, ...]:
    """Text of a ``<blockquote>``/``<q>`` the link sits in, or that its block directly follows.

    ``quoted`` caches each quote element's text: nested quotes are shared by many links.
    """
    # A citation keeps MAX_QUOTES quotes: the nearest quote ancestors are the ones it can keep.
    around = list(islice(element.iterancestors(*_QUOTE_TAGS), MAX_QUOTES))
    if element.tag in _QUOTE_TAGS:
        around.append(element)
    previous = block.getprevious()
    if previous is not None and previous.tag == "blockquote":
        around.append(previous)
    sibling = element.getprevious()
    if sibling is not None and sibling.tag == "q" and not (sibling.tail or "").strip(" \t\n,;:()—–-"):
        around.append(sibling)
    quotes = [quoted[e] if e in quoted else quoted.setdefault(e, _quote_of(e)) for e in around]
    return tuple(q for q in dict.fromkeys(quotes) if q)


def _quote_of(element: HtmlElement) -> str:
    # Embedded posts (tweets) put the words in <p> and the attribution after it.
    paragraphs = [p.text_content() for p in element.iter("p")]
    return quote_text(" ".join(paragraphs) if paragraphs else element.text_content()) or ""
