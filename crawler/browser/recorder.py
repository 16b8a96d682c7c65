"""The warcprox sidecar seen from the project: start it, know its port, read which records it wrote.

warcprox (the Internet Archive's recording proxy, used by Brozzler) records what the browser fetches as
raw WARC request/response records: payloads stay the bytes the server sent.  It runs from its own venv
(.venv-warcprox, see the Makefile) through ``sidecar_main``, which adds the SSRF guard and the record
log.  One sidecar per crawl process; a capture tags its requests with ``warcprox_meta(page_id)`` and
then finds its records with ``records_for(page_id)``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from crawler.browser import sidecar_main
from crawler.browser.errors import RecorderError, RecorderMissing

REPO = Path(__file__).resolve().parents[2]
DEFAULT_PYTHON = REPO / ".venv-warcprox" / "bin" / "python"
SIDECAR_MAIN = Path(sidecar_main.__file__).resolve()
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class RecordEntry:
    """One WARC record the sidecar wrote: where it is, and which capture's request made it."""

    page: str | None
    url: str
    warc_type: str
    record_id: str
    path: Path
    offset: int
    length: int


def warcprox_meta(page_id: str) -> str:
    """The ``Warcprox-Meta`` header value that ties a request's records to ``page_id``.

    Set it per request in a ``context.route`` handler, never in ``extra_http_headers``: Chromium
    treats an extra header as custom and sends a CORS preflight before every cross-origin fetch.
    """
    return json.dumps({"metadata": {"page": page_id}}, separators=(",", ":"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


class WarcproxSidecar:
    """A warcprox process on a free loopback port, for as long as the ``with`` block lasts.

    ``warc_dir`` gets the WARC files (``{prefix}-{timestamp17}-{serialno}.warc.gz``); ``state_dir``
    gets the MITM CA and its host certificates, the record log and warcprox's own log.
    Dedup and the stats db are off (``-j /dev/null --stats-db-file /dev/null``): no revisit records,
    no database.  ``allow_private`` is CITEWATCH_ALLOW_PRIVATE; ``allow_addresses`` lets tests open
    their site's loopback addresses without opening the canary's.
    """

    def __init__(
        self,
        warc_dir: Path,
        state_dir: Path,
        *,
        prefix: str = "citewatch-browser",
        allow_private: bool = False,
        allow_addresses: Sequence[str] = (),
        max_resource_size: int | None = None,
        python: Path = DEFAULT_PYTHON,
        start_timeout: float = 20.0,
        stop_timeout: float = 10.0,
    ) -> None:
        self.warc_dir = Path(warc_dir)
        self.state_dir = Path(state_dir)
        self.prefix = prefix
        self.allow_private = allow_private
        self.allow_addresses = tuple(allow_addresses)
        # One response past this many bytes is cut there, and its record says so
        # (``WARC-Truncated: length``): a single endless or huge body cannot fill the disk.
        self.max_resource_size = max_resource_size
        self.python = Path(python)
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.record_log = self.state_dir / "records.jsonl"
        self.log_path = self.state_dir / "warcprox.log"
        self.port = 0
        self.returncode: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._version: str | None = None
        self._log_position = 0
        self._entries: list[RecordEntry] = []
        self._by_page: dict[str | None, list[RecordEntry]] = {}

    @property
    def proxy_url(self) -> str:
        """For Playwright's ``launch(proxy={"server": ...})``."""
        if not self.port:
            raise RecorderError("the warcprox sidecar is not running")
        return f"http://{LOOPBACK}:{self.port}"

    def command(self, port: int) -> list[str]:
        certs = self.state_dir / "certs"
        return [
            str(self.python),
            str(SIDECAR_MAIN),
            *("--address", LOOPBACK, "--port", str(port)),
            *("--dir", str(self.warc_dir), "--prefix", self.prefix, "--gzip"),
            *("--warc-filename", "{prefix}-{timestamp17}-{serialno}"),
            *("--dedup-db-file", "/dev/null", "--stats-db-file", "/dev/null"),
            *("--cacert", str(certs / "citewatch-ca.pem"), "--certs-dir", str(certs)),
            *(("--max-resource-size", str(self.max_resource_size)) if self.max_resource_size else ()),
        ]

    def environ(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
        env[sidecar_main.ALLOW_PRIVATE_ENV] = "1" if self.allow_private else "0"
        env[sidecar_main.ALLOW_ADDRESSES_ENV] = ",".join(self.allow_addresses)
        env[sidecar_main.RECORD_LOG_ENV] = str(self.record_log)
        return env

    def start(self) -> WarcproxSidecar:
        if not self.python.exists():
            raise RecorderMissing(str(self.python))
        self.warc_dir.mkdir(parents=True, exist_ok=True)
        (self.state_dir / "certs").mkdir(parents=True, exist_ok=True)
        # A fresh log per run: a capture only ever looks for the records of this run.
        self.record_log.write_bytes(b"")
        self._log_position, self._entries, self._by_page = 0, [], {}
        # The port is free when picked but could be taken before warcprox binds it: try again then.
        for _ in range(3):
            port = free_port()
            with self.log_path.open("ab") as log:
                self._process = subprocess.Popen(
                    self.command(port),
                    cwd=self.state_dir,
                    env=self.environ(),
                    # Kept open for as long as we live: the sidecar stops at its end of file.
                    stdin=subprocess.PIPE,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            if self._wait_ready(port):
                self.port = port
                return self
            if self._process.poll() is None:
                self.stop()
                raise RecorderError(
                    f"warcprox did not answer on port {port} within {self.start_timeout:g} s; "
                    f"see {self.log_path}"
                )
            self.returncode = self._process.returncode
            self._process = None
        raise RecorderError(f"warcprox exited at start ({self.returncode}); see {self.log_path}")

    def _wait_ready(self, port: int) -> bool:
        """True once ``GET /status`` answers; False if warcprox exited or timed out."""
        assert self._process is not None
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return False
            try:
                with opener.open(f"http://{LOOPBACK}:{port}/status", timeout=1) as answer:
                    if answer.status == 200:
                        return True
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.05)
        return False

    def stop(self, *, graceful: bool = True) -> int | None:
        """SIGTERM (warcprox closes and renames its open WARCs), SIGKILL after ``stop_timeout``.

        ``graceful`` False kills it at once (~2 s sooner): for a caller that copied out every
        record it wanted and throws the files away."""
        process, self._process = self._process, None
        if process is None:
            return self.returncode
        if process.poll() is None and not graceful:
            process.kill()
            process.wait()
        elif process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                print(
                    f"warning: warcprox did not stop within {self.stop_timeout:g} s and was killed",
                    file=sys.stderr,
                )
        if process.stdin is not None:
            process.stdin.close()
        self.returncode = process.returncode
        self.port = 0
        return self.returncode

    def __enter__(self) -> WarcproxSidecar:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def version(self) -> str:
        """warcprox's version in the sidecar's venv (asked once per sidecar), for metadata records."""
        if self._version is None:
            if not self.python.exists():
                raise RecorderMissing(str(self.python))
            # The venv's package metadata says it without starting a Python (~0.5 s).
            for info in self.python.parent.parent.glob("lib/python3*/site-packages/warcprox-*.dist-info"):
                self._version = info.name.removeprefix("warcprox-").removesuffix(".dist-info")
                return self._version
            answer = subprocess.run(
                [str(self.python), "-c", "import importlib.metadata as m; print(m.version('warcprox'))"],
                capture_output=True,
                text=True,
                timeout=30,
                env=self.environ(),
            )
            if answer.returncode != 0:
                raise RecorderError(f"cannot tell warcprox's version: {answer.stderr.strip()[-300:]}")
            self._version = answer.stdout.strip()
        return self._version

    def records(self) -> list[RecordEntry]:
        """Every record written so far (a partly written last line is left for the next call).

        The log is read on from where the last call stopped: a long crawl does not read it
        all again for every page."""
        with self.record_log.open("rb") as log:
            log.seek(self._log_position)
            for line in log:
                if not line.endswith(b"\n"):
                    break
                self._log_position += len(line)
                row = json.loads(line)
                entry = RecordEntry(
                    page=row["page"],
                    url=row["url"],
                    warc_type=row["type"],
                    record_id=row["id"],
                    path=self.warc_dir / row["file"],
                    offset=int(row["offset"]),
                    length=int(row["length"]),
                )
                self._entries.append(entry)
                self._by_page.setdefault(entry.page, []).append(entry)
        return list(self._entries)

    def records_for(self, page_id: str) -> list[RecordEntry]:
        self.records()
        return list(self._by_page.get(page_id, ()))

    def forget(self, page_id: str) -> None:
        """Drop a finished capture's entries (its records were copied out)."""
        dropped = self._by_page.pop(page_id, [])
        if dropped:
            gone = {id(entry) for entry in dropped}
            self._entries = [entry for entry in self._entries if id(entry) not in gone]

    def read_member(self, entry: RecordEntry) -> bytes:
        """The gzip member holding one of the sidecar's records, exactly as warcprox wrote it."""
        path = entry.path if entry.path.exists() else entry.path.with_name(entry.path.name + ".open")
        with path.open("rb") as warc:
            warc.seek(entry.offset)
            data = warc.read(entry.length)
        if len(data) != entry.length:
            raise RecorderError(f"{path} ends before the record {entry.record_id} it logged")
        return data

    def warc_files(self) -> list[Path]:
        """Closed WARC files; files still being written end in ``.open``."""
        return sorted(self.warc_dir.glob(f"{self.prefix}-*.warc.gz"))
