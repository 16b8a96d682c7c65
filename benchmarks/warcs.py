"""What a benchmarked run wrote: its WARC files, whether `warcio check` accepts them, the pages in them."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

WARC_SUFFIXES = (".warc.gz", ".warc")


def find_warcs(root: Path) -> list[Path]:
    """Every WARC file under ``root`` (finished ones: ``.warc.gz`` / ``.warc``)."""
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name.endswith(WARC_SUFFIXES))


def warc_sizes(root: Path) -> dict[Path, int]:
    """Size of every WARC file under ``root``, to tell afterwards what a run added."""
    return {p: p.stat().st_size for p in find_warcs(root)}


def written_since(root: Path, before: Mapping[Path, int]) -> tuple[list[Path], int]:
    """The WARC files under ``root`` that are new or grew since ``before``, and the bytes added."""
    files, added = [], 0
    for path, size in warc_sizes(root).items():
        if size != before.get(path):
            files.append(path)
            added += size - before.get(path, 0)
    return files, added


def warcio_check(warcio: Path, files: Sequence[Path]) -> bool:
    """True when ``warcio check`` accepts every file (digests and record structure); False if none."""
    if not files:
        return False
    proc = subprocess.run([str(warcio), "check", *map(str, files)], capture_output=True, text=True)
    return proc.returncode == 0


def pages_recorded(
    files: Sequence[Path], is_page: Callable[[str], bool], kinds: tuple[str, ...] = ("response",)
) -> int:
    """Distinct page URLs (``is_page``) with a record of one of ``kinds`` holding a 200 answer."""
    from warcio.archiveiterator import ArchiveIterator

    seen: set[str] = set()
    for path in files:
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type not in kinds:
                    continue
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                status = record.http_headers.get_statuscode() if record.http_headers else None
                if status == "200" and is_page(uri):
                    seen.add(uri)
    return len(seen)
