"""The daemon's jobs, referenced by name (``"citewatch.jobs:dispatch_due"``) from the persisted job store.

Each job builds what it needs from the settings, so a job store written by an earlier run stays
valid.  A crawl runs in a child process (Twisted's reactor cannot be restarted in one process,
and a crash of one crawl must not take the daemon down); its pid is kept in
``$CITEWATCH_HOME/run/crawl.pid`` so a stopping daemon can ask it to wind down.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

from citewatch.app import App
from citewatch.config import load_settings
from scheduler.daemon import JobSpec

logger = logging.getLogger("citewatch.daemon")


def crawl_pid_file(home: Path) -> Path:
    return home / "run" / "crawl.pid"


def daemon_jobs(*, dispatch_seconds: float, alert_seconds: float, upload_seconds: float) -> list[JobSpec]:
    return [
        JobSpec("dispatch-due-recrawls", "citewatch.jobs:dispatch_due", dispatch_seconds),
        JobSpec("deliver-alerts", "citewatch.jobs:deliver_alerts", alert_seconds),
        JobSpec("upload-spool", "citewatch.jobs:upload_spool", upload_seconds),
    ]


def dispatch_due() -> str:
    """Re-crawl the sources whose time has come, in a child `citewatch crawl --due`."""
    settings = load_settings()
    app = App(settings)
    # Captures a killed run left unjudged are judged by the next crawl, even with no source due.
    if (
        not app.catalog.sources_to_crawl(due_only=True, now=app.clock(), limit=1)
        and not app.catalog.has_unjudged()
    ):
        return "no source due"
    pid_file = crawl_pid_file(settings.home_dir)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    child = subprocess.Popen(
        [sys.executable, "-m", "citewatch", "crawl", "--due", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Its own session: a SIGTERM sent to the daemon's process group (systemd, Ctrl-C) reaches
        # the crawl once, through stop_running_crawl, not twice (Scrapy's "force unclean stop").
        start_new_session=True,
    )
    pid_file.write_text(str(child.pid), encoding="ascii")
    try:
        out, err = child.communicate()
    finally:
        pid_file.unlink(missing_ok=True)
    if child.returncode == -signal.SIGTERM:
        # Asked to stop (stop_running_crawl) before or after its crawl proper: whatever it
        # recorded is complete; what it did not reach is still due.
        return "re-crawl stopped by SIGTERM"
    if child.returncode != 0:
        last = err.strip().splitlines()[-1] if err.strip() else ""
        raise RuntimeError(f"re-crawl failed with exit status {child.returncode}: {last}")
    summary = json.loads(out)
    return f"captured {summary['captured']}, failed {summary['failed']}, changes {summary['changes']}"


def stop_running_crawl() -> None:
    """Ask a running crawl child to stop gracefully (Scrapy finishes cleanly on SIGTERM)."""
    pid_file = crawl_pid_file(load_settings().home_dir)
    try:
        pid = int(pid_file.read_text(encoding="ascii"))
    except (FileNotFoundError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
        logger.info("asked the running crawl (pid %d) to stop", pid)
    except ProcessLookupError:
        pid_file.unlink(missing_ok=True)


def deliver_alerts() -> str:
    """Send pending alert deliveries whose time has come; failures are retried with backoff."""
    app = App(load_settings())
    report = app.deliver_alerts()
    return f"delivered {report.delivered}, retrying {report.retrying}, failed {report.failed}"


def upload_spool() -> str:
    """Move closed WARCs from the spool to the store (they wait there while the store is down)."""
    app = App(load_settings())
    report = app.spool.upload_pending()
    if not report.ok:
        raise RuntimeError(f"{report.error}; {len(report.remaining)} WARC(s) wait in the spool")
    return f"uploaded {len(report.stored)} WARC(s)"
