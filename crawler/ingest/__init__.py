"""Finding the sources an article cites, with the words around each citation.

Pure functions from an article's text or bytes to an :class:`ExtractedArticle`: no network, no
Scrapy, no database. Formats: HTML, Markdown, plain text and PDF.
"""

from crawler.ingest.canonical import canonical_url
from crawler.ingest.dispatch import extract, kind_for
from crawler.ingest.errors import IngestError, UnreadablePdf, UnsupportedArticle
from crawler.ingest.html import extract_html
from crawler.ingest.markdown import extract_markdown
from crawler.ingest.model import Citation, ExtractedArticle
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
