"""Finding the sources an article cites, with the words around each citation.

Pure functions from an article's text or bytes to an :class:`ExtractedArticle`: no network, no
Scrapy, no database. Formats: HTML, Markdown, plain text and PDF.

The extractors are loaded on first use (`archive.exports`): lxml, markdown-it and pypdf are not
needed by the commands that only canonicalise a URL (`citewatch captures URL`).
"""

from typing import TYPE_CHECKING

from archive.exports import lazy_exports
from crawler.ingest.canonical import canonical_url
from crawler.ingest.errors import IngestError, UnreadablePdf, UnsupportedArticle
from crawler.ingest.model import Citation, ExtractedArticle

if TYPE_CHECKING:
    from crawler.ingest.dispatch import extract, kind_for
    from crawler.ingest.html import extract_html
    from crawler.ingest.markdown import extract_markdown
    from crawler.ingest.pdf import extract_pdf
    from crawler.ingest.text import extract_text

__all__ = [
    "Citation",
    "ExtractedArticle",
    "IngestError",
    "UnreadablePdf",
    "UnsupportedArticle",
    "canonical_url",
    "extract",
    "extract_html",
    "extract_markdown",
    "extract_pdf",
    "extract_text",
    "kind_for",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "extract": "crawler.ingest.dispatch",
        "kind_for": "crawler.ingest.dispatch",
        "extract_html": "crawler.ingest.html",
        "extract_markdown": "crawler.ingest.markdown",
        "extract_pdf": "crawler.ingest.pdf",
        "extract_text": "crawler.ingest.text",
    },
)
