"""Run one benchmarked command as a child process: wall time, CPU and peak memory, under a watchdog.

The whole command is measured, start-up included, because that is what a user waits for.  CPU comes
from ``wait4``'s resource usage, which covers the child and every descendant it waited for (a process
pool it shuts down properly included): user + system seconds of the process tree.  A descendant left
running when the child exits is not counted, and is killed with the child's process group.

Peak RSS cannot come from that same ``wait4``: Linux counts into a process's ``ru_maxrss`` the memory
it had before ``exec`` (kernel ``exec_mmap``), and a child forked or vforked from this process
starts with this process's resident set (the site's pages, citewatch's imports: ~100 MB), so every
command would show at least that.  So the command runs under GNU time (``/usr/bin/time``, a 30 kB C
program): its ``%M`` is the ``ru_maxrss`` of a child forked from a ~2 MB process, i.e. the largest
resident set of the command or any descendant it waited for.  Without GNU time, peak RSS is not
reported (None).

The watchdog kills the command's process group if the site serves more requests than the run's budget
(a crawler gone astray, e.g. following links) or the time limit passes, so a broken run cannot hammer
the machine for long.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "ftp_proxy", "no_proxy")
GNU_TIME = "/usr/bin/time"


@dataclass(frozen=True)
class ChildRun:
    """What one command did and cost."""

    wall_s: float
    exit_code: int
    stdout: str
    stderr: str
    user_s: float
    sys_s: float
    max_rss_kb: int | None  # None: GNU time is not installed
    requests_served: int
    killed: str | None  # why the watchdog killed it, if it did

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.killed is None

    def stderr_tail(self, lines: int = 3) -> str:
        return "\n".join(self.stderr.strip().splitlines()[-lines:])


def child_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The current environment without proxies or stray ``CITEWATCH_*`` settings, plus ``extra``.

    Every fetch stays on loopback: no proxy variable survives, and ``NO_PROXY=*`` for good measure.
    """
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("CITEWATCH_") and k.lower() not in PROXY_VARS
    }
    env["no_proxy"] = env["NO_PROXY"] = "*"
    env.update(extra)
    return env


def run_watched(
    cmd: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    served: Callable[[], int],
    budget: int,
    timeout: float,
) -> ChildRun:
    """Run ``cmd`` to its end (or kill it: more than ``budget`` requests served, or ``timeout`` s)."""
    start_served = served()
    killed: list[str] = []
    exited = threading.Event()
    # Files, not pipes: nothing has to drain them while we block in wait4.
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile(prefix="rss-") as rss,
    ):
        timer = [GNU_TIME, "--quiet", "--format=%M", f"--output={rss.name}"] if has_gnu_time() else []
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [*timer, *cmd], cwd=cwd, env=dict(env), stdout=out, stderr=err, start_new_session=True
        )

        def watchdog() -> None:
            deadline = t0 + timeout
            while not exited.wait(0.05):
                count = served() - start_served
                if count > budget:
                    killed.append(f"request budget exceeded ({count} > {budget})")
                elif time.perf_counter() > deadline:
                    killed.append(f"timeout after {timeout:g}s")
                if killed:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    return

        guard = threading.Thread(target=watchdog, daemon=True)
        guard.start()
        # Wait for the exit without reaping (WNOWAIT), so the watchdog can never signal a recycled pid;
        # then reap with wait4 for the resource usage of the whole tree.
        os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
        wall = time.perf_counter() - t0
        exited.set()
        guard.join()
        # Whatever the command left behind in its session goes too (the group outlives its leader).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        rss_lines = rss.read().decode("ascii", "replace").split()
        return ChildRun(
            wall_s=wall,
            exit_code=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            user_s=usage.ru_utime,
            sys_s=usage.ru_stime,
            max_rss_kb=int(rss_lines[-1]) if timer and rss_lines and rss_lines[-1].isdigit() else None,
            requests_served=served() - start_served,
            killed=killed[0] if killed else None,
        )


@functools.cache
def has_gnu_time() -> bool:
    """GNU time, not a shell's builtin or BSD time: it knows ``--format`` and ``--output``."""
    if not os.access(GNU_TIME, os.X_OK):
        return False
    proc = subprocess.run([GNU_TIME, "--version"], capture_output=True, text=True)
    return "GNU" in proc.stdout + proc.stderr
