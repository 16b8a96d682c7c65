"""Ingests asked for from the web UI: a few run at once as `citewatch ingest` child processes, the
rest wait their turn, and the page can show where each one is.

Each ingest is a whole crawler process (Scrapy, Twisted, a catalog connection); one per request
with no bound would let a few hundred form posts exhaust the machine. The queue lives in the
server's memory: ingests still waiting when the server stops are not started (the page said they
were queued; ask again), those already running finish on their own (their own session).
"""

from __future__ import annotations

import subprocess
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from archive.web.errors import IngestQueueFull
from archive.web.rows import IngestRow

# Finished ingests kept for the page, newest first.
KEEP_FINISHED = 50
LAST_LINE_BYTES = 4096
LAST_LINE_CHARS = 300


@dataclass
class _Ingest:
    id: int
    url: str
    log: Path
    submitted_at: datetime
    state: str = "queued"
    started_at: datetime | None = None
    finished_at: datetime | None = None
    exit_code: int | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)


class IngestQueue:
    """Runs at most ``concurrency`` ingests at once; holds at most ``capacity`` more waiting.

    ``command(url)`` is the child's argument list; its output goes to a log file in ``logs``.
    """

    def __init__(
        self,
        *,
        command: Callable[[str], list[str]],
        logs: Path,
        concurrency: int,
        capacity: int,
        clock: Callable[[], datetime],
    ) -> None:
        self._command = command
        self._logs = logs
        self._concurrency = concurrency
        self._capacity = capacity
        self._clock = clock
        self._lock = threading.Lock()
        self._waiting: deque[_Ingest] = deque()
        self._running: list[_Ingest] = []
        self._finished: deque[_Ingest] = deque(maxlen=KEEP_FINISHED)
        self._next_id = 1

    def submit(self, url: str) -> IngestRow:
        """Queue an ingest of ``url`` (started at once if a slot is free).

        Raises `IngestQueueFull` when ``capacity`` ingests are waiting already.
        """
        with self._lock:
            if len(self._waiting) >= self._capacity:
                raise IngestQueueFull(len(self._waiting))
            now = self._clock()
            ingest = _Ingest(
                id=self._next_id,
                url=url,
                # The id keeps two ingests asked for in the same microsecond apart.
                log=self._logs / f"ingest-{now.strftime('%Y%m%dT%H%M%S%f')}-{self._next_id}.log",
                submitted_at=now,
            )
            self._next_id += 1
            self._waiting.append(ingest)
            self._start_waiting()
            return _row(ingest)

    def jobs(self) -> list[IngestRow]:
        """Every ingest the page should show: running, then waiting, then finished (newest first)."""
        with self._lock:
            current = [*self._running, *self._waiting, *reversed(self._finished)]
        return [_row(ingest) for ingest in current]

    def _start_waiting(self) -> None:
        """Start waiting ingests while slots are free (the caller holds the lock)."""
        while self._waiting and len(self._running) < self._concurrency:
            ingest = self._waiting.popleft()
            ingest.started_at = self._clock()
            try:
                self._logs.mkdir(parents=True, exist_ok=True)
                with ingest.log.open("wb") as out:
                    ingest.process = subprocess.Popen(
                        self._command(ingest.url),
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
            except OSError as exc:
                ingest.state, ingest.finished_at = "failed", self._clock()
                ingest.log.parent.mkdir(parents=True, exist_ok=True)
                ingest.log.write_text(f"could not start the ingest: {exc}\n", encoding="utf-8")
                self._finished.append(ingest)
                continue
            ingest.state = "running"
            self._running.append(ingest)
            threading.Thread(
                target=self._await, args=(ingest,), name=f"ingest-{ingest.id}", daemon=True
            ).start()

    def _await(self, ingest: _Ingest) -> None:
        assert ingest.process is not None
        code = ingest.process.wait()
        with self._lock:
            ingest.exit_code = code
            ingest.state = "done" if code == 0 else "failed"
            ingest.finished_at = self._clock()
            self._running.remove(ingest)
            self._finished.append(ingest)
            self._start_waiting()


def _row(ingest: _Ingest) -> IngestRow:
    return IngestRow(
        id=ingest.id,
        url=ingest.url,
        state=ingest.state,
        submitted_at=ingest.submitted_at,
        started_at=ingest.started_at,
        finished_at=ingest.finished_at,
        exit_code=ingest.exit_code,
        last_line=last_line(ingest.log) if ingest.state != "queued" else "",
    )


def last_line(path: Path) -> str:
    """The last non-empty line of a log (read from its end only), clipped for a table cell."""
    try:
        with path.open("rb") as log:
            size = log.seek(0, 2)
            log.seek(max(0, size - LAST_LINE_BYTES))
            tail = log.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    lines: Sequence[str] = [line.strip() for line in tail.splitlines() if line.strip()]
    return lines[-1][:LAST_LINE_CHARS] if lines else ""
