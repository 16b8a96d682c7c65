"""`Auditor`: every WARC file against the catalog, every record against its digests, every row
against the record it points to.

One pass per file: a stored WARC is streamed from the store range by range (`ObjectStream`),
hashing it as it goes, and its records are read as they come; the catalog's claims about the file
(`archive.catalog.claims`), sorted by offset, are matched against the records in the same pass.
Each record is its own gzip member, so a claim the pass could not reach (the file is broken
before it, or it lies in another file, or the file is still being written) is checked alone by
a ranged read of its bytes.  An audit of one article reads only its records, that way.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from archive.catalog.claims import RecordClaim
from archive.catalog.repository import Catalog
from archive.catalog.views import WarcFileView
from archive.fixity.problems import AuditReport, Problem
from archive.fixity.records import Scan, read_one
from archive.fixity.rows import compare, located, no_record
from archive.store.base import Store
from archive.store.errors import StoreError
from archive.store.spool import WARC_PREFIX, warc_key
from archive.store.stream import RANGE_BYTES, ObjectStream
from archive.warc.writer import OPEN_SUFFIX, WARC_SUFFIX

Progress = Callable[[str], None]


@dataclass(frozen=True)
class _Located:
    """Where a WARC's bytes are: a closed spool file, one still being written, or the store."""

    path: Path | None = None
    still_open: bool = False
    store_key: str | None = None


