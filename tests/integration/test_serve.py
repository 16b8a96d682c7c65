"""`citewatch serve` as a real process on loopback, under hostile clients: huge uploads without a
token, half-open connections (slowloris), one client holding many connections, a weak admin token."""

from __future__ import annotations

import http.client
import json
import resource
import selectors
import socket
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.site import TestSite, free_port
from tests.integration.conftest import Citewatch, Served, serving

TOKEN = "a-long-enough-operator-token"
MB = 1024 * 1024


@pytest.fixture
def served(cw: Citewatch) -> Iterator[Served]:
    with serving(cw, CITEWATCH_ADMIN_TOKEN=TOKEN, CITEWATCH_UI_REQUEST_TIMEOUT="2") as server:
        yield server


def _post(port: int, head: bytes, body: bytes) -> tuple[bytes, int]:
    """Send ``head``, then ``body`` as fast as the server takes it, until the server answers or
    hangs up; returns (its status line, how many body bytes it took)."""
    sent, reply = 0, b""
    view = memoryview(body)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(head)
        conn.settimeout(0.05)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and b"\r\n" not in reply:
            try:
                if sent < len(body):
                    sent += conn.send(view[sent : sent + MB])
            except TimeoutError:
                pass
            except (BrokenPipeError, ConnectionResetError):
                sent = len(body)  # hung up: nothing more to send, read what it answered
            try:
                more = conn.recv(65536)
            except TimeoutError:
                continue
            except ConnectionResetError:
                break
            if not more:
                break
            reply += more
    return reply.split(b"\r\n", 1)[0], sent


def test_an_unauthenticated_upload_is_refused_without_being_read(served: Served) -> None:
    assert served.get("/")[0] == 200
    before = served.memory_kb("VmHWM")
    size = 100 * MB
    boundary = b"citewatchboundary"
    # What `curl -F url=@big.bin` sends: one file part, then the closing boundary.
    part = b"--" + boundary + b'\r\nContent-Disposition: form-data; name="url"; filename="big.bin"\r\n\r\n'
    upload = b"\0" * size + b"\r\n--" + boundary + b"--\r\n"
    multipart = (
        b"POST /articles HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: multipart/form-data; boundary=" + boundary + b"\r\n"
        b"Content-Length: " + str(len(part) + len(upload)).encode() + b"\r\n\r\n" + part
    )
    chunked = (
        b"POST /articles HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
    )
    frame = f"{MB:x}\r\n".encode() + b"x" * MB + b"\r\n"
    results = []
    for head, body in ((multipart, upload), (chunked, frame * (size // MB) + b"0\r\n\r\n")):
        started = time.monotonic()
        status, sent = _post(served.port, head, body)
        results.append((status, sent, time.monotonic() - started))
    peak = served.memory_kb("VmHWM")
    # The server's own footprint (Python, FastAPI, the catalog) is ~160 MB; parsing the upload
    # before checking the token took it to ~1 GB.
    assert peak - before < 40 * 1024, f"peak RSS grew by {(peak - before) / 1024:.0f} MB"
    for status, sent, elapsed in results:
        assert sent < size / 2, f"the server took {sent / MB:.0f} MB of a body it refused"
        assert status.startswith(b"HTTP/1.1 413"), status
        assert elapsed < 10, elapsed
    assert served.get("/")[0] == 200


HALF_REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Never-Finished: "
# What a client past its cap of connections gets (citewatch/server.py), before it sends anything.
REFUSED = b"HTTP/1.1 503 Service Unavailable"


def _allow_open_files(count: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 500), hard))


def _connect(port: int, source: str) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))


def _get_from(served: Served, source: str, path: str) -> int:
    """The status of ``GET path`` sent from the address ``source``."""
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=5, source_address=(source, 0))
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_half_open_connections_neither_block_the_ui_nor_stay(served: Served) -> None:
    count = 500
    _allow_open_files(count)
    held: list[socket.socket] = []
    try:
        # Five clients, each holding as many connections as it may (the default cap, 100).
        for n in range(count):
            conn = _connect(served.port, f"127.0.0.{10 + n // 100}")
            conn.sendall(HALF_REQUEST)
            held.append(conn)
        started = time.monotonic()
        status, page = served.get("/articles", timeout=5)
        assert status == 200 and b"Articles" in page
        assert time.monotonic() - started < 3
        # The request deadline (CITEWATCH_UI_REQUEST_TIMEOUT=2 here) ends every one of them.
        still_open = set(held)
        with selectors.DefaultSelector() as selector:
            for conn in held:
                selector.register(conn, selectors.EVENT_READ)
            deadline = time.monotonic() + 6
            while still_open and time.monotonic() < deadline:
                for key, _ in selector.select(timeout=0.5):
                    conn = key.fileobj
                    assert isinstance(conn, socket.socket)
                    try:
                        ended = conn.recv(1024, socket.MSG_DONTWAIT) == b""
                    except ConnectionResetError:
                        ended = True
                    if ended:
                        still_open.discard(conn)
                        selector.unregister(conn)
        closed = count - len(still_open)
        assert closed == count, f"{count - closed} half-open connections still held after the deadline"
        assert served.get("/")[0] == 200
    finally:
        for conn in held:
            conn.close()


