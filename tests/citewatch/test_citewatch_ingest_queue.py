"""The queue of UI-started ingests: a few at once, the rest waiting, every one finishing."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.web.errors import IngestQueueFull
from citewatch.ingest_queue import IngestQueue

# A stand-in for `citewatch ingest URL`: notes when it runs in a shared file, then says goodbye.
CHILD = """
import os, sys, time
path = sys.argv[1]
with open(path, "a") as f: f.write("+\\n")
time.sleep(0.4)
with open(path, "a") as f: f.write("-\\n")
print("working on", sys.argv[2])
print("finished", sys.argv[2])
sys.exit(3 if sys.argv[2].endswith("/bad") else 0)
"""


def _max_at_once(trace: Path) -> int:
    running = peak = 0
    for mark in trace.read_text().split():
        running += 1 if mark == "+" else -1
        peak = max(peak, running)
    return peak


def test_at_most_n_run_at_once_and_all_finish(tmp_path: Path) -> None:
    trace = tmp_path / "trace"
    queue = IngestQueue(
        command=lambda url: [sys.executable, "-c", CHILD, str(trace), url],
        logs=tmp_path / "logs",
        concurrency=2,
        capacity=10,
        clock=lambda: datetime.now(UTC),
    )
    urls = [f"https://news.example/{n}" for n in range(5)] + ["https://news.example/bad"]
    rows = [queue.submit(url) for url in urls]
    assert [r.state for r in rows[:2]] == ["running", "running"]
    assert {r.state for r in rows[2:]} == {"queued"}
    states = {job.state for job in queue.jobs()}
    assert states == {"running", "queued"}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(j.state in ("queued", "running") for j in queue.jobs()):
        assert sum(j.state == "running" for j in queue.jobs()) <= 2
        time.sleep(0.05)
    jobs = {job.url: job for job in queue.jobs()}
    assert _max_at_once(trace) == 2
    assert trace.read_text().count("+") == len(urls)
    for url in urls:
        job = jobs[url]
        assert job.state == ("failed" if url.endswith("/bad") else "done")
        assert job.last_line == f"finished {url}"
        assert job.finished_at is not None and job.started_at is not None


def test_a_full_queue_refuses_more(tmp_path: Path) -> None:
    queue = IngestQueue(
        command=lambda url: [sys.executable, "-c", "import time; time.sleep(1)"],
        logs=tmp_path / "logs",
        concurrency=1,
        capacity=2,
        clock=lambda: datetime.now(UTC),
    )
    for n in range(3):  # one running, two waiting
        queue.submit(f"https://news.example/{n}")
    with pytest.raises(IngestQueueFull, match="2 ingests are waiting"):
        queue.submit("https://news.example/more")
