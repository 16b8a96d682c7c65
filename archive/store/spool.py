"""The local spool: where WARCs are written, recovered after a crash, and moved into the store.

Store keys (stable; the catalog records them):

* ``warcs/NAME`` — the WARC file itself, e.g. ``warcs/citewatch-20261125153000123-00001.warc.gz``
* ``indexes/NAME.cdxj`` — its CDXJ index, whose ``filename`` fields hold the bare ``NAME``

Names are unique (timestamp + serial) and flat, so a WARC's key follows from its name alone and a
replay tool can map ``filename`` back to ``warcs/`` with one prefix.

Order of an upload: index, put WARC, put index, verify both, ``on_stored`` (the catalog marks the
captures stored), and only then delete the local copies.  If anything fails the files stay in the
spool and the next run tries again; re-uploading an object that is already stored is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from archive.index.cdxj import write_cdxj
from archive.store.base import Store, StoredObject
from archive.store.errors import StoreError, StoreUnavailable
from archive.warc.recovery import OnRepaired, RecoveredFile, recover_spool
from archive.warc.writer import WARC_SUFFIX

logger = logging.getLogger(__name__)

WARC_PREFIX = "warcs/"
INDEX_PREFIX = "indexes/"
CDXJ_SUFFIX = ".cdxj"


def warc_key(name: str) -> str:
    """Store key of the WARC file called ``name``."""
    return WARC_PREFIX + name


def index_key(name: str) -> str:
    """Store key of the CDXJ index of the WARC file called ``name``."""
    return INDEX_PREFIX + name + CDXJ_SUFFIX


@dataclass(frozen=True)
class UploadReport:
    """Outcome of one ``upload_pending`` run."""

    stored: tuple[StoredObject, ...] = ()  # WARCs now safely in the store
    indexes: tuple[StoredObject, ...] = ()
    remaining: tuple[str, ...] = ()  # WARC names still in the spool
    error: str | None = None  # why the run stopped early, if it did

    @property
    def ok(self) -> bool:
        """True when every pending WARC was stored."""
        return self.error is None and not self.remaining


class Spool:
    """Owns ``spool_dir``: a WarcWriter writes into it, this class empties it into ``store``."""

    def __init__(
        self,
        spool_dir: Path,
        store: Store,
        *,
        on_stored: Callable[[StoredObject], None] | None = None,
        create: bool = True,
    ) -> None:
        self._dir = Path(spool_dir)
        if create:  # a reader (create=False) only looks: a missing spool is an empty one
            self._dir.mkdir(parents=True, exist_ok=True)
        self._store = store
        self._on_stored = on_stored

    @property
    def directory(self) -> Path:
        """The spool directory (give it to the WarcWriter)."""
        return self._dir

    def recover(self, *, on_repaired: OnRepaired | None = None) -> list[RecoveredFile]:
        """Close WARCs a crashed writer left ``.open`` (call at start-up, before any writer runs);
        ``on_repaired`` reads each one back into the catalog before it is closed (`recover_spool`)."""
        return recover_spool(self._dir, on_repaired=on_repaired)

    def pending(self) -> list[Path]:
        """Closed WARC files not yet stored, oldest name first."""
        return sorted(p for p in self._dir.glob(f"*{WARC_SUFFIX}") if p.is_file())

    def locate(self, name: str) -> Path | None:
        """The spool copy of WARC ``name`` (closed or still being written), for reads before upload."""
        for candidate in (self._dir / name, self._dir / f"{name}.open"):
            if "/" not in name and candidate.is_file():
                return candidate
        return None

    def upload_pending(self) -> UploadReport:
        """Index and upload every pending WARC; stop at the first store failure, losing nothing."""
        stored: list[StoredObject] = []
        indexes: list[StoredObject] = []
        pending = self.pending()
        for position, warc in enumerate(pending):
            try:
                warc_object, index_object = self._upload_one(warc)
            except StoreError as exc:
                # Unavailable or failed verification: the rest would fail the same way; retry later.
                level = logging.WARNING if isinstance(exc, StoreUnavailable) else logging.ERROR
                logger.log(level, "spool upload stopped at %s: %s", warc.name, exc)
                remaining = tuple(p.name for p in pending[position:])
                return UploadReport(tuple(stored), tuple(indexes), remaining, str(exc))
            stored.append(warc_object)
            indexes.append(index_object)
        return UploadReport(tuple(stored), tuple(indexes))

    def _upload_one(self, warc: Path) -> tuple[StoredObject, StoredObject]:
        cdxj = warc.with_name(warc.name + CDXJ_SUFFIX)
        write_cdxj(warc, cdxj)
        stored = self._store.put_file(warc_key(warc.name), warc)
        index = self._store.put_file(index_key(warc.name), cdxj)
        if self._on_stored is not None:
            self._on_stored(stored)
        # Deleted only now: until on_stored returned, the spool copy is the one the catalog trusts.
        warc.unlink()
        cdxj.unlink(missing_ok=True)
        return stored, index
