"""Citations in a plain-text article: bare URLs and ``Source: URL`` lines."""

from __future__ import annotations

from collections.abc import Iterator

from crawler.ingest.bareurls import find_bare_urls
from crawler.ingest.canonical import canonical_url
from crawler.ingest.citations import CitationCollector
from crawler.ingest.context import SOURCE_LINE, Passage, source_label
from crawler.ingest.model import ExtractedArticle
from crawler.ingest.sentences import normalise_space

MAX_TITLE = 200


def extract_text(text: str, *, base_url: str | None = None) -> ExtractedArticle:
    """Extract the citations of a plain-text article.

    Every http(s) or ``www.`` URL is a citation, in its sentence. A ``Source: URL`` line cites URL
    for the paragraph above it: that paragraph's closing sentences become the citation's sentence
    and its quoted passages the quotes. A ``Source:`` line without a URL cites nothing.
    """
    text = text.lstrip("\ufeff")
    collector = CitationCollector()
    claim: Passage | None = None
    for block, is_source in _blocks(text):
        if collector.full:
            break
        if is_source:
            _add_source_line(collector, block, claim, base_url)
            continue
        passage = claim = Passage(block)
        for found in find_bare_urls(block):
            url = canonical_url(found.url, base_url)
            if url is not None and collector.accepts(url):
                sentence = passage.sentence(found.start, found.end)
                collector.add(url, "", sentence, passage.quotes(found.start, found.end))
    return ExtractedArticle(title=first_line(text), kind="text", citations=collector.citations(), text=text)


def first_line(text: str, limit: int = MAX_TITLE) -> str:
    """The first non-empty line of ``text``, whitespace-normalised and cut to ``limit`` chars."""
    for line in text.splitlines():
        # A leading list or heading marker is layout, not part of the title.
        line = normalise_space(line).lstrip("-*•#> ")
        if line:
            return line[:limit]
    return ""


def _blocks(text: str) -> Iterator[tuple[str, bool]]:
    """Paragraphs (runs of non-blank lines) and ``Source:`` lines, which always stand alone."""
    lines: list[str] = []
    for line in text.splitlines():
        if SOURCE_LINE.match(line):
            if lines:
                yield "\n".join(lines), False
                lines = []
            yield line, True
        elif line.strip():
            lines.append(line)
        elif lines:
            yield "\n".join(lines), False
            lines = []
    if lines:
        yield "\n".join(lines), False


def _add_source_line(
    collector: CitationCollector, line: str, claim: Passage | None, base_url: str | None
) -> None:
    marker = SOURCE_LINE.match(line)
    label_start = marker.end() if marker else 0
    sentence = claim.claim() if claim else ""
    quotes = claim.quotes() if claim else ()
    for found in find_bare_urls(line):
        url = canonical_url(found.url, base_url)
        label = source_label(line[label_start : found.start])
        label_start = found.end
        if url is not None and collector.accepts(url):
            collector.add(url, label, sentence, quotes)
