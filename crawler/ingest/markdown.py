"""Citations in a Markdown article: inline, reference-style, autolinks and bare URLs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from crawler.ingest.bareurls import find_bare_urls
from crawler.ingest.canonical import canonical_url
from crawler.ingest.citations import CitationCollector
from crawler.ingest.context import SOURCE_LINE, Passage
from crawler.ingest.model import ExtractedArticle
from crawler.ingest.quotes import quote_text
from crawler.ingest.sentences import normalise_space
from crawler.ingest.text import MAX_TITLE, first_line

_HTML_ANCHOR = re.compile(r"""<a\s[^>]*?href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_HTML_ANCHOR_CLOSE = re.compile(r"</a\s*>", re.IGNORECASE)


@dataclass
class _Link:
    href: str
    start: int
    end: int = -1
    label: str = ""
    first_part: int = 0  # index of the link's first text piece, so closing it joins only its own text


@dataclass
class _Inline:
    """One paragraph, heading or table cell flattened to text, with where its links sit."""

    text: str = ""
    links: list[_Link] = field(default_factory=list)
    # Spans that bare-URL search must skip: link labels, code, image alt text.
    hidden: list[tuple[int, int]] = field(default_factory=list)


def extract_markdown(text: str, *, base_url: str | None = None) -> ExtractedArticle:
    """Extract the citations of a Markdown article.

    Inline ``[label](url "title")``, reference-style ``[label][ref]``/``[label][]``/``[ref]``,
    autolinks ``<https://…>``, inline HTML anchors and bare URLs are citations; images, link
    definitions and anything inside code are not. A link in or right after a block quote gets the
    quoted text among its quotes; a ``Source:`` paragraph cites for the paragraph above it.
    """
    text = text.lstrip("\ufeff")
    # The CommonMark preset without the raw-HTML block rule would lose links; keep html on, we only
    # read anchors from it. Nesting is capped by markdown-it itself (maxNesting).
    tokens = MarkdownIt("commonmark").parse(text)
    collector = CitationCollector()
    title = ""
    texts: list[str] = []
    claim: Passage | None = None
    quote_depth = 0
    quote_parts: list[str] = []
    # The text of a block quote that just closed: the paragraph right after it often names its source.
    after_quote: str | None = None
    heading: str | None = None
    for token in tokens:
        if collector.full:
            break
        if token.type == "blockquote_open":
            quote_depth += 1
            if quote_depth == 1:
                quote_parts = []
        elif token.type == "blockquote_close":
            quote_depth -= 1
            if quote_depth == 0:
                after_quote = quote_text(" ".join(quote_parts))
        elif token.type == "heading_open":
            heading = token.tag
        elif token.type == "heading_close":
            heading = None
        elif token.type == "inline":
            flat = _flatten(token.children or [])
            texts.append(flat.text)
            if heading == "h1" and not title:
                title = normalise_space(flat.text)[:MAX_TITLE]
            if quote_depth:
                quote_parts.append(flat.text)
            own = quote_text(flat.text) if quote_depth else after_quote
            extra = (own,) if own else ()
            after_quote = None
            passage = Passage(flat.text)
            if SOURCE_LINE.match(flat.text):
                sentence = claim.claim() if claim else ""
                quotes = claim.quotes() if claim else ()
                for link, _ in _links_of(flat, base_url):
                    collector.add(link.href, link.label, sentence, quotes + extra)
            else:
                claim = passage
                for link, bare in _links_of(flat, base_url):
                    if not collector.accepts(link.href):
                        continue
                    quotes = passage.quotes(link.start, link.end) + extra
                    label = "" if bare else link.label
                    collector.add(link.href, label, passage.sentence(link.start, link.end), quotes)
    return ExtractedArticle(
        title=title or first_line(text),
        kind="markdown",
        citations=collector.citations(),
        text="\n\n".join(t for t in texts if t),
    )


def _links_of(flat: _Inline, base_url: str | None) -> list[tuple[_Link, bool]]:
    """The paragraph's links and bare URLs with canonical hrefs, in reading order; bare ones flagged."""
    found: list[tuple[_Link, bool]] = []
    for link in flat.links:
        url = canonical_url(link.href, base_url)
        if url is not None:
            found.append((_Link(url, link.start, link.end, link.label), False))
    for bare in find_bare_urls(flat.text):
        if any(s < bare.end and bare.start < e for s, e in flat.hidden):
            continue
        url = canonical_url(bare.url, base_url)
        if url is not None:
            found.append((_Link(url, bare.start, bare.end), True))
    found.sort(key=lambda item: item[0].start)
    return found


def _flatten(children: list[Token]) -> _Inline:
    flat = _Inline()
    parts: list[str] = []
    length = 0
    open_links: list[_Link] = []
    image_depth = 0

    def emit(piece: str, hidden: bool = False) -> None:
        nonlocal length
        if hidden or open_links or image_depth:
            flat.hidden.append((length, length + len(piece)))
        parts.append(piece)
        length += len(piece)

    for child in children:
        if child.type == "text":
            emit(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            emit(" ")
        elif child.type == "code_inline":
            emit(child.content, hidden=True)
        elif child.type == "image":
            # An image is not a citation; its alt text still reads as part of the sentence.
            emit(child.content, hidden=True)
        elif child.type == "link_open":
            autolink = child.markup == "autolink"
            href = str(child.attrs.get("href", ""))
            open_links.append(_Link(href, length, label="" if autolink else "\0", first_part=len(parts)))
        elif child.type == "html_inline":
            anchor = _HTML_ANCHOR.match(child.content)
            if anchor:
                href = next(g for g in anchor.groups() if g is not None)
                open_links.append(_Link(href, length, label="\0", first_part=len(parts)))
            elif _HTML_ANCHOR_CLOSE.match(child.content) and open_links:
                _close(flat, open_links.pop(), length, parts)
        elif child.type == "link_close" and open_links:
            _close(flat, open_links.pop(), length, parts)
        elif child.content:
            emit(child.content)
    while open_links:
        _close(flat, open_links.pop(), length, parts)
    flat.text = "".join(parts)
    return flat


def _close(flat: _Inline, link: _Link, end: int, parts: list[str]) -> None:
    link.end = end
    # "\0" marks a link whose label is its text; autolinks keep "" since their text is the URL.
    if link.label == "\0":
        link.label = normalise_space("".join(parts[link.first_part :]))
    flat.links.append(link)
