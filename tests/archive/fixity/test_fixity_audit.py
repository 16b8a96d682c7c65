"""`Auditor` on a browser capture written the way the crawler writes one: its WARC read in the
spool (not uploaded yet), then in the store; its evidence rows held against their records."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from archive.catalog import open_catalog
from archive.catalog.views import CitationRecord
from archive.fixity.audit import Auditor
from archive.fixity.chain import check_log
from archive.fixity.problems import AuditReport
from archive.store import LocalStore, Spool
from archive.warc.writer import WarcWriter
from tests.archive.browser_capture import record_browser_capture

URL = "https://portal.example/statement"
T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_a_browser_capture_and_its_evidence_verify_in_the_spool_and_in_the_store(tmp_path: Path) -> None:
    catalog = open_catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    store = LocalStore(tmp_path / "archive")

    def stored(obj: object) -> None:
        key, size, sha256 = obj.key, obj.size, obj.sha256  # type: ignore[attr-defined]
        if key.endswith(".warc.gz"):
            catalog.mark_warc_stored(Path(key).name, key=key, size=size, sha256=sha256)

    spool = Spool(tmp_path / "spool", store, on_stored=stored)
    writer = WarcWriter(spool.directory, fsync=False)
    catalog.add_article(origin="a.md", title="A", kind="markdown", citations=[CitationRecord(URL, "s", "")])
    source_id = catalog.sources_for_urls([URL])[0].id
    capture = record_browser_capture(
        catalog,
        writer,
        url=URL,
        at=T0,
        text="The ministry confirmed 101 evacuees.",
        source_id=source_id,
        kinds=("screenshot", "dom", "text"),
    )
    writer.close()

    def audit() -> AuditReport:
        report = AuditReport()
        Auditor(catalog, store, [spool.directory]).audit_all(report)
        check_log(catalog, report)
        return report

    try:
        spooled = audit()
        assert spooled.bad == [] and spooled.rows == 4 and spooled.records >= 5, spooled.bad
        assert spool.upload_pending().ok and not list(spool.directory.iterdir())
        stored_report = audit()
        assert stored_report.bad == [] and stored_report.rows == 4, stored_report.bad

        with catalog.engine.begin() as conn:
            conn.execute(
                text("UPDATE evidence SET digest = :d WHERE kind = 'dom' AND capture_id = :c"),
                {"d": "00" * 32, "c": capture.capture_id},
            )
        found = [(p.check, p.evidence_id is not None, p.record_id) for p in audit().bad]
        dom = capture.evidence["dom"].record_id
        assert ("row-evidence-digest", True, dom) in found
        assert ("log-row-mismatch", True, None) in found  # the log lists the digest it was recorded with
    finally:
        catalog.close()
