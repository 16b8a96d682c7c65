"""How a crawl coexists with other processes and with signals: one crawl per data directory,
and the work after a crawl is not cut short by a stop request."""

from __future__ import annotations

import fcntl
import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)

# Set when a stop was asked for while `finishing_despite_signals` held it back: a long-lived
# caller (a worker between rounds) stops once the work in hand is done.
stop_requested = threading.Event()


@contextmanager
def crawl_lock(home: Path, name: str = "crawl") -> Iterator[None]:
    """One crawl at a time per data directory: the daemon, cron and a user's ingest never
    capture the same source twice at once (the lock dies with its process).  A worker locks
    its own name instead: several workers may share a data directory, each with its own spool."""
    path = home / "run" / f"{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.warning("another crawl is running in %s; waiting for it to finish", home)
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


@contextmanager
def finishing_despite_signals() -> Iterator[None]:
    """Once the crawl is over, judge its captures and upload them before honouring SIGTERM/SIGINT.

    Scrapy stops gracefully on the first signal and then uninstalls its handlers; a second
    signal during change detection would kill the process with captures recorded but never
    judged, and a deletion captured then would never be reported.  This work is short and
    bounded, so the signal is noted and the command ends normally right after it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def note(signum: int, frame: object) -> None:
        stop_requested.set()
        logger.warning(
            "%s received: finishing change detection and upload first", signal.Signals(signum).name
        )

    previous = {sig: signal.signal(sig, note) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
