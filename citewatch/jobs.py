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
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from citewatch.app import App, report_digest_due
from citewatch.config import Settings, load_settings
from scheduler.daemon import JobSpec

logger = logging.getLogger("citewatch.daemon")


def crawl_pid_file(home: Path) -> Path:
    return home / "run" / "crawl.pid"


def daemon_jobs(
    *,
    dispatch_seconds: float,
    alert_seconds: float,
    upload_seconds: float,
    verify_seconds: float = 86_400.0,
    verify_delay: float = 0.0,
) -> list[JobSpec]:
    return [
        JobSpec("dispatch-due-recrawls", "citewatch.jobs:dispatch_due", dispatch_seconds),
        JobSpec("deliver-alerts", "citewatch.jobs:deliver_alerts", alert_seconds),
        JobSpec("upload-spool", "citewatch.jobs:upload_spool", upload_seconds),
        # Often, but it sends only in the first run of each digest period (scheduler/alerts/digest.py).
        JobSpec("report-digests", "citewatch.jobs:report_digests", alert_seconds),
        JobSpec("verify-archive", "citewatch.jobs:verify_archive", verify_seconds, delay=verify_delay),
    ]


def distributed_jobs(settings: Settings) -> list[JobSpec]:
    """The jobs of a daemon in a scale-out deployment (``CITEWATCH_REDIS_URL``): it does not crawl.

    Every daemon tries to hold the dispatcher's lease a few times per lease period; the holder
    queues due sources for the workers (at most every ``dispatch_seconds``) and now and then
    judges captures the workers left unjudged.  Every daemon delivers alerts (claimed one by one:
    each is sent once) and uploads its own spool.
    """
    hold = min(settings.dispatch_seconds, settings.dispatcher_lease_seconds / 3)
    return [
        JobSpec("dispatch-to-workers", "citewatch.jobs:dispatch_to_workers", hold),
        JobSpec("judge-stragglers", "citewatch.jobs:judge_stragglers", max(settings.dispatch_seconds, 30.0)),
        JobSpec("deliver-alerts", "citewatch.jobs:deliver_alerts", settings.alert_seconds),
        JobSpec("upload-spool", "citewatch.jobs:upload_spool", settings.upload_seconds),
        JobSpec(
            "verify-archive",
            "citewatch.jobs:verify_archive",
            settings.verify_seconds,
            delay=verify_delay(settings),
        ),
    ]


class _Dispatcher:
    """What a daemon keeps between runs of its dispatch job: its lease and its app."""

    def __init__(self, settings: Settings) -> None:
        from citewatch.distributed import connect
        from crawler.cluster.election import DispatcherLease

        self.settings = settings
        self.client = connect(settings)
        self.lease = DispatcherLease(self.client, ttl_seconds=settings.dispatcher_lease_seconds)
        self.app = App(settings)
        self.holding = False
        self.last_dispatch = 0.0


_dispatcher: _Dispatcher | None = None
_dispatcher_lock = threading.Lock()


def _the_dispatcher() -> _Dispatcher:
    global _dispatcher
    with _dispatcher_lock:
        if _dispatcher is None:
            _dispatcher = _Dispatcher(load_settings())
        return _dispatcher


def dispatch_to_workers() -> str:
    """Hold (or try to take) the dispatcher's lease; the holder queues due sources for the workers."""
    from crawler.cluster.election import current_holder
    from scheduler.dispatch import dispatch

    d = _the_dispatcher()
    holding = d.lease.hold()
    if holding != d.holding:
        logger.info("%s the dispatcher (%s)", "now" if holding else "no longer", d.lease.owner)
        d.holding = holding
    if not holding:
        holder = current_holder(d.client)
        return f"standby: {holder.owner if holder else 'nobody'} dispatches"
    now = time.monotonic()
    if now - d.last_dispatch < d.settings.dispatch_seconds:
        return "dispatcher"
    d.last_dispatch = now
    dispatched = dispatch(
        d.app.catalog,
        d.client,
        lease_for=timedelta(seconds=d.settings.lease_seconds),
        queue_limit=d.settings.dispatch_queue_limit,
    )
    return f"dispatched {dispatched} source(s)"


def judge_stragglers() -> str:
    """The dispatcher judges captures whose workers have not (a worker that died after its crawl
    and before its detection); captures still in a live worker's spool wait for that worker."""
    d = _the_dispatcher()
    if not d.holding or not d.app.catalog.has_unjudged():
        return "nothing to judge"
    changes = d.app.change_recorder().process()
    if changes:
        d.app.deliver_alerts()
    return f"changes {len(changes)}"


def stop_dispatching() -> None:
    """A clean stop gives the lease up: the standby dispatches at once, not after the TTL."""
    d = _dispatcher
    if d is not None and d.holding:
        try:
            d.lease.release()
            logger.info("gave up the dispatcher's lease")
        except Exception as exc:
            logger.warning("could not give up the dispatcher's lease (it expires): %s", exc)


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


def report_digests() -> str:
    """At the start of each digest period, send each tag's link-health digest of the period before."""
    settings = load_settings()
    if not settings.alert_tag_urls:
        return "no tag has alert URLs"
    # The job runs every alert_seconds and sends in the first run of a period only: the catalog is
    # opened for that run, not every 30 s.
    if report_digest_due(settings, datetime.now(UTC)) is None:
        return "no digest due"
    # Read-only: the job only reads, and must not recover the spool under a running crawl.
    return App(settings, read_only=True).send_report_digests()


# Problems a failing audit names in the daemon's log, one line each (the rest: `citewatch verify`).
LOGGED_PROBLEMS = 20


def verify_report_file(home: Path) -> Path:
    """Where the daemon keeps its last audit's report (`citewatch verify --json`'s document)."""
    return home / "run" / "verify.json"


def verify_delay(settings: Settings, now: float | None = None) -> float:
    """Seconds until the fixity audit is due again: a daemon restarted within ``verify_seconds`` of
    the last audit (its report's time) waits for the rest of the period, since an audit reads every
    WARC file and a large archive would pay for it at each restart."""
    try:
        last = verify_report_file(settings.home_dir).stat().st_mtime
    except OSError:
        return 0.0
    return max(0.0, last + settings.verify_seconds - (time.time() if now is None else now))


def verify_archive() -> str:
    """The fixity audit (`citewatch verify`): each problem is logged as an error and the job fails,
    so the operator sees it in the daemon's log; the whole report is kept in run/verify.json."""
    settings = load_settings()
    report = App(settings, read_only=True).verify()
    path = verify_report_file(settings.home_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8")
    summary = f"checked {report.checked} (WARC files, records, rows, log entries)"
    if report.ok:
        return f"{summary}: all good"
    for problem in report.bad[:LOGGED_PROBLEMS]:
        logger.error("verify: %s", problem.line())
    raise RuntimeError(f"{summary}: {len(report.bad)} problem(s); the list is in {path}")
