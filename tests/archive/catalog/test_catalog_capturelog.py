"""The hash-linked capture log: appended with every capture, walked by `archive.fixity.chain`.

Each tamper test damages the catalog the way someone with write access to the database would
(SQL behind citewatch's back) and expects `check_log` to name what happened.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

from alembic import command
from sqlalchemy import text

from archive.catalog import CaptureRecord, Catalog, NewCapture, open_catalog
from archive.catalog.capturelog import GENESIS, entry_hash
from archive.catalog.db import alembic_config, migrate
from archive.catalog.views import EvidenceRecord
from archive.fixity.chain import check_log
from archive.fixity.problems import AuditReport
from tests.archive.catalog.catalog_clock import T0, FakeClock

URL = "https://gov.example/statement"


def batch(n: int, *, start: int = 0, evidence: bool = False) -> list[NewCapture]:
    return [
        NewCapture(
            capture=CaptureRecord(
                role="requisite",
                url=f"{URL}/{start + i}",
                captured_at=T0 + timedelta(seconds=start + i),
                status=200,
                payload_digest=f"sha1:{start + i:032d}",
                warc_name="w.warc.gz",
                offset=1000 * (start + i),
                length=900,
                record_id=f"<urn:uuid:{start + i:08d}>",
            ),
            evidence=(_evidence("screenshot", start + i),) if evidence else (),
        )
        for i in range(n)
    ]


def _evidence(kind: str, n: int) -> EvidenceRecord:
    return EvidenceRecord(
        kind=kind,
        content_type="image/png",
        warc_name="w.warc.gz",
        offset=1000 * n + 500,
        length=400,
        record_id=f"<urn:uuid:{kind}-{n}>",
        digest="ab" * 32,
        size=300,
    )


def problems(catalog: Catalog) -> list[tuple[str, int | None]]:
    report = AuditReport()
    check_log(catalog, report)
    return [(p.check, p.seq if p.seq is not None else p.capture_id) for p in report.bad]


def execute(catalog: Catalog, sql: str, **params: Any) -> None:
    with catalog.engine.begin() as conn:
        conn.execute(text(sql), params)


def entry(catalog: Catalog, seq: int) -> tuple[str, str]:
    with catalog.engine.connect() as conn:
        row = conn.execute(text("SELECT body, hash FROM capture_log WHERE seq = :s"), {"s": seq}).one()
    return row[0], row[1]


def test_every_capture_is_chained_in_the_transaction_that_records_it(catalog: Catalog) -> None:
    ids = catalog.record_captures(batch(3))
    ids += catalog.record_captures(batch(2, start=3, evidence=True))
    catalog.record_captures(batch(2, start=3, evidence=True))  # recorded again: nothing new
    entries = catalog.log_entries()
    assert [(e.seq, e.kind, e.capture_id) for e in entries] == [
        (1, "start", None),
        *((n + 2, "capture", capture_id) for n, capture_id in enumerate(ids)),
    ]
    prev = GENESIS
    for e in entries:
        doc = json.loads(e.body)
        assert doc["prev"] == prev and e.hash == entry_hash(e.body) and doc["seq"] == e.seq
        prev = e.hash
    last = json.loads(entries[-1].body)
    assert last["record_id"] == "<urn:uuid:00000004>" and last["payload_digest"] == "sha1:" + "4".zfill(32)
    assert [x["kind"] for x in last["evidence"]] == ["screenshot"]
    assert catalog.log_head().hash == entries[-1].hash
    # Evidence recorded later (reindex puts it back) gets an entry of its own.
    catalog.record_evidence(ids[-1], [_evidence("dom", 4)])
    assert catalog.log_entries(after=len(entries))[0].kind == "evidence"
    assert problems(catalog) == []


def test_a_rewritten_entry_is_caught(catalog: Catalog) -> None:
    catalog.record_captures(batch(4))
    body, _ = entry(catalog, 3)
    execute(catalog, "UPDATE capture_log SET body = :b WHERE seq = 3", b=body.replace("200", "404"))
    assert problems(catalog) == [("log-hash", 3), ("log-row-mismatch", 3)]
    # Rewritten with a fresh hash too: the next entry no longer links to it.
    forged = body.replace("200", "404")
    execute(catalog, "UPDATE capture_log SET hash = :h WHERE seq = 3", h=entry_hash(forged))
    assert ("log-link", 4) in problems(catalog)


def test_a_removed_entry_is_caught(catalog: Catalog) -> None:
    ids = catalog.record_captures(batch(4))
    execute(catalog, "DELETE FROM capture_log WHERE seq = 3")
    assert problems(catalog) == [("log-gap", 4), ("log-link", 4), ("log-unlogged-capture", ids[1])]


def test_removed_entries_at_the_tail_are_caught(catalog: Catalog) -> None:
    ids = catalog.record_captures(batch(4))
    execute(catalog, "DELETE FROM capture_log WHERE seq >= 4")
    assert problems(catalog) == [
        ("log-head", 3),
        ("log-unlogged-capture", ids[2]),
        ("log-unlogged-capture", ids[3]),
    ]


def test_reordered_entries_are_caught(catalog: Catalog) -> None:
    catalog.record_captures(batch(4))
    execute(catalog, "UPDATE capture_log SET seq = -1 WHERE seq = 2")
    execute(catalog, "UPDATE capture_log SET seq = 2 WHERE seq = 3")
    execute(catalog, "UPDATE capture_log SET seq = 3 WHERE seq = -1")
    found = problems(catalog)
    assert ("log-order", 2) in found and ("log-order", 3) in found
    assert ("log-link", 2) in found and ("log-link", 4) in found


def test_deleted_rows_and_rows_behind_the_logs_back_are_caught(catalog: Catalog) -> None:
    ids = catalog.record_captures(batch(3, evidence=True))
    execute(catalog, "DELETE FROM evidence WHERE capture_id = :c", c=ids[0])
    execute(catalog, "DELETE FROM capture WHERE id = :c", c=ids[1])
    execute(
        catalog,
        "INSERT INTO capture (id, role, url, captured_at, record_type, redirects, judge_attempts, mode) "
        "VALUES (:id, 'requisite', 'https://x/', '2026-01-01 00:00:00', 'response', '[]', 0, 'http')",
        id=ids[-1] + 10,
    )
    execute(catalog, "UPDATE evidence SET digest = :d WHERE capture_id = :c", d="cd" * 32, c=ids[2])
    assert problems(catalog) == [
        ("log-capture-missing", 3),
        ("log-unlogged-capture", ids[-1] + 10),
        ("log-row-mismatch", ids[2]),
        ("log-evidence-missing", ids[0]),
    ]


def test_an_older_catalog_gets_its_captures_chained_in_id_order(catalog: Catalog) -> None:
    ids = catalog.record_captures(batch(3, evidence=True))
    config = alembic_config()
    with catalog.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0007")
    migrate(catalog.engine)
    entries = catalog.log_entries()
    assert [e.capture_id for e in entries] == [None, *ids]
    assert "before the capture log" in json.loads(entries[0].body)["reason"]
    assert json.loads(entries[1].body)["evidence"][0]["kind"] == "screenshot"
    assert problems(catalog) == []


def test_writers_recording_at_once_never_fork_the_chain(db_url: str) -> None:
    # Real concurrency: on PostgreSQL (make test) the head row's lock orders the appends.
    catalogs = [open_catalog(db_url, clock=FakeClock()) for _ in range(4)]
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for round_ in range(5):
                catalogs[n].record_captures(batch(10, start=1000 * n + 10 * round_))
        except BaseException as exc:  # the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert catalogs[0].log_head().seq == 1 + 4 * 5 * 10
        assert problems(catalogs[0]) == []
    finally:
        for c in catalogs:
            c.close()
