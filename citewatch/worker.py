"""`citewatch worker`: rounds of captures from the shared queue, with a heartbeat.

A round is `App.work_round`: the queue-fed crawl, then change detection, upload and alerts, as
after a local crawl.  Twisted's reactor cannot run twice in one process, so between rounds the
worker re-executes itself: same pid (a supervisor, or a test, that SIGKILLs it kills it whatever
it is doing), a fresh interpreter, and the spool recovery of its start-up.  SIGTERM/SIGINT stop it
after the round in hand (Scrapy finishes the fetches in flight; leases of what it did not fetch
are given back).
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import socket
import sys
import threading
from datetime import UTC, datetime
from types import FrameType
from typing import IO

from citewatch.app import App
from citewatch.config import Settings
from citewatch.coordination import stop_requested
from citewatch.errors import ConfigError

logger = logging.getLogger("citewatch.worker")

BEAT_SECONDS = 5.0
BEAT_TTL_SECONDS = 60
_STARTED, _ROUND, _CAPTURED = (
    "CITEWATCH_WORKER_STARTED_AT",
    "CITEWATCH_WORKER_ROUND",
    "CITEWATCH_WORKER_CAPTURED",
)
_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
# Set by SIGTERM/SIGINT outside the crawl proper (the crawl has Scrapy's own handlers).
_stop = threading.Event()


def worker_id(settings: Settings) -> str:
    """This worker's name: the setting, else the host name (made safe for a file name)."""
    if settings.worker_id:
        return settings.worker_id
    name = "".join(c if c.isalnum() or c in "-_." else "-" for c in socket.gethostname()).strip("-.")
    return name[:63] or "worker"


class _Heartbeat(threading.Thread):
    """Tells Redis every few seconds that this worker lives, what it does and how much it did."""

    def __init__(
        self, settings: Settings, name: str, started_at: str, *, round_number: int, captured: int
    ) -> None:
        super().__init__(name="citewatch-heartbeat", daemon=True)
        from citewatch.distributed import connect

        self._client = connect(settings)
        self._name = name
        self._started_at = started_at
        self._round = round_number
        self._round_started_at = datetime.now(UTC).isoformat()
        self._halt = threading.Event()
        self.state = "starting"  # imports done; opening the catalog, recovering the spool
        self.captured = captured  # since the worker started, across rounds

    def beat(self) -> None:
        from crawler.cluster.heartbeat import beat

        beat(
            self._client,
            self._name,
            {
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "started_at": self._started_at,
                "captured": self.captured,
                "state": self.state,
                "round": self._round,
                "round_started_at": self._round_started_at,
            },
            ttl_seconds=BEAT_TTL_SECONDS,
        )

    def run(self) -> None:
        while not self._halt.wait(BEAT_SECONDS):
            try:
                self.beat()
            except Exception as exc:  # Redis away for a moment: the next beat tries again
                logger.warning("heartbeat failed: %s", exc)

    def halt(self) -> None:
        self._halt.set()

    def forget(self) -> None:
        from crawler.cluster.heartbeat import forget

        try:
            forget(self._client, self._name)
        except Exception as exc:
            logger.warning("could not remove this worker's heartbeat: %s", exc)


def run_worker(settings: Settings, *, once: bool) -> int:
    """Run rounds until stopped (``once``: a single round); return the exit status."""
    if not settings.redis_url:
        raise ConfigError(
            "citewatch worker needs CITEWATCH_REDIS_URL (the shared queue); without it, "
            "`citewatch daemon` crawls by itself"
        )
    # A stop asked for while the previous round re-executed this process was held back (the
    # signal mask survives exec): from here on it reaches `_on_signal`.
    for sig in _STOP_SIGNALS:
        signal.signal(sig, _on_signal)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    name = worker_id(settings)
    _claim_name(settings, name)
    # What the worker's earlier rounds (earlier images of this process) handed down.
    started_at = os.environ.get(_STARTED) or datetime.now(UTC).isoformat()
    round_number = int(os.environ.get(_ROUND, "0") or 0) + 1
    captured = int(os.environ.get(_CAPTURED, "0") or 0)
    heartbeat = _Heartbeat(settings, name, started_at, round_number=round_number, captured=captured)
    heartbeat.beat()  # seen at once, before the (possibly long) spool recovery
    heartbeat.start()
    app = App(settings, worker_id=name)  # recovers this worker's spool, puts its captures back
    if app.recovered or app.spool.pending():
        # A crash left WARCs behind: upload them (and judge what they held) now, not after the
        # next round with work, which may be a long time coming.
        heartbeat.state = "settling"
        settled = app.settle()
        if settled.upload is not None and not settled.upload.ok:
            logger.warning("could not upload the recovered WARCs yet: %s", settled.upload.error)
    if _stop.is_set():
        heartbeat.halt()
        heartbeat.forget()
        return 0
    heartbeat.state = "waiting"

    def progress(result: object, tally: object) -> None:
        heartbeat.state = "crawling"
        heartbeat.captured += 1

    # Meanwhile Scrapy's signal handlers, then detection's, are in place (both stop cleanly).
    outcome = app.work_round(progress=progress, stopping=_stop.is_set, wait_for_work=not once)
    for sig in _STOP_SIGNALS:
        signal.signal(sig, _on_signal)
    tally = outcome.tally
    logger.info(
        "round done: captured %d, failed %d, changes %d%s",
        tally.captured,
        tally.failed,
        len(outcome.changes),
        "" if outcome.upload is None or outcome.upload.ok else f"; upload failed: {outcome.upload.error}",
    )
    stopped = outcome.stats is not None and outcome.stats.finish_reason == "shutdown"
    heartbeat.halt()
    if once or stopped or _stop.is_set() or stop_requested.is_set():
        heartbeat.forget()
        return 0
    # The next round, in a fresh interpreter under the same pid; a stop asked for meanwhile waits
    # until it can be honoured cleanly.
    signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    logging.shutdown()
    os.environ.update({_STARTED: started_at, _ROUND: str(round_number), _CAPTURED: str(heartbeat.captured)})
    os.execv(sys.executable, [sys.executable, "-m", "citewatch", *sys.argv[1:]])
    return 0  # not reached


_name_lock: IO[str] | None = None  # held open for the life of this image of the process


def _claim_name(settings: Settings, name: str) -> None:
    """One running worker per name and data directory: two would share a spool, and one's start-up
    recovery would close the WARCs the other is writing."""
    global _name_lock
    path = settings.home_dir / "run" / f"worker-{name}.running"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise ConfigError(
            f"another worker named {name!r} runs with {settings.home_dir}; give each worker its own "
            "CITEWATCH_WORKER_ID (or data directory)"
        ) from None
    _name_lock = handle


def _on_signal(signum: int, frame: FrameType | None) -> None:
    logger.info("%s received: stopping after this round", signal.Signals(signum).name)
    _stop.set()
