"""Indexes over archived WARC files (CDXJ, as pywb and ReplayWeb.page read them)."""

from archive.index.cdxj import write_cdxj

__all__ = ["write_cdxj"]
