"""The benchmark's child runner: what it measures is the command's own, and its watchdog stops runaways."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from benchmarks.childrun import ChildRun, child_env, run_watched

BURN = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\n"
# 64 MB touched page by page, so it is resident.
ALLOCATE = "b = bytearray(64 * 1024 * 1024)\nfor i in range(0, len(b), 4096): b[i] = 1\n"
SLEEP = "import time; time.sleep(30)"


def run(
    code: str, cwd: Path, *, served: Callable[[], int] = lambda: 0, budget: int = 10, timeout: float = 60.0
) -> ChildRun:
    return run_watched(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=child_env({}),
        served=served,
        budget=budget,
        timeout=timeout,
    )


def test_cpu_and_peak_memory_are_the_commands_own(tmp_path: Path) -> None:
    # This process holds far more than a bare Python: a child forked from it counts that in its
    # ru_maxrss (memory before exec counts); the runner must report the command's own peak instead.
    ballast = bytearray(200 * 1024 * 1024)
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    small, big, burn = run("pass", tmp_path), run(ALLOCATE, tmp_path), run(BURN, tmp_path)
    del ballast
    assert small.ok and big.ok and burn.ok
    assert small.max_rss_kb is not None and big.max_rss_kb is not None
    assert small.max_rss_kb < 60 * 1024, small
    assert big.max_rss_kb > small.max_rss_kb + 50 * 1024, (small, big)
    assert burn.cpu_s >= 0.25 > small.cpu_s, (small, burn)


def test_watchdog_kills_a_command_past_its_request_budget_or_time(tmp_path: Path) -> None:
    requests = iter(range(0, 10_000, 5))  # the "site" has served 5 more requests at every poll
    over = run(SLEEP, tmp_path, served=lambda: next(requests), budget=20)
    assert over.killed is not None and over.killed.startswith("request budget exceeded"), over
    assert not over.ok and over.wall_s < 10
    slow = run(SLEEP, tmp_path, timeout=0.5)
    assert slow.killed == "timeout after 0.5s" and not slow.ok and slow.wall_s < 10, slow
