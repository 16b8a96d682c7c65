"""A fast local web site with a chosen server latency: many loopback "hosts", one port, keep-alive.

The crawl benchmark needs a site that is never the bottleneck: plain Scrapy fetches hundreds of pages a
second here, and the site shares the machine's two cores with the crawler it measures.  So it is one
asyncio event loop in its own thread (no thread per connection, no `http.server` per-request overhead),
answering HTTP/1.1 with keep-alive from bytes built once at start.  A response is sent ``latency``
seconds after its request arrives (``loop.call_later``), the way a real server's think time and
network round trip delay it, without holding a thread.  ``latency`` can be changed between runs.

Only loopback addresses are served (127.0.0.0/8).  Each host is a separate "domain" to the crawlers
(Scrapy keys its per-domain slots by host name), all on one shared port.  Pages are at
``/news/N`` (N = 1 … pages_per_host), ~20 kB of prose each (``prose.py``); ``/robots.txt`` allows
everything; anything else is a 404.  Bodies are sent uncompressed, whatever ``Accept-Encoding`` says,
so every client downloads the same bytes.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import socket
import threading
import time
from collections.abc import Sequence
from email.utils import formatdate
from types import TracebackType

from benchmarks.prose import page_html

ROBOTS_TXT = b"User-agent: *\nDisallow:\n"
NOT_FOUND = (
    b"<!DOCTYPE html>\n<html><head><title>Not found</title></head><body><h1>Not found</h1></body></html>\n"
)
MAX_HEADER_BYTES = 64 * 1024


def hosts_for(count: int) -> tuple[str, ...]:
    """``count`` loopback addresses, 127.0.0.1 upwards (at most 254)."""
    if not 1 <= count <= 254:
        raise ValueError("between 1 and 254 hosts")
    return tuple(f"127.0.0.{i}" for i in range(1, count + 1))


def _response(status: str, content_type: str, body: bytes, date: str) -> tuple[bytes, bytes]:
    head = (
        f"HTTP/1.1 {status}\r\nDate: {date}\r\nServer: citewatch-bench\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        "Cache-Control: max-age=300\r\n"
    ).encode("ascii")
    return head, body


class _Connection(asyncio.Protocol):
    def __init__(self, site: LatencySite) -> None:
        self._site = site
        self._buffer = b""
        self._transport: asyncio.Transport | None = None
        self._closing = False
        self._host = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        # The address the client dialled picks the page set: each address is a different "domain".
        self._host = str(transport.get_extra_info("sockname")[0])
        self._site.connections += 1

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while not self._closing:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > MAX_HEADER_BYTES:
                    self._close()
                return
            head, self._buffer = self._buffer[:end], self._buffer[end + 4 :]
            self._answer(head)

    def _answer(self, head: bytes) -> None:
        lines = head.split(b"\r\n")
        try:
            method, target, version = lines[0].decode("latin-1").split(" ", 2)
        except ValueError:
            self._close()
            return
        keep_alive = version == "HTTP/1.1"
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"connection":
                token = value.strip().lower()
                keep_alive = token == b"keep-alive" or (keep_alive and token != b"close")
        site = self._site
        site.requests += 1
        path = target.split("?", 1)[0]
        status, body = site.lookup(self._host, path)
        if status.startswith("200") and path != "/robots.txt":
            site.pages_served += 1
        head_bytes, payload = site.response(status, path, body)
        out = head_bytes + (b"Connection: keep-alive\r\n\r\n" if keep_alive else b"Connection: close\r\n\r\n")
        if method != "HEAD":
            out += payload
        if not keep_alive:
            self._closing = True
        if site.latency > 0:
            asyncio.get_running_loop().call_later(site.latency, self._send, out, keep_alive)
        else:
            self._send(out, keep_alive)

    def _send(self, out: bytes, keep_alive: bool) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        transport.write(out)
        if not keep_alive:
            transport.close()

    def _close(self) -> None:
        self._closing = True
        if self._transport is not None:
            self._transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None


class LatencySite:
    """``pages_per_host`` pages on each of ``hosts``, one port, answered after ``latency`` seconds.

    ``requests`` (all requests) and ``pages_served`` (200 answers for pages) only grow; read them
    before and after a run.  ``cpu_seconds()`` is the CPU the server thread has used so far.
    """

    def __init__(
        self, hosts: Sequence[str], pages_per_host: int, *, latency: float = 0.0, seed: int = 8
    ) -> None:
        for host in hosts:
            if not ipaddress.ip_address(host).is_loopback:
                raise ValueError(f"{host} is not a loopback address; the benchmark serves loopback only")
        self.hosts = tuple(hosts)
        self.pages_per_host = pages_per_host
        self.latency = latency
        self.port = 0
        self.requests = 0
        self.pages_served = 0
        self.connections = 0
        paths = [self.page_path(n) for n in range(1, pages_per_host + 1)]
        # The same page set on every host would let a cache or dedup hide work: make each host's differ.
        self._pages = {
            host: {path: page_html(f"Site {i}", paths, n, seed) for n, path in enumerate(paths, 1)}
            for i, host in enumerate(self.hosts, 1)
        }
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.Server] = []
        self._date = ""
        self._date_at = 0
        self._cache: dict[str, bytes] = {}

    @staticmethod
    def page_path(n: int) -> str:
        return f"/news/{n}"

    def urls(self) -> list[str]:
        """Every page URL, host-interleaved (page 1 of every host, then page 2, …)."""
        return [
            f"http://{host}:{self.port}{self.page_path(n)}"
            for n in range(1, self.pages_per_host + 1)
            for host in self.hosts
        ]

    @property
    def page_bytes(self) -> int:
        return sum(len(b) for pages in self._pages.values() for b in pages.values())

    # -- serving (event-loop thread) ------------------------------------------------------------

    def lookup(self, host: str, path: str) -> tuple[str, bytes]:
        if path == "/robots.txt":
            return "200 OK", ROBOTS_TXT
        body = self._pages[host].get(path)
        return ("200 OK", body) if body is not None else ("404 Not Found", NOT_FOUND)

    def response(self, status: str, path: str, body: bytes) -> tuple[bytes, bytes]:
        now = int(time.time())
        if now != self._date_at:
            self._date_at, self._date = now, formatdate(now, usegmt=True)
            self._cache.clear()
        key = f"{status}|{path}|{len(body)}"
        head = self._cache.get(key)
        if head is None:
            kind = "text/plain; charset=utf-8" if path == "/robots.txt" else "text/html; charset=utf-8"
            head = self._cache[key] = _response(status, kind, body, self._date)[0]
        return head, body

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> LatencySite:
        ready = threading.Event()
        errors: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._bind())
            except BaseException as exc:  # reported to start()'s caller, not lost in the thread
                errors.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            for server in self._servers:
                server.close()
            loop.run_until_complete(asyncio.gather(*(s.wait_closed() for s in self._servers)))
            loop.close()

        self._thread = threading.Thread(target=serve, name="latency-site", daemon=True)
        self._thread.start()
        ready.wait()
        if errors:
            raise errors[0]
        return self

    async def _bind(self) -> None:
        loop = asyncio.get_running_loop()
        for _attempt in range(50):
            servers: list[asyncio.Server] = []
            port = 0
            try:
                for host in self.hosts:
                    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    try:
                        sock.bind((host, port))
                    except OSError:
                        sock.close()
                        raise
                    port = sock.getsockname()[1]
                    sock.listen(1024)
                    servers.append(await loop.create_server(lambda: _Connection(self), sock=sock))
            except OSError as exc:
                for server in servers:
                    server.close()
                if exc.errno != errno.EADDRINUSE:
                    raise
                continue
            self._servers, self.port = servers, port
            return
        raise OSError(errno.EADDRINUSE, "no port free on every benchmark host")

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        self._loop = self._thread = None

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the serving thread has used since it started."""
        if self._thread is None or self._thread.ident is None:
            return 0.0
        return time.clock_gettime(time.pthread_getcpuclockid(self._thread.ident))

    def __enter__(self) -> LatencySite:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
