"""The demo's web site: sample official pages served on loopback, each "domain" its own 127.x address."""

from __future__ import annotations

import gzip
import http.server
import threading
from dataclasses import dataclass, field
from importlib import resources
from types import TracebackType

HOSTS = {"ministry": "127.0.0.2", "un": "127.0.0.3", "relief": "127.0.0.4"}
ROUTES = {
    "/statements/evacuation": ("statement-evacuation.html", "text/html; charset=utf-8"),
    "/briefings/daily": ("briefing-transcript.html", "text/html; charset=utf-8"),
    "/news/safe-passage": ("press-release.html", "text/html; charset=utf-8"),
    "/style.css": ("style.css", "text/css"),
    "/seal.svg": ("seal.svg", "image/svg+xml"),
    "/paper.svg": ("paper.svg", "image/svg+xml"),
}


def _asset(name: str) -> bytes:
    return resources.files("citewatch.demo").joinpath("site", name).read_bytes()


@dataclass
class SitePages:
    """The pages the site answers with; mutable so the demo can edit and delete them between crawls."""

    pages: dict[str, tuple[int, bytes, str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def bundled(cls) -> SitePages:
        pages = {path: (200, _asset(name), ctype) for path, (name, ctype) in ROUTES.items()}
        pages["/robots.txt"] = (200, b"User-agent: *\nAllow: /\n", "text/plain")
        return cls(pages=pages)

    def get(self, path: str) -> tuple[int, bytes, str]:
        with self.lock:
            return self.pages.get(path, (404, b"<html><body><h1>Not Found</h1></body></html>", "text/html"))

    def set(
        self, path: str, status: int, body: bytes, content_type: str = "text/html; charset=utf-8"
    ) -> None:
        with self.lock:
            self.pages[path] = (status, body, content_type)


def _handler(pages: SitePages) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "citewatch-demo/1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            status, body, ctype = pages.get(self.path.split("?", 1)[0])
            compress = "html" in ctype and "gzip" in (self.headers.get("Accept-Encoding") or "")
            payload = gzip.compress(body, mtime=0) if compress else body
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            if compress:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


class DemoSite:
    """Serves the pages on every demo host, on one shared port."""

    def __init__(self, pages: SitePages | None = None) -> None:
        self.pages = pages or SitePages.bundled()
        self._servers: list[http.server.ThreadingHTTPServer] = []
        self.port = 0

    def base(self, name: str) -> str:
        return f"http://{HOSTS[name]}:{self.port}"

    def __enter__(self) -> DemoSite:
        handler = _handler(self.pages)
        for attempt in range(10):
            try:
                self._bind_all(handler)
                break
            except OSError:
                # Port 0 picked a port free on the first address but taken on another: try again.
                self._close_all()
                if attempt == 9:
                    raise
        for server in self._servers:
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def _bind_all(self, handler: type[http.server.BaseHTTPRequestHandler]) -> None:
        self.port = 0
        for address in HOSTS.values():
            server = http.server.ThreadingHTTPServer((address, self.port), handler)
            server.daemon_threads = True
            self.port = server.server_address[1]
            self._servers.append(server)

    def _close_all(self) -> None:
        for server in self._servers:
            server.server_close()
        self._servers = []

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for server in self._servers:
            server.shutdown()
        self._close_all()
