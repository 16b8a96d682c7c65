"""The daemon's schedule: each job's first run comes ``delay`` seconds after the start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduler.daemon import Daemon, JobSpec

STARTED = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_a_jobs_first_run_waits_its_delay() -> None:
    jobs = [
        JobSpec("now", "citewatch.jobs:upload_spool", 60),
        JobSpec("later", "citewatch.jobs:verify_archive", 86_400, delay=3_000),
    ]
    daemon = Daemon(db_url=None, jobs=jobs, clock=lambda: STARTED)
    daemon._schedule_jobs()
    first = {job.id: job.next_run_time for job in daemon._scheduler.get_jobs()}
    assert first == {"now": STARTED, "later": STARTED + timedelta(seconds=3_000)}
