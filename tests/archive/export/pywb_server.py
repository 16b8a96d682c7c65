"""pywb in its own virtualenv, installed once into a cache directory, and a `wayback` server on loopback.

pywb pins old dependencies (gevent, werkzeug, redis 2.x, ...) that must not leak into citewatch's
environment, so it lives in a virtualenv of its own: ``$CITEWATCH_PYWB_VENV``, else the checkout's
``.venv-pywb`` that `make install` builds from requirements-pywb.lock, else
``$XDG_CACHE_HOME/citewatch/pywb-<version>-py<X.Y>`` (``~/.cache`` when XDG_CACHE_HOME is unset).
It is created with ``python -m venv`` and ``pip install pywb==<version>`` (PyPI only) the first
time, under a file lock, and reused afterwards; a ``.installed`` stamp marks a finished install, so
an interrupted one is redone rather than trusted.
"""

from __future__ import annotations

import fcntl
import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PYWB_VERSION = "2.9.1"
INSTALL_TIMEOUT = 900.0
START_TIMEOUT = 60.0


def pywb_venv_dir() -> Path:
    explicit = os.environ.get("CITEWATCH_PYWB_VENV")
    if explicit:
        return Path(explicit)
    built = Path(__file__).resolve().parents[3] / ".venv-pywb"
    if (built / ".installed").is_file():
        return built
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return cache / "citewatch" / f"pywb-{PYWB_VERSION}-py{python}"


def ensure_pywb() -> tuple[Path, float]:
    """The pywb virtualenv (created if missing) and the seconds this call spent installing it."""
    venv = pywb_venv_dir()
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = venv / ".installed"
        if stamp.is_file() and (venv / "bin" / "wayback").is_file():
            return venv, 0.0
        started = time.monotonic()
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=INSTALL_TIMEOUT)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", f"pywb=={PYWB_VERSION}"],
            check=True,
            timeout=INSTALL_TIMEOUT,
        )
        stamp.write_text(f"pywb=={PYWB_VERSION}\n")
        return venv, time.monotonic() - started


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes


def get(port: int, path: str, timeout: float = 30.0, headers: dict[str, str] | None = None) -> Reply:
    """One GET to 127.0.0.1:port, nothing decoded (http.client sends no Accept-Encoding of its own)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        conn.close()


class Wayback:
    """``wayback -b 127.0.0.1 -p PORT -d ROOT`` for as long as the ``with`` block runs."""

    def __init__(self, venv: Path, root: Path) -> None:
        self.port = free_port()
        self._venv = venv
        self._root = root
        self._log = root / "wayback.log"
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Wayback:
        command = [
            str(self._venv / "bin" / "wayback"),
            "-b",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-d",
            str(self._root),
        ]
        with open(self._log, "wb") as log:
            self._proc = subprocess.Popen(command, cwd=self._root, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"wayback exited with {self._proc.returncode}: {self.log()}")
            try:
                if get(self.port, "/", timeout=2).status == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(
            f"wayback did not answer on 127.0.0.1:{self.port} in {START_TIMEOUT}s: {self.log()}"
        )

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=10)

    def log(self) -> str:
        return self._log.read_text(errors="replace")[-4000:]
