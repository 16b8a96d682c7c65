"""`citewatch robustify`: an article file with Robust Links on every link it cites.

Wiring only: ingest's extraction says which links the article cites (the same code, the same
canonical URLs, so a link is cited here exactly when `citewatch ingest` cites it), the catalog
says which of our captures is each one's version (`archive.robust.versions`), and
`archive.robust` writes the attributes into the file's bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from archive.robust.links import RobustAttributes, Version, original_url
from citewatch.errors import BadInput, CitewatchError

if TYPE_CHECKING:
    from archive.catalog import Catalog

ROBUST_KINDS = ("html", "markdown")


class NotAnArticleForLinks(CitewatchError):
    """A file robustify cannot write links into (not HTML or Markdown)."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path}: robustify writes links into HTML (.html, .htm) and Markdown (.md) articles only"
        )


@dataclass(frozen=True)
class Robustified:
    """The article's bytes with robust links, the links decorated (URL as written, attributes),
    and the cited URLs left as they were: never captured, or with no capture that shows the page."""

    data: bytes
    decorated: tuple[tuple[str, RobustAttributes], ...]
    uncaptured: tuple[str, ...]
    unusable: tuple[str, ...]


def robustify_file(
    path: Path,
    *,
    base_url: str,
    catalog: Catalog | None,
    now: datetime,
    all_links: bool = False,
) -> Robustified:
    """Robust links for the article at ``path``, pointing under ``base_url``.

    Versions come from ``catalog`` (None: nothing archived yet), chosen for the article's ingest
    time if ``path`` is an ingested article, else for ``now``.  Raises `NotAnArticleForLinks` for
    a file that is not HTML or Markdown, `BadInput` for one that cannot be read.
    """
    from crawler.ingest import canonical_url, extract, kind_for
    from crawler.ingest.errors import IngestError

    try:
        kind = kind_for(path.name)
    except IngestError:
        raise NotAnArticleForLinks(path) from None
    if kind not in ROBUST_KINDS:
        raise NotAnArticleForLinks(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(
            f"{path}: cannot read it ({exc.strerror}); check the path and its permissions"
        ) from exc
    try:
        article = extract(data, kind=kind, all_links=all_links)
    except IngestError as exc:
        raise BadInput(f"{path}: {exc}") from exc
    cited = [c.url for c in article.citations]
    versions, watched = _versions(catalog, cited, str(path.resolve()), now)
    uncaptured: dict[str, None] = {}
    unusable: dict[str, None] = {}

    def decide(href: str, base: str | None) -> RobustAttributes | None:
        # The document's <base href> is resolved the way ingest resolves it (no URL of its own).
        document_base = canonical_url(base) if base else None
        url = canonical_url(href, document_base)
        if url is None or url not in cited_set:
            return None
        version = versions.get(url)
        if version is None:
            (unusable if url in watched else uncaptured)[url] = None
            return None
        return version.attributes(original_url(href, document_base or url), base_url)

    cited_set = set(cited)
    from archive.robust import decorate_html, decorate_markdown
    from archive.robust.errors import RobustLinksError

    try:
        decorated = (decorate_html if kind == "html" else decorate_markdown)(data, decide)
    except RobustLinksError as exc:
        raise BadInput(f"{path}: {exc}") from exc
    return Robustified(decorated.data, decorated.links, tuple(uncaptured), tuple(unusable))


def _versions(
    catalog: Catalog | None, cited: list[str], origin: str, now: datetime
) -> tuple[dict[str, Version], set[str]]:
    """Each cited URL's version, and the cited URLs that are watched sources at all."""
    if catalog is None:
        return {}, set()
    from archive.robust.versions import article_dated, closest_versions

    sources = {s.url: s.id for s in catalog.sources_for_urls(cited)}
    article = article_dated(catalog.engine, origin)
    moment = article[1] if article is not None else now
    by_id = closest_versions(catalog.engine, list(sources.values()), moment)
    return {url: by_id[i] for url, i in sources.items() if i in by_id}, set(sources)
