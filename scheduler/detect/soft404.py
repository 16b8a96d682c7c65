"""Soft 404s: pages answered with 200 OK that only say the page is not there."""

from __future__ import annotations

import re

from lxml import etree, html

from archive.text import word_diff
from archive.text.mediatype import essence_of

# How alike a page and the site's answer for a random missing URL must be to be the same error page.
PROBE_SIMILARITY = 0.85
# An error page says little; a statement that happens to mention "not found" says more.
_SHORT_WITH_HEADING = 150
_SHORT_TEXT_ONLY = 80
_NOT_FOUND = re.compile(
    r"\b(?:error\s*)?404\b|\b(?:page|file|document|article|content|resource|url)?\s*(?:was\s+)?not\s+found\b"
    r"|\bpage\s+(?:does\s+not|doesn't|no\s+longer)\s+exists?\b|\bno\s+longer\s+(?:available|exists)\b"
    r"|\b(?:could|can)\s*not\s+be\s+found\b|\bcan't\s+be\s+found\b|\bcouldn't\s+find\b"
    r"|\bpage\s+you\s+(?:requested|are\s+looking\s+for)\b|\bseite\s+nicht\s+gefunden\b|\bpage\s+introuvable\b"
    r"|\bp[áa]gina\s+no\s+encontrada\b|\bpagina\s+non\s+trovata\b|\bniet\s+gevonden\b",
    re.IGNORECASE,
)
_TITLE_SEPARATORS = re.compile(r"\s[|\-–—:·•»]\s|\s*[|·•»]\s*")
# Words left over once the "not found" phrase is removed ("Oops! Sorry", a site name) beyond which
# the phrase no longer dominates the line.
_LEFTOVER_WORDS = 4


# A first capture is read for a soft 404 only on a cheap sign that it might be one: extracting its
# main text costs more than the rest of its capture, and a first capture is most of an ingest.
SHORT_PAGE_BYTES = 8 * 1024
_SIGN_SCAN_BYTES = 256 * 1024
_SIGN_ELEMENTS = 4
# Bounded content: an unclosed <h1> on a hostile page costs at most this much scanning.
_TITLE_OR_HEADING = re.compile(
    rb"<(title|h1|h2)\b[^>]{0,500}>(.{0,2000}?)</\1\s*>", re.IGNORECASE | re.DOTALL
)
_TAG = re.compile(rb"<[^>]{0,500}>")


def might_be_soft_404(payload: bytes) -> bool:
    """A cheap look, without parsing, at whether a page could be a "not found" page: a short body,
    or not-found wording in its title or first headings."""
    if len(payload) <= SHORT_PAGE_BYTES:
        return True
    for count, match in enumerate(_TITLE_OR_HEADING.finditer(payload, 0, _SIGN_SCAN_BYTES)):
        if count >= _SIGN_ELEMENTS:
            break
        if _NOT_FOUND.search(_TAG.sub(b" ", match.group(2)).decode("utf-8", "replace")):
            return True
    return False


def _dominated(line: str) -> bool:
    if not _NOT_FOUND.search(line):
        return False
    return len(_NOT_FOUND.sub(" ", line).split()) <= _LEFTOVER_WORDS


def _headings(payload: bytes) -> list[str]:
    """The page's title and first headings (empty for non-HTML or unparseable payloads)."""
    try:
        tree = html.document_fromstring(payload)
    except (etree.ParserError, ValueError):
        return []
    found: list[str] = []
    for element in tree.xpath("//title | //h1 | //h2")[:4]:
        if isinstance(element, html.HtmlElement):
            text = " ".join(element.text_content().split())
            found.extend(part for part in _TITLE_SEPARATORS.split(text) if part.strip())
    return found


def says_not_found(payload: bytes, content_type: str | None, text: str) -> bool:
    """Whether a page's title, headings or short main text are dominated by "not found" phrases."""
    words = len(text.split())
    is_html = "html" in essence_of(content_type) or payload.lstrip()[:1] == b"<"
    if is_html and words <= _SHORT_WITH_HEADING and any(_dominated(line) for line in _headings(payload)):
        return True
    first_line = text.strip().split("\n", 1)[0] if text.strip() else ""
    return words <= _SHORT_TEXT_ONLY and _dominated(first_line)


def like_probe(text: str, probe_text: str) -> bool:
    """Whether a page's main text is the site's answer for a URL that cannot exist."""
    if not probe_text.split() or not text.split():
        return False
    return word_diff(probe_text, text).similarity >= PROBE_SIMILARITY
