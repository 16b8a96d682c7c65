"""The catalog: articles, the sources they cite, captures, WARC files, changes and alerts, in SQLite
or PostgreSQL.

Open it with `open_catalog(url)`; talk to it through `Catalog` in frozen views, never ORM rows.
"""

from archive.catalog.db import open_catalog
from archive.catalog.errors import (
    CatalogError,
    CatalogUnavailable,
    InvalidValue,
    UnknownArticle,
    UnknownCapture,
    UnknownChange,
    UnknownDelivery,
    UnknownSchema,
    UnknownSource,
)
from archive.catalog.masking import mask_url
from archive.catalog.repository import Catalog
from archive.catalog.views import (
    CAPTURE_ROLES,
    CHANGE_KINDS,
    DELIVERY_STATES,
    AlertView,
    ArticleRef,
    ArticleView,
    CaptureRecord,
    CaptureView,
    ChangeRecord,
    ChangeView,
    ChannelView,
    CitationRecord,
    CitationView,
    CitingArticle,
    DeliveryJob,
    IndexedCapture,
    Judgement,
    NewCapture,
    Redirect,
    SourceRef,
    SourceSummary,
    UncomparedCapture,
    WarcFileView,
)

__all__ = [
    "CAPTURE_ROLES",
    "CHANGE_KINDS",
    "DELIVERY_STATES",
    "AlertView",
    "ArticleRef",
    "ArticleView",
    "CaptureRecord",
    "CaptureView",
    "Catalog",
    "CatalogError",
    "CatalogUnavailable",
    "ChangeRecord",
    "ChangeView",
    "ChannelView",
    "CitationRecord",
    "CitationView",
    "CitingArticle",
    "DeliveryJob",
    "IndexedCapture",
    "InvalidValue",
    "Judgement",
    "NewCapture",
    "Redirect",
    "SourceRef",
    "SourceSummary",
    "UncomparedCapture",
    "UnknownArticle",
    "UnknownCapture",
    "UnknownChange",
    "UnknownDelivery",
    "UnknownSchema",
    "UnknownSource",
    "WarcFileView",
    "mask_url",
    "open_catalog",
]
