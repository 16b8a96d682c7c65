"""The data an article yields: its citations and the context each one stands in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Citation:
    """One cited source: a canonical URL and the words of the article around it."""

    url: str
    """Canonical URL (see :func:`crawler.ingest.canonical.canonical_url`)."""
    label: str
    """Anchor text or markdown label; ``""`` for bare URLs."""
    sentence: str
    """The sentence the link stands in (or the claim a ``Source:`` line supports), whitespace-normalised."""
    quotes: tuple[str, ...]
    """Passages in quotation marks near the link, at least four words each."""
    position: int
    """Order of first appearance in the article, 0-based."""


@dataclass(frozen=True)
class ExtractedArticle:
    """What ingesting one article produced."""

    title: str
    kind: str
    """One of ``"html"``, ``"markdown"``, ``"text"``, ``"pdf"``."""
    citations: tuple[Citation, ...]
    """One per canonical URL, in order of first appearance."""
    text: str
    """The article's plain text, kept for matching quotes against archived sources later."""
