"""Shared fixtures for integration tests: real HTTP test sites, a real SeaweedFS, the real CLI."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.site import TestSite, free_port
from tests.seaweed import SeaweedFS

HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def site() -> Iterator[TestSite]:
    with TestSite(hosts=HOSTS) as s:
        yield s


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    with SeaweedFS(tmp_path_factory.mktemp("seaweed")) as weed:
        yield weed


@dataclass
class Citewatch:
    """Runs the installed command line against one data directory, as a user would."""

    home: Path
    env: dict[str, str] = field(default_factory=dict)

    def config(self, **values: Any) -> None:
        """Write `$CITEWATCH_HOME/citewatch.toml`."""
        self.home.mkdir(parents=True, exist_ok=True)
        lines = [f"{k} = {json.dumps(v)}" for k, v in values.items()]
        (self.home / "citewatch.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "citewatch", *args],
            env=self.environ(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def environ(self) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("CITEWATCH_", "AWS_"))}
        return {**base, "CITEWATCH_HOME": str(self.home), "CITEWATCH_ALLOW_PRIVATE": "1", **self.env}

    def run(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "citewatch", *args],
            env=self.environ(),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=REPO,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"citewatch {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
            )
        return proc

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json").stdout)


@pytest.fixture
def cw(tmp_path: Path) -> Citewatch:
    c = Citewatch(home=tmp_path / "home")
    # Fast and deterministic on loopback; politeness defaults are covered by unit tests.
    c.config(autothrottle=False, download_timeout=3.0, concurrent_per_domain=4)
    return c


@dataclass
class Served:
    """A running `citewatch serve`."""

    proc: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def memory_kb(self, field: str) -> int:
        """VmRSS (now) or VmHWM (peak) of the server process, in kB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
        raise AssertionError(f"no {field} for pid {self.proc.pid}")

    def get(self, path: str, timeout: float = 10) -> tuple[int, bytes]:
        with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
            return response.status, response.read()


@contextlib.contextmanager
def serving(cw: Citewatch, **env: str) -> Iterator[Served]:
    """`citewatch serve` on a free loopback port (``env``: more settings) for the block."""
    cw.env.update(env)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "citewatch", "serve", "--port", str(port)],
        env=cw.environ(),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    served = Served(proc, port)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if served.get("/", timeout=2)[0] == 200:
                break
        except OSError:
            if proc.poll() is not None:
                raise AssertionError(
                    f"citewatch serve exited: {proc.stderr.read().decode() if proc.stderr else ''}"
                ) from None
            time.sleep(0.2)
    else:
        proc.kill()
        raise AssertionError("citewatch serve did not start")
    try:
        yield served
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
