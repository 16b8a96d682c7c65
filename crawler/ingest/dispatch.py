"""Choosing the extractor for an article by its file name, MIME type or declared kind."""

from __future__ import annotations

import posixpath
from dataclasses import replace

from archive.text.characters import xml_safe
from crawler.ingest.decoding import decode_text
from crawler.ingest.errors import UnsupportedArticle
from crawler.ingest.html import extract_html
from crawler.ingest.model import ExtractedArticle
from crawler.ingest.text import extract_text

KINDS = ("html", "markdown", "text", "pdf")
_EXTENSIONS = {
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".pdf": "pdf",
}
_MIME_TYPES = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/plain": "text",
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
}


def kind_for(filename: str, content_type: str | None = None) -> str:
    """The article kind for a file: by its MIME type when that is specific, else by its extension.

    Raises :class:`UnsupportedArticle` when neither names a kind citewatch can read.
    """
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    by_mime = _MIME_TYPES.get(mime)
    # Servers label many files text/plain or octet-stream by default: the extension knows better then.
    extension = posixpath.splitext(filename.strip().lower().split("?", 1)[0])[1]
    by_extension = _EXTENSIONS.get(extension)
    if by_mime and (by_mime != "text" or by_extension is None):
        return by_mime
    if by_extension:
        return by_extension
    raise UnsupportedArticle(filename, content_type)


def extract(
    data: bytes, *, kind: str, base_url: str | None = None, all_links: bool = False
) -> ExtractedArticle:
    """Extract the citations of an article of the given ``kind`` (see :func:`kind_for`) from its bytes.

    ``all_links`` applies to HTML only. Raises :class:`UnsupportedArticle` for an unknown kind.
    Titles, labels, sentences and quotes come without the characters XML 1.0 forbids, so the
    catalog never stores them (they would break the Atom feed and alerts later).
    """
    if kind == "html":
        # HTML declares its own charset (BOM, <meta charset>); extract_html reads it from the bytes.
        article = extract_html(data, base_url=base_url, all_links=all_links)
    elif kind == "pdf":
        # Loaded here: pypdf and markdown-it cost ~0.15 s of start-up that every crawl paid (its
        # sink can extract an article), though most crawls never meet a PDF or Markdown article.
        from crawler.ingest.pdf import extract_pdf

        article = extract_pdf(data, base_url=base_url)
    elif kind == "markdown":
        from crawler.ingest.markdown import extract_markdown

        article = extract_markdown(decode_text(data), base_url=base_url)
    elif kind == "text":
        article = extract_text(decode_text(data), base_url=base_url)
    else:
        raise UnsupportedArticle(f"<{kind}>", None)
    return _without_forbidden_characters(article)


def _without_forbidden_characters(article: ExtractedArticle) -> ExtractedArticle:
    citations = tuple(
        replace(
            c,
            label=xml_safe(c.label),
            sentence=xml_safe(c.sentence),
            quotes=tuple(xml_safe(q) for q in c.quotes),
        )
        for c in article.citations
    )
    return replace(article, title=xml_safe(article.title), citations=citations, text=xml_safe(article.text))
