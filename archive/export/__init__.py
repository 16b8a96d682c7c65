"""Evidence export: an article's archived page and cited sources as a WACZ package."""

from archive.export.errors import ExportError, NothingToExport, RecordMismatch
from archive.export.members import ReadRange
from archive.export.wacz import ExportReport, export_wacz

__all__ = ["ExportError", "ExportReport", "NothingToExport", "ReadRange", "RecordMismatch", "export_wacz"]