def test_one_client_holding_connections_does_not_shut_out_another(cw: Citewatch) -> None:
    """With the default limits (1,000 connections, 100 per client), one client opening more half-open
    connections than the whole server takes leaves room for everyone else."""
    count = 1100
    _allow_open_files(count)
    held: list[socket.socket] = []
    # A long deadline: the cap, not the deadline, is what must keep the server open to others.
    with serving(cw, CITEWATCH_UI_REQUEST_TIMEOUT="120") as served:
        try:
            for _ in range(count):
                held.append(_connect(served.port, "127.0.0.2"))
            answers = _answers_within(held, seconds=5, expected=count - 100)
            for conn in held:
                if conn not in answers:
                    conn.sendall(HALF_REQUEST)
            started = time.monotonic()
            assert _get_from(served, "127.0.0.3", "/articles") == 200
            assert time.monotonic() - started < 3
            # The client past its cap was told why, at once, and kept exactly its cap.
            assert len(answers) == count - 100, len(answers)
            for answer in answers.values():
                assert answer.startswith(REFUSED + b"\r\n"), answer[:200]
                assert b"too many connections from your address (at most 100 at once)" in answer
            assert _get_from(served, "127.0.0.2", "/") == 503
            for conn in held:
                conn.close()
            held.clear()
            # Its closed connections are forgotten: it is served again.
            deadline = time.monotonic() + 5
            while _get_from(served, "127.0.0.2", "/") != 200:
                assert time.monotonic() < deadline, "the client's closed connections still count"
                time.sleep(0.1)
        finally:
            for conn in held:
                conn.close()


def _answers_within(
    conns: list[socket.socket], *, seconds: float, expected: int
) -> dict[socket.socket, bytes]:
    """What the server sent, then hung up, on each of ``conns`` that it ended within ``seconds``
    (stops early once ``expected`` of them ended)."""
    answers: dict[socket.socket, bytes] = {}
    received: dict[socket.socket, bytes] = {}
    with selectors.DefaultSelector() as selector:
        for conn in conns:
            selector.register(conn, selectors.EVENT_READ)
        deadline = time.monotonic() + seconds
        while len(answers) < expected and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=0.2):
                conn = key.fileobj
                assert isinstance(conn, socket.socket)
                try:
                    data = conn.recv(65536, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    continue
                except ConnectionResetError:
                    data = b""
                if data:
                    received[conn] = received.get(conn, b"") + data
                else:
                    answers[conn] = received.pop(conn, b"")
                    selector.unregister(conn)
    return answers


def test_a_nul_in_the_url_is_refused_by_every_part_of_the_served_app(served: Served) -> None:
    """The refusal is the app's (archive/web/nul.py): replay, included by citewatch's wiring, too."""
    for path in ("/articles?q=%00", "/api/articles?q=%00", "/replay/20261120090000/http://a.example/%00"):
        connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=5)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read().decode()
        finally:
            connection.close()
        assert response.status == 400, (path, response.status)
        assert "the URL holds a NUL character" in body, path


@pytest.mark.parametrize("weak", ["   "])  # shorter ones: tests/archive/web/test_web_actions.py
def test_serve_refuses_a_weak_admin_token(cw: Citewatch, weak: str) -> None:
    cw.env["CITEWATCH_ADMIN_TOKEN"] = weak
    proc = cw.run("serve", "--port", str(free_port()), check=False, timeout=60)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "CITEWATCH_ADMIN_TOKEN is too short" in lines[0] and "at least 16" in lines[0]
    assert "unset it" in lines[0]


def _ingest_children(pid: int) -> int:
    """How many `citewatch ingest` processes ``pid`` has started and that are still alive."""
    count = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z" and b"ingest" in cmdline:
            count += 1
    return count


def test_ui_ingests_run_a_few_at_once_and_all_finish(cw: Citewatch, site: TestSite) -> None:
    site.robots_txt = "User-agent: *\nAllow: /\n"
    urls = [site.url(f"/slow?delay=1&n={n}") for n in range(3)]  # N=2 at once, k=1 waiting
    with serving(cw, CITEWATCH_ADMIN_TOKEN=TOKEN, CITEWATCH_UI_INGEST_CONCURRENCY="2") as served:
        for url in urls:
            request = urllib.request.Request(
                served.url + "/articles",
                data=urllib.parse.urlencode({"url": url}).encode(),
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200
        most_processes = most_running = 0
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            processes = _ingest_children(served.proc.pid)
            assert processes <= 2, f"{processes} ingest processes at once"
            most_processes = max(most_processes, processes)
            jobs = json.loads(served.get("/api/ingests")[1])
            most_running = max(most_running, sum(j["state"] == "running" for j in jobs))
            if len(jobs) == len(urls) and all(j["state"] in ("done", "failed") for j in jobs):
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"the ingests did not all finish: {jobs}")
        assert most_processes == 2, most_processes
        assert most_running == 2, most_running
        assert sorted(j["url"] for j in jobs) == sorted(urls)
        assert all(j["last_line"] and j["finished_at"] for j in jobs), jobs
        page = served.get("/articles")[1].decode()
        assert page.count('class="ingest ingest-') == len(urls)
        assert len(site.requests_for("/slow")) >= len(urls)  # every ingest fetched its article
