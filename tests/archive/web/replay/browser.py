"""What the replay browser tests share: Debian's chromium, an app served by uvicorn in a thread,
and loopback servers standing for the live web (HTTP and UDP) that count what reaches them."""

from __future__ import annotations

import socket
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class UvicornThread:
    """An ASGI app served by uvicorn on a free loopback port, in a thread."""

    def __init__(self, app: FastAPI, host: str = "127.0.0.1") -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind((host, 0))
        self.url = f"http://{host}:{self._socket.getsockname()[1]}"
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def __enter__(self) -> UvicornThread:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start within 10 s")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._socket.close()


class CountingServer(ThreadingHTTPServer):
    """Stands for the live web: answers everything, counts every request.

    ``pages`` maps a path to the HTML served there (a page on another site); anything else is "ok".
    """

    def __init__(self, host: str) -> None:
        super().__init__((host, 0), LiveHandler)
        self.hits: list[str] = []
        self.pages: dict[str, str] = {}
        self.url = f"http://{host}:{self.server_address[1]}"


class LiveHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        assert isinstance(self.server, CountingServer)
        self.server.hits.append(self.path)
        page = self.server.pages.get(self.path)
        body = b"ok" if page is None else page.encode()
        self.send_response(200)
        self.send_header("Access-Control-Allow-Origin", "*")
        if page is not None:
            self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve_counting(host: str) -> Iterator[CountingServer]:
    """A `CountingServer` on ``host`` for the length of a fixture."""
    server = CountingServer(host)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(10)


class UdpListener:
    """A UDP socket on loopback that records every datagram (a STUN server an archived page names)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind((host, 0))
        self._socket.settimeout(0.1)
        self.host, self.port = host, int(self._socket.getsockname()[1])
        self.packets: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, daemon=True)

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                data, _ = self._socket.recvfrom(65536)
            except TimeoutError:
                continue
            self.packets.append(data)

    def wait_for_packets(self, timeout: float) -> bool:
        """Whether a packet arrived within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not self.packets and time.monotonic() < deadline:
            time.sleep(0.05)
        return bool(self.packets)

    def __enter__(self) -> UdpListener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._socket.close()


def launch_chromium() -> Iterator[Any]:
    """A headless chromium for the length of a fixture; the test is skipped, loudly, without one."""
    if not CHROMIUM.exists():
        pytest.skip(f"!!! BROWSER TEST SKIPPED: {CHROMIUM} is missing (apt-get install chromium) !!!")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def tiny_png() -> bytes:
    """A valid 1x1 PNG, so the test can tell an image that loaded from one that did not."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
