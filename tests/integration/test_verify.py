"""`citewatch verify`: the fixity audit, end to end on a real crawl's WARC files and catalog.

One crawl per test run (two articles citing a page with requisites, a redirect chain, a 404 and a
reset connection; WARCs uploaded to the local store), copied into each test's own data
directory, which the test then damages the way time or a tamperer would: a flipped byte in a
stored WARC, a deleted capture or evidence row, an edited log entry.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.site import TestSite
from tests.integration.conftest import HOSTS, Citewatch


@dataclass(frozen=True)
class Archived:
    home: Path
    first: int  # article ids
    second: int


@pytest.fixture(scope="session")
def archived(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Archived:
    """Crawled once per test run, whichever xdist worker gets here first (the others wait for it
    under a lock, then copy it): `make test` hands this module's tests to several workers."""
    base = tmp_path_factory.getbasetemp()
    root = (base if worker_id == "master" else base.parent) / "verify-archive"
    root.mkdir(exist_ok=True)
    done = root / "articles.json"
    with (root / "lock").open("a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        if not done.exists():
            done.write_text(json.dumps(crawl(root)), encoding="utf-8")
    first, second = json.loads(done.read_text(encoding="utf-8"))
    return Archived(root / "home", first, second)


def crawl(root: Path) -> list[int]:
    cw = Citewatch(home=root / "home")
    cw.config(autothrottle=False, download_timeout=3.0, concurrent_per_domain=4, requisites=True)
    with TestSite(hosts=HOSTS) as site:
        site.robots_txt = "User-agent: *\nAllow: /\n"
        first = root / "first.md"
        first.write_text(
            f"[home]({site.url('/')}), [moved]({site.url('/redirect/chain')}), "
            f"[gone]({site.url('/status/404')}), [reset]({site.url('/reset', host='127.0.0.3')}).\n",
            encoding="utf-8",
        )
        second = root / "second.md"
        second.write_text(f"[other]({site.url('/plain', host='127.0.0.2')}).\n", encoding="utf-8")
        one, two = cw.json("ingest", str(first), str(second))
    assert not list((cw.home / "spool").glob("*.warc.gz*")), "uploaded: verify reads the store"
    return [one["article_id"], two["article_id"]]


@pytest.fixture
def copy(archived: Archived, tmp_path: Path) -> Citewatch:
    """This test's own copy of the archive, to damage."""
    shutil.copytree(archived.home, tmp_path / "home")
    return Citewatch(home=tmp_path / "home")


def verify(cw: Citewatch, *args: str) -> tuple[int, dict[str, Any], str]:
    """The command line: exit status, JSON document, stderr."""
    proc = cw.run("verify", *args, "--json", check=False)
    return proc.returncode, json.loads(proc.stdout), proc.stderr


@pytest.fixture
def audit(copy: Citewatch, monkeypatch: pytest.MonkeyPatch) -> Callable[..., dict[str, Any]]:
    """The same audit in this process (a second per command line saved): its JSON document."""
    from citewatch.app import App
    from citewatch.config import load_settings

    for name, value in copy.environ().items():
        monkeypatch.setenv(name, value)

    def run(*, article_id: int | None = None, log: bool = False) -> dict[str, Any]:
        app = App(load_settings(), read_only=True)
        try:
            return app.verify(article_id=article_id, log=log).as_dict()
        finally:
            app.catalog.close()

    return run


def sql(cw: Citewatch, query: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(cw.home / "catalog.db") as conn:
        return conn.execute(query, params).fetchall()


def test_an_intact_archive_verifies(copy: Citewatch) -> None:
    code, doc, stderr = verify(copy)
    assert code == 0 and doc["ok"] and doc["bad"] == [], doc["bad"]
    captures = sql(copy, "SELECT count(*) FROM capture")[0][0]
    assert doc["warcs"] >= 1 and doc["records"] > captures and doc["rows"] >= captures
    assert doc["log_entries"] == captures + 1  # the chain's start, then one entry per capture
    kinds = {kind for (kind,) in sql(copy, "SELECT DISTINCT record_type FROM capture")}
    assert kinds == {"response", "metadata"}  # the reset's failure record is checked too
    assert doc["checked"] == doc["warcs"] + doc["records"] + doc["rows"] + doc["log_entries"]
    assert "record(s)" in stderr  # progress, per WARC file


def test_a_flipped_byte_in_a_stored_warc_is_named(
    copy: Citewatch, audit: Callable[..., dict[str, Any]]
) -> None:
    name, key, offset, length, record_id = sql(
        copy,
        "SELECT c.warc_name, w.store_key, c.offset, c.length, c.record_id FROM capture c "
        "JOIN warc_file w ON w.name = c.warc_name WHERE c.role = 'source' AND c.status = 200 "
        "ORDER BY c.length DESC LIMIT 1",
    )[0]
    intact = audit()
    path = copy.home / "archive" / key
    data = bytearray(path.read_bytes())
    data[offset + length // 2] ^= 0x01
    path.write_bytes(bytes(data))

    doc = audit()
    assert not doc["ok"]
    checks = {(p["check"], p["warc"]) for p in doc["bad"]}
    assert ("warc-sha256", name) in checks, doc["bad"]
    broken = [p for p in doc["bad"] if p["check"].startswith("record-") and p["record_id"] == record_id]
    assert broken and broken[0]["offset"] == offset, doc["bad"]
    # Nothing else is wrong, and every row was still checked: those past the break one by one.
    assert all(p["record_id"] in (record_id, None) for p in doc["bad"]), doc["bad"]
    assert doc["rows"] == intact["rows"]

    text = copy.run("verify", check=False)
    assert text.returncode == 1 and name in text.stdout and record_id in text.stdout


def test_a_deleted_capture_row_is_named_by_the_log(
    copy: Citewatch, audit: Callable[..., dict[str, Any]]
) -> None:
    capture_id, record_id = sql(
        copy, "SELECT id, record_id FROM capture WHERE role = 'requisite' ORDER BY id LIMIT 1"
    )[0]
    sql(copy, "DELETE FROM capture WHERE id = ?", capture_id)

    doc = audit(log=True)
    assert not doc["ok"]
    (missing,) = [p for p in doc["bad"] if p["check"] == "log-capture-missing"]
    assert missing["capture_id"] == capture_id and missing["record_id"] == record_id
    assert doc["warcs"] == 0 and doc["records"] == 0, "--log reads no WARC file"


def test_an_edited_log_entry_is_caught(copy: Citewatch, audit: Callable[..., dict[str, Any]]) -> None:
    seq, body = sql(
        copy, "SELECT seq, body FROM capture_log WHERE kind = 'capture' ORDER BY seq LIMIT 1 OFFSET 2"
    )[0]
    doc = json.loads(body)
    doc["status"] = 200 if doc["status"] != 200 else 404
    sql(copy, "UPDATE capture_log SET body = ? WHERE seq = ?", json.dumps(doc, sort_keys=True), seq)

    report = audit(log=True)
    assert not report["ok"]
    assert ("log-hash", seq) in {(p["check"], p["seq"]) for p in report["bad"]}, report["bad"]
    # The entry no longer matches its capture row either.
    assert any(p["check"] == "log-row-mismatch" and p["seq"] == seq for p in report["bad"])


def test_a_capture_row_edited_behind_the_logs_back_is_caught(
    copy: Citewatch, audit: Callable[..., dict[str, Any]]
) -> None:
    capture_id = sql(copy, "SELECT id FROM capture WHERE role = 'source' AND status = 200 LIMIT 1")[0][0]
    sql(copy, "UPDATE capture SET payload_digest = 'sha1:AAAA' WHERE id = ?", capture_id)

    doc = audit()
    assert not doc["ok"]
    found = {(p["check"], p["capture_id"]) for p in doc["bad"]}
    assert ("row-payload-digest", capture_id) in found  # the row against its record
    assert ("log-row-mismatch", capture_id) in found  # the row against its log entry


def test_article_limits_the_audit_to_its_records(
    archived: Archived, copy: Citewatch, audit: Callable[..., dict[str, Any]]
) -> None:
    everything = audit()
    first = audit(article_id=archived.first)
    second = audit(article_id=archived.second)
    assert everything["ok"] and first["ok"] and second["ok"]
    assert 0 < second["records"] < first["records"] < everything["records"]
    assert second["log_entries"] == 0

    # Damage the first article's records: only its audit sees it.
    (record_id,) = sql(
        copy,
        "SELECT c.record_id FROM capture c JOIN citation t ON t.source_id = c.source_id "
        "WHERE t.article_id = ? AND c.status = 404",
        archived.first,
    )[0]
    sql(copy, "UPDATE capture SET record_id = 'urn:uuid:tampered' WHERE record_id = ?", record_id)
    first = audit(article_id=archived.first)
    assert [p["check"] for p in first["bad"]] == ["row-record-id"]
    assert first["bad"][0]["expected"] == "urn:uuid:tampered" and first["bad"][0]["found"] == record_id
    assert audit(article_id=archived.second)["ok"]

    from citewatch.errors import BadInput  # the command line's one-line error, exit 1

    with pytest.raises(BadInput, match="999"):
        audit(article_id=999)


def test_the_daemon_job_runs_the_audit(copy: Citewatch, monkeypatch: pytest.MonkeyPatch) -> None:
    from citewatch import jobs

    for name, value in copy.environ().items():
        monkeypatch.setenv(name, value)
    assert "checked" in jobs.verify_archive() and "all good" in jobs.verify_archive()
    assert json.loads(jobs.verify_report_file(copy.home).read_text())["ok"] is True
    assert "verify-archive" in {
        j.id for j in jobs.daemon_jobs(dispatch_seconds=1, alert_seconds=1, upload_seconds=1)
    }

    sql(copy, "DELETE FROM capture_log WHERE seq = (SELECT max(seq) FROM capture_log)")
    with pytest.raises(RuntimeError, match="problem"):
        jobs.verify_archive()
    report = json.loads(jobs.verify_report_file(copy.home).read_text())
    assert [p["check"] for p in report["bad"]] == ["log-head", "log-unlogged-capture"]


def test_a_rebuilt_catalog_starts_a_new_chain_that_verifies(
    copy: Citewatch, audit: Callable[..., dict[str, Any]]
) -> None:
    from citewatch.app import REBUILT_NOTE, App
    from citewatch.config import load_settings

    captures = sql(copy, "SELECT count(*) FROM capture")[0][0]
    for leftover in copy.home.glob("catalog.db*"):
        leftover.unlink()
    app = App(load_settings())  # the audit fixture set CITEWATCH_HOME to the copy
    try:
        assert app.reindex().added == captures
    finally:
        app.catalog.close()
    log = [
        (kind, json.loads(body))
        for kind, body in sql(copy, "SELECT kind, body FROM capture_log ORDER BY seq")
    ]
    assert [kind for kind, _ in log[:2]] == ["start", "note"] and log[1][1]["note"] == REBUILT_NOTE
    assert [kind for kind, _ in log[2:]] == ["capture"] * captures
    assert audit()["ok"]


def test_a_restarted_daemon_waits_for_the_rest_of_the_audit_period(copy: Citewatch) -> None:
    from citewatch import jobs
    from citewatch.config import load_settings

    settings = load_settings(home=copy.home, verify_seconds=3600)
    report = jobs.verify_report_file(copy.home)
    report.unlink(missing_ok=True)
    assert jobs.verify_delay(settings) == 0.0  # never audited: at once
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text("{}", encoding="utf-8")
    last = report.stat().st_mtime
    assert jobs.verify_delay(settings, now=last + 600) == pytest.approx(3000)
    assert jobs.verify_delay(settings, now=last + 7200) == 0.0  # overdue: at once
    spec = next(
        j
        for j in jobs.daemon_jobs(dispatch_seconds=1, alert_seconds=1, upload_seconds=1, verify_delay=42.0)
        if j.id == "verify-archive"
    )
    assert spec.delay == 42.0