class Auditor:
    """Audits the archive of one catalog, store and spool (``spool_dirs``: the spool and any
    worker spools on this machine, where WARCs wait before upload)."""

    def __init__(
        self,
        catalog: Catalog,
        store: Store,
        spool_dirs: Sequence[Path],
        *,
        progress: Progress | None = None,
    ) -> None:
        self._catalog = catalog
        self._store = store
        self._spool_dirs = list(spool_dirs)
        self._progress = progress or (lambda _line: None)

    def audit_all(self, report: AuditReport) -> None:
        """Every WARC file the catalog knows (and any it does not), every record, every row."""
        files = {w.name: w for w in self._catalog.list_warcs()}
        in_store = {
            key[len(WARC_PREFIX) :]
            for key in self._store.list_keys(WARC_PREFIX)
            if key.endswith(WARC_SUFFIX) and "/" not in key[len(WARC_PREFIX) :]
        }
        spooled = self._spooled()
        for name in sorted(self._catalog.warc_names_claimed() - files.keys()):
            report.bad.append(
                Problem(
                    "warc-row-missing", "catalog rows point into this WARC file, which has no row", warc=name
                )
            )
        for name in sorted((in_store | spooled.keys()) - files.keys()):
            report.bad.append(
                Problem(
                    "warc-not-in-catalog",
                    "a WARC file the catalog does not know (`citewatch reindex` puts it back)",
                    warc=name,
                )
            )
        elsewhere: list[RecordClaim] = []
        for name in sorted(files):
            before = len(report.bad), report.records
            self._audit_file(files[name], spooled.get(name), name in in_store, report, elsewhere)
            self._progress(
                f"{name}: {report.records - before[1]} record(s), {len(report.bad) - before[0]} problem(s)"
            )
        self._check_alone(elsewhere, report)

    def audit_claims(self, claims: Sequence[RecordClaim], report: AuditReport) -> None:
        """Only the records these claims point to (an article's), each read alone, and the size of
        the stored files they lie in."""
        names = sorted({c.warc_name for c in claims})
        files = {w.name: w for w in self._catalog.list_warcs()}
        for name in names:
            report.warcs += 1
            known = files.get(name)
            if known is None:
                report.bad.append(
                    Problem(
                        "warc-row-missing",
                        "catalog rows point into this WARC file, which has no row",
                        warc=name,
                    )
                )
            elif known.state == "stored":
                self._check_size(known, report)
        self._check_alone(claims, report)
        self._progress(f"{len(claims)} record(s) in {len(names)} WARC file(s)")

    # -- one file ----------------------------------------------------------------------------

    def _audit_file(
        self,
        known: WarcFileView,
        spooled: _Located | None,
        in_store: bool,
        report: AuditReport,
        elsewhere: list[RecordClaim],
    ) -> None:
        name = known.name
        claims = self._catalog.claims_in_warc(name)
        own = [c for c in claims if c.warc_name == name]
        elsewhere.extend(c for c in claims if c.warc_name != name)
        report.warcs += 1
        closed = spooled is not None and spooled.path is not None and not spooled.still_open
        if known.state != "stored" and closed and spooled is not None and spooled.path is not None:
            with spooled.path.open("rb") as stream:  # not uploaded yet: the spool copy is the only one
                self._pass(name, stream, own, report)
            return
        if known.state == "stored" or in_store:
            key = known.store_key or warc_key(name)
            size = self._check_size(known, report)
            if size is None:
                return
            raw = ObjectStream(self._store, key, size)
            with io.BufferedReader(raw, RANGE_BYTES) as stream:
                self._pass(name, stream, own, report)
                while stream.read(RANGE_BYTES):  # the sha256 covers the whole object
                    pass
            if known.sha256 is not None and raw.sha256() != known.sha256:
                report.bad.append(
                    Problem(
                        "warc-sha256",
                        "the stored WARC file is not the one that was uploaded",
                        warc=name,
                        expected=known.sha256,
                        found=raw.sha256(),
                    )
                )
            return
        if spooled is not None and spooled.still_open:
            report.skipped.append(f"{name}: still being written; its catalog rows were checked one by one")
            self._check_alone(own, report)
            return
        report.skipped.append(
            f"{name}: spooled, not on this machine and not in the store yet (a worker's, not uploaded?)"
        )

    def _check_size(self, known: WarcFileView, report: AuditReport) -> int | None:
        """The stored object's size, checked against the catalog's; None (and a problem) if it is gone."""
        key = known.store_key or warc_key(known.name)
        size = self._store.head(key)
        if size is None:
            report.bad.append(
                Problem(
                    "warc-missing",
                    f"not in the store under {key}",
                    warc=known.name,
                    expected="present",
                    found="absent",
                )
            )
        elif known.size is not None and size != known.size:
            report.bad.append(
                Problem(
                    "warc-size",
                    "the stored WARC file's size changed",
                    warc=known.name,
                    expected=str(known.size),
                    found=str(size),
                )
            )
        return size

    def _pass(self, name: str, stream: BinaryIO, claims: Sequence[RecordClaim], report: AuditReport) -> None:
        """One pass over the file: every record's digests, and each claim against its record."""
        scan = Scan(name, stream, {c.offset for c in claims if c.what == "evidence"})
        waiting = list(claims)
        i = 0
        for facts, problems in scan:
            report.records += 1
            report.bad.extend(problems)
            while i < len(waiting) and waiting[i].offset < facts.offset:
                report.rows += 1
                report.bad.append(no_record(waiting[i]))
                i += 1
            while i < len(waiting) and waiting[i].offset == facts.offset:
                report.rows += 1
                report.bad.extend(compare(waiting[i], facts))
                i += 1
        if scan.broken is not None:
            broken, rest = scan.broken, waiting[i:]
            here = [c for c in rest if c.offset == broken.offset]
            if here:  # the rows pointing at the broken record say which one it is
                broken = replace(
                    broken, record_id=broken.record_id or here[0].record_id, capture_id=here[0].capture_id
                )
                report.rows += len(here)
            report.bad.append(broken)
            # Each record is a gzip member of its own: those after the break can be read alone.
            self._check_alone([c for c in rest if c.offset != broken.offset], report)
            return
        for claim in waiting[i:]:
            report.rows += 1
            report.bad.append(no_record(claim))

    # -- records read alone ------------------------------------------------------------------

    def _check_alone(self, claims: Iterable[RecordClaim], report: AuditReport) -> None:
        files = {w.name: w for w in self._catalog.list_warcs()}
        places: dict[str, _Located] = {}  # one look (a HEAD request on S3) per file, not per record
        for claim in claims:
            report.rows += 1
            if claim.length is None:
                report.skipped.append(
                    f"{claim.warc_name} offset {claim.offset}: the row has no record length"
                )
                continue
            try:
                where = places.get(claim.warc_name)
                if where is None:
                    where = places[claim.warc_name] = self._locate(
                        claim.warc_name, files.get(claim.warc_name)
                    )
                data = self._read(where, claim.offset, claim.length)
            except (StoreError, OSError) as exc:
                report.bad.append(located(claim, "record-unreadable", f"cannot read the record: {exc}"))
                continue
            if data is None:
                report.bad.append(
                    located(claim, "warc-missing", "the WARC file is neither in the spool nor in the store")
                )
                continue
            facts, problems = read_one(claim.warc_name, claim.offset, data)
            report.records += 1
            report.bad.extend(problems)
            if facts is not None:
                report.bad.extend(compare(claim, facts))

    def _read(self, where: _Located, offset: int, length: int) -> bytes | None:
        if where.path is not None:
            with where.path.open("rb") as stream:
                stream.seek(offset)
                return stream.read(length)
        if where.store_key is None:
            return None
        return self._store.get_range(where.store_key, offset, length)

    def _locate(self, name: str, known: WarcFileView | None) -> _Located:
        for directory in self._spool_dirs:
            for candidate, still_open in (
                (directory / name, False),
                (directory / f"{name}{OPEN_SUFFIX}", True),
            ):
                if "/" not in name and candidate.is_file():
                    return _Located(path=candidate, still_open=still_open)
        key = (known.store_key if known is not None else None) or warc_key(name)
        try:
            return _Located(store_key=key if self._store.head(key) is not None else None)
        except StoreError:
            return _Located()

    def _spooled(self) -> dict[str, _Located]:
        found: dict[str, _Located] = {}
        for directory in self._spool_dirs:
            if not directory.is_dir():
                continue
            for path in directory.iterdir():
                if path.name.endswith(WARC_SUFFIX) and path.is_file():
                    found.setdefault(path.name, _Located(path=path))
                elif path.name.endswith(WARC_SUFFIX + OPEN_SUFFIX) and path.is_file():
                    found.setdefault(path.name[: -len(OPEN_SUFFIX)], _Located(path=path, still_open=True))
        return found
