"""Citations in a PDF article: link annotations and URLs written in its text."""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PageObject, PasswordType, PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, PdfObject

from crawler.ingest.bareurls import find_bare_urls
from crawler.ingest.canonical import canonical_url
from crawler.ingest.citations import CitationCollector
from crawler.ingest.context import Passage
from crawler.ingest.errors import UnreadablePdf
from crawler.ingest.model import ExtractedArticle
from crawler.ingest.sentences import normalise_space
from crawler.ingest.text import MAX_TITLE, first_line

MAX_PAGES = 2000
# Text positions are baselines; glyphs sit a little above and around them.
_RECT_SLACK = 3.0


@dataclass(frozen=True)
class _Fragment:
    text: str
    x: float
    y: float


@dataclass(frozen=True)
class _Found:
    """A link on a page: where its label sits in the page text (or the page end if unknown)."""

    offset: int
    end: int
    url: str
    label: str


def extract_pdf(data: bytes, *, base_url: str | None = None) -> ExtractedArticle:
    """Extract the citations of a PDF article, page by page.

    Link annotations (``/URI`` actions) are citations, labelled with the text drawn under them;
    so are URLs written in the text. Raises :class:`UnreadablePdf` for bytes that are not a PDF,
    are damaged, or are encrypted with a password.
    """
    if b"%PDF-" not in data[:1024]:
        raise UnreadablePdf("the file does not start like a PDF (no %PDF- header)")
    # pypdf raises many exception types on damaged files (its own, ValueError, KeyError, ...): all of
    # them mean the same thing to the user, so they become one UnreadablePdf carrying the cause.
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise UnreadablePdf("it is encrypted with a password", encrypted=True)
        metadata = reader.metadata
        metadata_title = normalise_space(str(metadata.get("/Title") or "")) if metadata else ""
        pages = [_read_page(page) for page in list(reader.pages)[:MAX_PAGES]]
    except UnreadablePdf:
        raise
    except Exception as error:
        raise UnreadablePdf(f"it is damaged ({type(error).__name__}: {str(error)[:200]})") from error
    collector = CitationCollector()
    for text, links in pages:
        passage = Passage(text)
        found = [
            _Found(b.start, b.end, u, "")
            for b in find_bare_urls(text)
            if (u := canonical_url(b.url, base_url)) is not None
        ]
        for uri, label in links:
            url = canonical_url(uri, base_url)
            if url is not None:
                offset = text.find(label) if label else -1
                found.append(_Found(offset if offset >= 0 else len(text), offset + len(label), url, label))
        for item in sorted(found, key=lambda f: f.offset):
            sentence = passage.sentence(item.offset, item.end) if item.offset < len(text) else ""
            collector.add(item.url, item.label, sentence, passage.quotes(item.offset, item.end))
    full_text = "\n\n".join(text for text, _ in pages)
    return ExtractedArticle(
        title=metadata_title[:MAX_TITLE] or first_line(full_text),
        kind="pdf",
        citations=collector.citations(),
        text=full_text,
    )


def _read_page(page: PageObject) -> tuple[str, list[tuple[str, str]]]:
    """The page's text and its link annotations as ``(uri, label)`` pairs."""
    fragments: list[_Fragment] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: object) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            fragments.append(_Fragment(text, x, y))

    text = page.extract_text(visitor_text=visit)
    links = []
    for annotation in _resolve_array(page.get("/Annots")):
        if not isinstance(annotation, DictionaryObject) or annotation.get("/Subtype") != "/Link":
            continue
        action = annotation.get("/A")
        action = action.get_object() if action is not None else None
        if not isinstance(action, DictionaryObject) or action.get("/S") != "/URI":
            continue
        uri = action.get("/URI")
        if uri is None:
            continue
        uri_text = uri.decode("latin-1") if isinstance(uri, bytes) else str(uri)
        links.append((uri_text, _label_under(annotation.get("/Rect"), fragments)))
    return text, links


def _resolve_array(value: PdfObject | None) -> list[PdfObject]:
    value = value.get_object() if value is not None else None
    if not isinstance(value, ArrayObject):
        return []
    return [item.get_object() for item in value]


def _label_under(rect: PdfObject | None, fragments: list[_Fragment]) -> str:
    """The text whose start lies inside the annotation rectangle; "" if none or the rect is odd."""
    rect = rect.get_object() if rect is not None else None
    if not isinstance(rect, ArrayObject) or len(rect) != 4:
        return ""
    try:
        x0, y0, x1, y1 = (float(v) for v in rect)
    except (TypeError, ValueError):
        return ""
    # A run starting at the right edge belongs to the next words, hence the open interval there.
    left, right = min(x0, x1) - _RECT_SLACK, max(x0, x1) - _RECT_SLACK
    bottom, top = min(y0, y1) - _RECT_SLACK, max(y0, y1) + _RECT_SLACK
    inside = [f.text for f in fragments if left <= f.x < right and bottom <= f.y <= top]
    return normalise_space(" ".join(inside))
