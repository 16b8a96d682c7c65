"""A real `citewatch daemon` with short intervals: re-crawls, detects, alerts, survives SIGKILL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fixtures.site import TestSite
from tests.integration.conftest import REPO, Citewatch
from tests.scheduler.alerts.alert_receiver import Receiver, running_receiver

STATEMENT = (
    "<html><head><title>Statement</title></head><body>"
    "<main><h1>Statement</h1><p>{text}</p></main></body></html>"
)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as rec:
        yield rec


def start_daemon(cw: Citewatch, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "citewatch", "daemon"],
            env=cw.environ(),
            stdout=out,
            stderr=out,
            cwd=REPO,
            start_new_session=True,
        )


def wait_for(condition: Callable[[], bool], timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; daemon log:\n{log.read_text()[-4000:]}")


def test_daemon_recrawls_alerts_and_restarts_cleanly(
    tmp_path: Path, site: TestSite, cw: Citewatch, receiver: Receiver
) -> None:
    cw.config(
        autothrottle=False,
        requisites=False,
        download_timeout=3.0,
        alert_urls=[receiver.url("newsroom")],
        dispatch_seconds=1.0,
        alert_seconds=1.0,
        upload_seconds=2.0,
        revisit_fresh_interval_hours=1 / 3600,  # re-crawl every second
    )
    site.set_page("/s/1", STATEMENT.format(text="The ministry confirmed 101 evacuees on Friday."))
    site.set_page("/s/2", STATEMENT.format(text="The convoy left at dawn with 70 buses."), host="127.0.0.2")
    article = tmp_path / "a.md"
    article.write_text(
        f'The ministry "confirmed 101 evacuees" ([statement]({site.url("/s/1")})) and the convoy '
        f"[left at dawn]({site.url('/s/2', host='127.0.0.2')}).\n",
        encoding="utf-8",
    )
    cw.json("ingest", str(article))
    log = tmp_path / "daemon.log"
    daemon = start_daemon(cw, log)
    try:
        wait_for(lambda: len(site.requests_for("/s/1")) >= 3, 60, "the daemon to re-crawl", log)
        assert not receiver.posts, "unchanged pages must not alert"

        site.remove_page("/s/1")  # the statement is deleted
        wait_for(lambda: len(receiver.posts) >= 1, 60, "the deletion alert", log)
        # Let the daemon record the delivery: a kill between sending and recording is the one
        # window in which a message can be sent twice (by design, with a change id to dedupe).
        wait_for(lambda: delivered(cw) >= 1, 30, "the delivery to be recorded", log)

        # Killed without warning, then restarted: no alert is lost or sent twice.
        os.killpg(daemon.pid, signal.SIGKILL)
        daemon.wait(timeout=10)
        daemon = start_daemon(cw, log)
        crawled = len(site.requests_for("/s/2", host="127.0.0.2"))
        wait_for(
            lambda: len(site.requests_for("/s/2", host="127.0.0.2")) >= crawled + 3, 60, "re-crawls", log
        )
        assert len(receiver.posts) == 1, [p.payload.get("title") for p in receiver.posts]

        site.set_page("/s/1", STATEMENT.format(text="The ministry confirmed 101 evacuees on Friday."))
        wait_for(lambda: len(receiver.posts) >= 2, 60, "the restored alert", log)
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        code = daemon.wait(timeout=60)
    assert code == 0, log.read_text()[-3000:]

    first, second = receiver.posts[0].payload, receiver.posts[1].payload
    assert "deleted" in first["title"] and site.url("/s/1") in first["title"]
    assert "confirmed 101 evacuees" in first["message"], "the quoted passage comes first in the alert"
    assert "citewatch-change-" in first["message"]
    assert "restored" in second["title"]
    alerts = cw.json("alerts")
    assert [a["kind"] for a in alerts] == ["restored", "deleted"] or [a["kind"] for a in alerts] == [
        "deleted",
        "restored",
    ]
    for alert in alerts:
        (channel,) = alert["channels"]
        assert channel["state"] == "delivered" and channel["attempts"] == 1
    log_text = log.read_text()
    assert "job dispatch-due-recrawls done" in log_text and "daemon stopped" in log_text
    assert "job verify-archive done: checked" in log_text and "all good" in log_text  # the fixity audit
    spool = cw.home / "spool"
    assert not list(spool.glob("*.open")), "a clean stop leaves no open WARC"


def captures_in(db: Path) -> int:
    try:
        return int(sqlite3.connect(db).execute("select count(*) from capture").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def delivered(cw: Citewatch) -> int:
    try:
        db = sqlite3.connect(cw.home / "catalog.db")
        return int(db.execute("select count(*) from delivery where state = 'delivered'").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_sigterm_mid_crawl_stops_cleanly(tmp_path: Path, site: TestSite, cw: Citewatch) -> None:
    cw.config(
        autothrottle=False,
        requisites=False,
        download_timeout=20.0,
        concurrent_per_domain=1,
        concurrent_requests=3,  # what a graceful stop still finishes: the requests already in flight
        dispatch_seconds=1.0,
        revisit_fresh_interval_hours=1 / 3600,
    )
    urls = [site.url(f"/slow?delay=1.5&n={n}", host=site.hosts[n % 3]) for n in range(24)]
    article = tmp_path / "slow.md"
    article.write_text("\n".join(f"- [s{n}]({u})" for n, u in enumerate(urls)) + "\n", encoding="utf-8")
    cw.json("ingest", str(article), "--no-crawl")
    log = tmp_path / "daemon.log"
    daemon = start_daemon(cw, log)
    pid_file = cw.home / "run" / "crawl.pid"
    try:
        wait_for(pid_file.exists, 60, "a crawl to start", log)
        wait_for(lambda: captures_in(cw.home / "catalog.db") >= 2, 60, "the crawl to be under way", log)
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        code = daemon.wait(timeout=90)
    assert code == 0, log.read_text()[-3000:]
    assert not pid_file.exists()
    home = cw.home
    assert not list(home.rglob("*.warc.gz.open")), "the stopped crawl closed its WARC"
    warcs = sorted(home.rglob("*.warc.gz"))
    assert warcs
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", *map(str, warcs)], capture_output=True
    )
    assert check.returncode == 0, check.stdout
    # Whatever was captured before the stop is in the catalog; the rest is still due, not lost.
    sources = cw.json("sources")
    captured = [s for s in sources if s["captures"]]
    assert 2 <= len(captured) < len(urls), "stopped in the middle"
    assert all(s["state"] == "pending" for s in sources if not s["captures"])
