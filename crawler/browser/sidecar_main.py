"""The warcprox sidecar's entry point, run by .venv-warcprox's python (never the project's).

    .venv-warcprox/bin/python crawler/browser/sidecar_main.py [warcprox options]

Only stdlib, warcprox and urllib3 are importable here: .venv-warcprox has nothing else, and the
project's packages are not on its path (their cryptography would clash with warcprox's pin).
Before handing over to ``warcprox.main.main`` it

* puts the SSRF guard on ``urllib3.util.connection.create_connection``, the function through which
  warcprox dials every upstream (HTTP and CONNECT): the host is resolved once and only addresses that
  pass are dialled, so a DNS answer cannot change between the check and the connect (rebinding);
* lets warcprox reach exactly 127.0.0.1/::1 only when the guard would (warcprox has its own,
  narrower rule, checked after connecting);
* registers ``RecordLog``, a listener plugin that appends one JSON line per written WARC record.

Environment (set by ``crawler.browser.recorder.WarcproxSidecar``):
  CITEWATCH_ALLOW_PRIVATE=1          allow every non-public address (as in the HTTP crawler)
  CITEWATCH_ALLOW_ADDRESSES=a,b      allow these addresses only (tests: the site, not the canary)
  CITEWATCH_RECORD_LOG=path          where RecordLog appends its JSON lines
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

# The address rule is crawler/addresses.py's, loaded from its file (it is stdlib only), so the
# browser and the HTTP crawler refuse exactly the same addresses.  Loaded by path rather than by
# putting the project on PYTHONPATH: that would also expose the project venv's site-packages.
_spec = importlib.util.spec_from_file_location(
    "citewatch_addresses", Path(__file__).resolve().parents[1] / "addresses.py"
)
assert _spec is not None and _spec.loader is not None
_addresses = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_addresses)
is_forbidden_address: Callable[[str], bool] = _addresses.is_forbidden_address

ALLOW_PRIVATE_ENV = "CITEWATCH_ALLOW_PRIVATE"
ALLOW_ADDRESSES_ENV = "CITEWATCH_ALLOW_ADDRESSES"
RECORD_LOG_ENV = "CITEWATCH_RECORD_LOG"

log = logging.getLogger("citewatch.sidecar")


class RefusedAddress(OSError):
    """warcprox answers a failed upstream connect with 504, which is what the browser then sees."""


class AddressGuard:
    """Which resolved addresses the sidecar may dial."""

    def __init__(self, allow_private: bool, allowed: Sequence[str]) -> None:
        self.allow_private = allow_private
        self.allowed = frozenset(a for a in allowed if a)

    @classmethod
    def from_environ(cls, environ: dict[str, str] | os._Environ[str]) -> AddressGuard:
        return cls(
            environ.get(ALLOW_PRIVATE_ENV, "") == "1",
            environ.get(ALLOW_ADDRESSES_ENV, "").split(","),
        )

    def allows(self, address: str) -> bool:
        return self.allow_private or address in self.allowed or not is_forbidden_address(address)

    @property
    def allows_localhost(self) -> bool:
        return self.allow_private or bool({"127.0.0.1", "::1"} & self.allowed)

    def wrap(self, create_connection: Callable[..., socket.socket]) -> Callable[..., socket.socket]:
        """``create_connection`` that resolves once and dials only the addresses this guard allows."""

        def guarded(
            address: tuple[str, int],
            timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]
            source_address: Any = None,
            socket_options: Any = None,
        ) -> socket.socket:
            host, port = address
            infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
            passed = [str(info[4][0]) for info in infos if self.allows(str(info[4][0]))]
            if not passed:
                refused = sorted({str(info[4][0]) for info in infos})
                log.warning("citewatch guard refused %s: non-public address %s", host, refused)
                raise RefusedAddress(
                    f"refused to fetch {host}: it is a non-public address ({', '.join(refused)}); "
                    "set CITEWATCH_ALLOW_PRIVATE=1 to allow loopback and private networks"
                )
            error: OSError | None = None
            for ip in dict.fromkeys(passed):  # urllib3 dials an IP literal without resolving again
                try:
                    return create_connection((ip, port), timeout, source_address, socket_options)
                except OSError as exc:
                    error = exc
            assert error is not None
            raise error

        return guarded


class RecordLog:
    """warcprox listener plugin: one JSON line per WARC record it wrote, flushed at once.

    ``page`` is ``Warcprox-Meta: {"metadata": {"page": ID}}`` of the request (set per request by the
    browser's route handler), so the project can tell which records belong to which capture.
    """

    def __init__(self, options: Any = None, controller: Any = None) -> None:
        self._lock = threading.Lock()
        self._out: TextIO = open(os.environ[RECORD_LOG_ENV], "a", encoding="utf-8")  # noqa: SIM115 - lives as long as warcprox

    def notify(self, recorded_url: Any, records: Any) -> None:
        meta = recorded_url.warcprox_meta or {}
        metadata = meta.get("metadata") if isinstance(meta, dict) else None
        page = metadata.get("page") if isinstance(metadata, dict) else None
        url = recorded_url.url
        if isinstance(url, bytes):
            url = url.decode("utf-8", "replace")
        lines = []
        for record in records or ():
            lines.append(
                json.dumps(
                    {
                        "page": page,
                        "url": url,
                        "type": record.type.decode("ascii"),
                        "id": record.id.decode("ascii"),
                        "file": record.warc_filename,
                        "offset": record.offset,
                        "length": record.length,
                    }
                )
                + "\n"
            )
        with self._lock:
            self._out.writelines(lines)
            self._out.flush()


def _refuse(handler: Any, *args: Any, **kwargs: Any) -> None:
    handler.send_error(405, "not allowed through citewatch's recorder")


def _exit_with_parent() -> None:
    """Stop (as on SIGTERM) when the process that started us is gone: it holds our stdin open,
    so end of file means it died, even by SIGKILL, and no warcprox outlives its crawl."""

    def watch() -> None:
        # The raw descriptor, not sys.stdin: a daemon thread blocked inside a buffered reader
        # makes the interpreter abort at exit.
        try:
            while os.read(0, 4096):
                pass
        except OSError:
            pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str]) -> int:
    import urllib3.util.connection
    import warcprox.main
    import warcprox.warcproxy

    guard = AddressGuard.from_environ(os.environ)
    # urllib3's connection module looks the function up at call time, so replacing it here guards
    # every upstream connect warcprox makes.
    original = urllib3.util.connection.create_connection
    urllib3.util.connection.create_connection = guard.wrap(original)
    warcprox.warcproxy.WarcProxyHandler.allow_localhost = guard.allows_localhost
    # warcprox writes any record a client sends it with these methods: a page's fetch() could
    # forge records (even a response for its own document).  citewatch writes its own records.
    warcprox.warcproxy.WarcProxyHandler.do_WARCPROX_WRITE_RECORD = _refuse
    warcprox.warcproxy.WarcProxyHandler.do_PUTMETA = _refuse
    _exit_with_parent()
    # warcprox imports plugins by qualified name; this file runs as __main__.
    return int(warcprox.main.main(["warcprox", *argv, "--plugin", f"{__name__}.RecordLog"]) or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
