"""Facts about the machine and the code a benchmark ran on, kept with its results."""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any


def version_of(cmd: Sequence[str]) -> str:
    """First line a ``--version`` style command prints, or ``unknown``."""
    try:
        proc = subprocess.run(list(cmd), capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    lines = (proc.stdout or proc.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages (/proc/loadavg): how busy the shared machine was."""
    return [round(x, 2) for x in os.getloadavg()]


def git_commit(repo: Path) -> dict[str, Any]:
    """The commit benchmarked, and whether the work tree had uncommitted changes to tracked files."""

    def git(*args: str) -> str:
        proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=30)
        return proc.stdout.strip() if proc.returncode == 0 else ""

    return {
        "commit": git("rev-parse", "HEAD") or "unknown",
        "branch": git("rev-parse", "--abbrev-ref", "HEAD") or "unknown",
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_total_mb() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError):
        pass
    return None


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_info(
    repo: Path, *, packages: Sequence[str] = (), commands: dict[str, Sequence[str]] | None = None
) -> dict[str, Any]:
    """Date, hardware, OS, Python, the versions of ``packages`` and ``commands``, git commit, load."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_mb": _memory_total_mb(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            **{name: _package_version(name) for name in packages},
            **{name: version_of(cmd) for name, cmd in (commands or {}).items()},
        },
        "git": git_commit(repo),
        "loadavg": load_average(),
    }
