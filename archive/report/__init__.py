"""The link-health report of an article: which cited sources changed, and whether each quote the
article relies on still stands (`archive.report.build`); as JSON (`archive.report.document`)."""

from archive.report.build import PayloadReader, build_report, quote_health
from archive.report.document import report_json
from archive.report.model import (
    QUOTE_STATUSES,
    REPORT_STATES,
    SEVERITIES,
    ArticleReport,
    CaptureRef,
    ChangeRef,
    CitationHealth,
    QuoteHealth,
)

__all__ = [
    "QUOTE_STATUSES",
    "REPORT_STATES",
    "SEVERITIES",
    "ArticleReport",
    "CaptureRef",
    "ChangeRef",
    "CitationHealth",
    "PayloadReader",
    "QuoteHealth",
    "build_report",
    "quote_health",
    "report_json",
]
