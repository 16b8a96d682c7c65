"""Robust links for an ingested article in the UI: each citation's version, its ``<a>`` snippet, the
article's archived HTML with the attributes written in, and the CSL-JSON and BibTeX exports.

The links point under the UI's public base URL (``ui_base_url``, else the address it serves on:
never the request's ``Host``, see `archive.web.hosts`).  Which of the archived page's links are
cited is decided by the canonical URL ingest gave each citation; the canonicaliser lives in the
crawler, so the composition root hands it in (``canonical`` in `archive.web.app.create_app`).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from dataclasses import dataclass

from archive.links.memento import iso_datetime
from archive.robust import decorate_html
from archive.robust.citations import CitedSource
from archive.robust.errors import RobustLinksError
from archive.robust.links import RobustAttributes, Version, original_url
from archive.robust.versions import closest_versions
from archive.store.errors import StoreError
from archive.warc.errors import WarcError
from archive.warc.reader import read_record
from archive.web.context import WebContext
from archive.web.rows import ArticleDetail

_log = logging.getLogger(__name__)
# The canonical form of a link (href, base URL) as ingest computes it, or None if it cites nothing.
Canonical = Callable[[str, str | None], str | None]


@dataclass(frozen=True)
class RobustLink:
    """One citation's robust link: ``snippet`` is the ``<a>`` element to paste (None: no capture)."""

    cited: CitedSource
    attributes: RobustAttributes | None

    @property
    def snippet(self) -> str | None:
        if self.attributes is None:
            return None
        attrs = "".join(f' {name}="{html.escape(value)}"' for name, value in self.attributes.pairs())
        label = html.escape(self.cited.label or self.cited.url, quote=False)
        return f'<a href="{html.escape(self.cited.url)}"{attrs}>{label}</a>'

    @property
    def note(self) -> str:
        """When the version was captured, and where it was recovered from."""
        return "" if self.cited.version is None else version_note(self.cited.version)


def robust_links(web: WebContext, article: ArticleDetail) -> list[RobustLink]:
    """Each citation of ``article`` with its version: our capture closest to its ingest."""
    versions = closest_versions(
        web.catalog.engine, [c.source_id for c in article.citations], article.ingested_at
    )
    links = []
    for c in article.citations:
        version = versions.get(c.source_id)
        cited = CitedSource(c.source_id, c.url, c.label, version)
        links.append(
            RobustLink(cited, None if version is None else version.attributes(c.url, web.hosts.root))
        )
    return links


def robust_article_html(
    web: WebContext, article: ArticleDetail, links: list[RobustLink], canonical: Canonical
) -> tuple[bytes, str] | None:
    """The archived HTML of an article ingested by URL with its cited links decorated, and its
    content type; None when no archived HTML of it can be read."""
    if article.capture_id is None:
        return None
    capture = web.catalog.get_capture(article.capture_id)
    holder = None if capture is None else web.queries.payload_capture(capture)
    if capture is None or holder is None:
        return None
    content_type = capture.content_type or "text/html"
    if "html" not in content_type.lower():
        return None
    try:
        data = web.read_record(holder)
        payload = None if data is None else read_record(data).payload
    except (WarcError, StoreError, OSError) as exc:
        _log.warning("article %s: unreadable WARC record: %s", article.id, exc)
        return None
    if payload is None:
        return None
    page_url = capture.final_url or capture.url
    by_url = {link.cited.url: link for link in links}

    def decide(href: str, base: str | None) -> RobustAttributes | None:
        document_base = canonical(base, page_url) if base else page_url
        link = by_url.get(canonical(href, document_base) or "")
        if link is None or link.cited.version is None:
            return None
        return link.cited.version.attributes(original_url(href, document_base), web.hosts.root)

    try:
        return decorate_html(payload, decide).data, content_type
    except RobustLinksError as exc:  # a UTF-16 page whose bytes are not: the links alone, then
        _log.warning("article %s: cannot write robust links into its HTML: %s", article.id, exc)
        return None


def snippets_page(article: ArticleDetail, links: list[RobustLink]) -> bytes:
    """A small HTML document listing the article's robust links (for an article whose own HTML
    is not archived: one ingested from a file)."""
    title = html.escape(article.title or article.origin, quote=False)
    items = "".join(f"  <li>{link.snippet}</li>\n" for link in links if link.snippet)
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Robust links: {title}</title></head>\n'
        f"<body>\n<h1>Robust links: {title}</h1>\n<ul>\n{items}</ul>\n</body></html>\n"
    ).encode()


def version_note(version: Version) -> str:
    """How the article page describes a version: its date, and where it was recovered from."""
    note = iso_datetime(version.captured_at)
    if version.recovered_from:
        when = f" ({iso_datetime(version.memento_datetime)})" if version.memento_datetime else ""
        note += f", recovered from {version.recovered_from}{when}"
    return note
