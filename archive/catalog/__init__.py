"""The catalog: articles, the sources they cite, captures and WARC files, in SQLite or PostgreSQL.

Open it with `open_catalog(url)`; talk to it through `Catalog` in frozen views, never ORM rows.
"""

from archive.catalog.db import open_catalog
from archive.catalog.errors import (
    CatalogError,
    CatalogUnavailable,
    InvalidValue,
    UnknownArticle,
    UnknownCapture,
    UnknownSource,
)
from archive.catalog.repository import Catalog
from archive.catalog.views import (
    ArticleView,
    CaptureRecord,
    CaptureView,
    CitationRecord,
    CitationView,
    Redirect,
    SourceRef,
    SourceSummary,
    WarcFileView,
)

__all__ = [
    "ArticleView",
    "CaptureRecord",
    "CaptureView",
    "Catalog",
    "CatalogError",
    "CatalogUnavailable",
    "CitationRecord",
    "CitationView",
    "InvalidValue",
    "Redirect",
    "SourceRef",
    "SourceSummary",
    "UnknownArticle",
    "UnknownCapture",
    "UnknownSource",
    "WarcFileView",
    "open_catalog",
]
