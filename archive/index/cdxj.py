"""CDXJ index of one WARC file, written beside it as ``NAME.cdxj`` by the cdxj-indexer package.

Lines are ``SURT timestamp {json}`` sorted for binary search, with ``url, mime, status, digest,
length, offset, filename`` as pywb expects.  ``filename`` is the WARC's bare name, because the
WARC is found by name in the store (``warcs/NAME``), not by where it sat in the spool.
Metadata records in ``application/warc-fields`` (fetch failures, outlinks) are left out, as
cdxj-indexer does by default: they are not replayable and the catalog already points at them.
"""

from __future__ import annotations

import os
from pathlib import Path

from cdxj_indexer import CDXJIndexer


def write_cdxj(warc_path: Path, out_path: Path) -> int:
    """Index ``warc_path`` into ``out_path`` (atomically replaced); return the number of lines."""
    tmp_path = out_path.with_name(out_path.name + ".tmp")
    indexer = CDXJIndexer(output=str(tmp_path), inputs=[str(warc_path)], sort=True, filename=warc_path.name)
    indexer.process_all()
    with open(tmp_path, "rb") as written:
        lines = sum(1 for _ in written)
        os.fsync(written.fileno())
    os.replace(tmp_path, out_path)
    return lines
