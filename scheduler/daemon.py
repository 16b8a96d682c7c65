"""The re-crawl daemon: APScheduler 3 running a few periodic jobs, its job store in the catalog database.

The jobs are few and fixed (dispatch due re-crawls, deliver alerts, upload the spool); which
*sources* are due lives in the catalog (``source.next_due_at``), so a million sources are a
million rows, not a million scheduler jobs.  Jobs are registered by reference (``"module:func"``)
so the persisted job store stays valid across restarts, and each job runs at most one instance
at a time: one daemon never runs two crawls at once.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.schedulers.blocking import BlockingScheduler

logger = logging.getLogger("citewatch.daemon")

JOB_TABLE = "apscheduler_jobs"


class _BlockingScheduler(BlockingScheduler):  # type: ignore[misc]  # APScheduler 3 is untyped
    """APScheduler's blocking scheduler, minus one race: woken by ``shutdown()``, its loop would
    try to submit due jobs to the executor it has just shut down, and log a traceback."""

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        wait: float | None = super()._process_jobs()
        return wait


@dataclass(frozen=True)
class JobSpec:
    """A periodic job: ``func`` is a ``"module:function"`` reference, resolvable after a restart."""

    id: str
    func: str
    seconds: float
    kwargs: dict[str, Any] = field(default_factory=dict)
    # Seconds after the daemon starts before the first run (0: at once).
    delay: float = 0.0


class Daemon:
    """Runs the jobs until SIGTERM/SIGINT; ``on_stop`` is called first so a running crawl can wind down."""

    def __init__(
        self,
        *,
        db_url: str | None,
        jobs: Sequence[JobSpec],
        on_stop: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._jobs = list(jobs)
        self._on_stop = on_stop
        self._clock = clock
        self._stopping = threading.Event()
        # Two daemons of a scale-out deployment share one catalog: APScheduler 3 cannot share a job
        # store between schedulers, so each keeps its few fixed jobs in memory (``db_url=None``).
        store = (
            SQLAlchemyJobStore(url=db_url, tablename=JOB_TABLE) if db_url is not None else MemoryJobStore()
        )
        self._scheduler = _BlockingScheduler(
            jobstores={"default": store},
            executors={"default": ThreadPoolExecutor(max_workers=len(self._jobs) or 1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )
        self._scheduler.add_listener(self._log_job, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    def run(self) -> None:
        """Block until stopped by a signal (or :meth:`stop`)."""
        self._schedule_jobs()
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        logger.info("daemon started: %s", ", ".join(f"{j.id} every {j.seconds:g}s" for j in self._jobs))
        self._scheduler.start()
        logger.info("daemon stopped")

    def _schedule_jobs(self) -> None:
        for job in self._jobs:
            self._scheduler.add_job(
                job.func,
                "interval",
                seconds=job.seconds,
                id=job.id,
                name=job.id,
                kwargs=job.kwargs,
                replace_existing=True,
                next_run_time=self._clock() + timedelta(seconds=job.delay),
            )

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        logger.info("stopping: letting the running jobs finish")
        self._on_stop()
        # No new job may start while the running ones wind down.
        self._scheduler.pause()
        # shutdown(wait=True) from the signal handler would block the loop it runs on; a thread
        # waits for the running jobs (a crawl winding down) and then stops the scheduler.
        threading.Thread(target=self._scheduler.shutdown, kwargs={"wait": True}, daemon=True).start()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        logger.info("received %s", signal.Signals(signum).name)
        self.stop()

    def _log_job(self, event: JobExecutionEvent) -> None:
        if event.exception is not None:
            logger.error("job %s failed: %s", event.job_id, event.exception)
        else:
            logger.info("job %s done: %s", event.job_id, event.retval if event.retval is not None else "ok")
