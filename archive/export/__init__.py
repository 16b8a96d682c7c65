"""Evidence export: an article's archived page and cited sources as a WACZ package."""

from archive.export.errors import (
    ExportError,
    NothingToExport,
    RecordMismatch,
    SigningKeyError,
    UnreadablePackage,
)
from archive.export.keys import PublicKey, SigningKey, load_key, load_or_create_key
from archive.export.members import ReadRange
from archive.export.verification import WaczCheck, verify_wacz
from archive.export.wacz import ExportReport, export_wacz

__all__ = [
    "ExportError",
    "ExportReport",
    "NothingToExport",
    "PublicKey",
    "ReadRange",
    "RecordMismatch",
    "SigningKey",
    "SigningKeyError",
    "UnreadablePackage",
    "WaczCheck",
    "export_wacz",
    "load_key",
    "load_or_create_key",
    "verify_wacz",
]
