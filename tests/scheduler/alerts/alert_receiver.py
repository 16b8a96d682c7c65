"""A real HTTP receiver on 127.0.0.1 for Apprise's json:// targets, and a hand-moved clock.

Imported by path (``tests.scheduler.alerts.alert_receiver``) rather than from ``conftest``, since
several test directories have a ``conftest`` module.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ALERTS_T0 = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)


@dataclass
class AlertClock:
    """A clock the test moves by hand."""

    now: datetime = field(default=ALERTS_T0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass(frozen=True)
class Post:
    path: str
    payload: dict[str, Any]


@dataclass
class Receiver:
    """Records every POST; answers with the next status in ``statuses`` (200 once they run out)."""

    port: int = 0
    posts: list[Post] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "hook", *, scheme: str = "json") -> str:
        return f"{scheme}://127.0.0.1:{self.port}/{path}"

    def answer(self, path: str, body: bytes) -> int:
        with self.lock:
            self.posts.append(Post(path, json.loads(body)))
            return self.statuses.pop(0) if self.statuses else 200


def handler_for(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = receiver.answer(self.path, body)
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

    return Handler


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    """A :class:`Receiver` served on 127.0.0.1 (a free port) for the duration of the block."""
    rec = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(rec))
    rec.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
