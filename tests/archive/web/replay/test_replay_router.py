"""The replay router over a real SQLite catalog and real WARC files, through FastAPI's TestClient."""

from __future__ import annotations

import gzip
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from archive.catalog import Redirect
from archive.web.replay import CONTENT_SECURITY_POLICY, build_replay_router
from tests.archive.web.replay.replay_archive import ReplayArchive

T1 = datetime(2026, 11, 25, 15, 30, 0, 500000, tzinfo=UTC)
T2 = datetime(2026, 12, 2, 10, 0, 0, 250000, tzinfo=UTC)
TS1, TS2 = "20261125153000", "20261202100000"
PAGE = "http://news.example/statement"
CSS_URL = "http://news.example/static/site.css"
LOGO = "http://news.example/static/logo.png"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def page(version: int) -> bytes:
    return (
        "<!DOCTYPE html><html><head><title>Statement</title>"
        '<link rel="stylesheet" href="/static/site.css"></head><body>'
        f"<p>We will act, version {version}.</p>"
        '<img src="static/logo.png"><a href="https://gov.example/report?x=1">report</a>'
        "</body></html>"
    ).encode()


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[ReplayArchive]:
    a = ReplayArchive.open(tmp_path)
    a.capture(PAGE, T1, page(1), role="article")
    a.capture(
        CSS_URL,
        T1 + timedelta(seconds=2),
        b"body { background: url(logo.png) } /* v1 */",
        content_type="text/css",
    )
    a.capture(LOGO, T1 + timedelta(seconds=3), PNG, content_type="image/png")
    a.capture(PAGE, T2, page(2), role="article")
    a.capture(CSS_URL, T2 + timedelta(seconds=1), b"body { color: red } /* v2 */", content_type="text/css")
    unchanged = b"<html><body><p>Same as ever.</p></body></html>"
    first = a.capture("http://news.example/unchanged", T1, unchanged)
    a.revisit("http://news.example/unchanged", T2, first, T1, unchanged)
    a.capture(
        "http://news.example/gz",
        T1,
        gzip.compress(b"<html><body><p>Decoded body</p></body></html>", mtime=0),
        headers=[
            ("Content-Encoding", "gzip"),
            ("Set-Cookie", "tracker=archived-secret; Path=/"),
            ("Content-Security-Policy", "default-src *"),
            ("Strict-Transport-Security", "max-age=31536000"),
            ("Transfer-Encoding", "chunked"),
            ("Content-Length", "999"),
            ("X-Frame-Options", "DENY"),
            ("Access-Control-Allow-Origin", "*"),
            ("Content-Language", "fr"),
        ],
    )
    a.capture(
        "http://news.example/old",
        T1,
        b"",
        content_type=None,
        status=301,
        headers=[("Location", "/statement")],
    )
    a.capture(
        "http://news.example/moved",
        T1,
        b"<html><body>new home</body></html>",
        final_url="http://news.example/new-home",
        redirects=(Redirect("http://news.example/moved", 308),),
    )
    a.capture("http://news.example/search?q=a+b&page=2", T1, b"<html><body>results</body></html>")
    a.capture("https://news.example/section/", T1, b"<html><body>section</body></html>")
    a.capture("http://news.example/flaky", T1, b"<html><body>up</body></html>")
    a.capture("http://news.example/flaky", T2, b"<html><body>gone</body></html>", status=404)
    a.writer.close()
    yield a
    a.catalog.close()


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Any outbound connection attempt is recorded and refused."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError(f"test forbids network access to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


@pytest.fixture
def client(archive: ReplayArchive, no_network: list[Any]) -> TestClient:
    app = FastAPI()
    app.include_router(build_replay_router(engine=archive.catalog.engine, read_record=archive.read_record))
    return TestClient(app, follow_redirects=False)


def body_text(response: Any) -> str:
    return str(lxml.html.document_fromstring(response.text).text_content())


def test_page_at_t1_is_version_1_with_rewritten_links(client: TestClient) -> None:
    r = client.get(f"/replay/{TS1}/{PAGE}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert "version 1" in r.text
    doc = lxml.html.document_fromstring(r.text)
    assert doc.find(".//link").get("href") == f"/replay/{TS1}/{CSS_URL}"
    assert doc.find(".//img").get("src") == f"/replay/{TS1}/{LOGO}"
    assert doc.find(".//a").get("href") == f"/replay/{TS1}/https://gov.example/report?x=1"
    assert r.headers["memento-datetime"] == "Wed, 25 Nov 2026 15:30:00 GMT"
    # Mounted at the root with no public base URL: the Memento links are relative to the server.
    assert r.headers["link"] == (
        f'<{PAGE}>; rel="original", </timegate/{PAGE}>; rel="timegate", '
        f'</timemap/link/{PAGE}>; rel="timemap"; type="application/link-format", '
        f'</replay/{TS1}/{PAGE}>; rel="memento"; datetime="Wed, 25 Nov 2026 15:30:00 GMT"'
    )


def test_requisites_are_found_by_closest_time(client: TestClient) -> None:
    css = client.get(f"/replay/{TS1}/{CSS_URL}")
    assert css.status_code == 200 and "/* v1 */" in css.text
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert f"url(/replay/{TS1}/{LOGO})" in css.text
    logo = client.get(f"/replay/{TS1}/{LOGO}")
    assert logo.status_code == 200 and logo.content == PNG
    assert logo.headers["content-type"] == "image/png"
    assert "/* v2 */" in client.get(f"/replay/{TS2}/{CSS_URL}").text


def test_page_at_t2_and_closest_in_time(client: TestClient) -> None:
    assert "version 2" in client.get(f"/replay/{TS2}/{PAGE}").text
    assert "version 2" in client.get(f"/replay/20261201000000/{PAGE}").text  # closer to T2, before it
    assert "version 1" in client.get(f"/replay/20261126000000/{PAGE}").text  # closer to T1, after it
    assert "version 1" in client.get(f"/replay/19990101000000/{PAGE}").text  # before anything
    assert "version 2" in client.get(f"/replay/20991231235959/{PAGE}").text  # after everything
    links = lxml.html.document_fromstring(client.get(f"/replay/20261201000000/{PAGE}").text)
    # Links carry the timestamp of the capture served, so its requisites are the ones fetched with it.
    assert links.find(".//link").get("href") == f"/replay/{TS2}/{CSS_URL}"


def test_revisit_serves_the_original_payload(client: TestClient) -> None:
    r = client.get(f"/replay/{TS2}/http://news.example/unchanged")
    assert r.status_code == 200
    assert "Same as ever." in r.text
    assert r.headers["memento-datetime"] == "Wed, 02 Dec 2026 10:00:00 GMT"


def test_gzip_body_is_served_decoded_and_hostile_headers_are_dropped(client: TestClient) -> None:
    r = client.get(f"/replay/{TS1}/http://news.example/gz", headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200
    assert "Decoded body" in body_text(r)
    assert "set-cookie" not in r.headers
    assert "archived-secret" not in str(r.headers)
    assert "strict-transport-security" not in r.headers
    assert "content-encoding" not in r.headers
    assert "transfer-encoding" not in r.headers
    assert "x-frame-options" not in r.headers
    assert "access-control-allow-origin" not in r.headers
    assert r.headers["content-length"] == str(len(r.content))
    assert r.headers.get_list("content-security-policy") == [CONTENT_SECURITY_POLICY]
    assert r.headers["content-language"] == "fr"
    assert r.cookies == {}


@pytest.mark.parametrize(
    "path",
    [f"/replay/{TS1}/{PAGE}", f"/replay/{TS1}/{LOGO}", "/replay/20260101000000/http://nowhere.example/"],
)
def test_security_headers_on_every_reply(client: TestClient, path: str) -> None:
    r = client.get(path)
    # Without scripts by default: no allow-scripts in the sandbox, and no script source allowed.
    assert r.headers["content-security-policy"] == (
        "sandbox allow-forms; script-src 'none'; "
        "default-src 'self' data: blob: 'unsafe-inline' 'unsafe-eval'; connect-src 'none'; "
        "form-action 'none'; frame-ancestors 'self'; base-uri 'none'"
    )
    assert r.headers["vary"] == "Sec-Fetch-Dest"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["cache-control"].startswith("private, ")


def test_capture_cache_control(client: TestClient) -> None:
    assert client.get(f"/replay/{TS1}/{PAGE}").headers["cache-control"] == "private, max-age=3600"


def test_unknown_url_is_a_404_page_without_any_live_fetch(
    client: TestClient, archive: ReplayArchive, no_network: list[Any]
) -> None:
    reads = archive.reads
    r = client.get(f"/replay/{TS1}/http://never-archived.example/page?x=1")
    assert r.status_code == 404
    assert "location" not in r.headers
    assert "http://never-archived.example/page?x=1 is not in the archive" in body_text(r)
    assert "<script" not in r.text
    assert no_network == []
    assert archive.reads == reads


def test_archived_redirect_keeps_its_status_in_replay_space(client: TestClient) -> None:
    r = client.get(f"/replay/{TS1}/http://news.example/old")
    assert r.status_code == 301
    assert r.headers["location"] == f"/replay/{TS1}/http://news.example/statement"


def test_followed_redirect_sends_the_browser_to_the_final_url(client: TestClient) -> None:
    r = client.get(f"/replay/{TS1}/http://news.example/moved")
    assert r.status_code == 308
    assert r.headers["location"] == f"/replay/{TS1}/http://news.example/new-home"
    final = client.get(r.headers["location"])
    assert final.status_code == 200 and "new home" in final.text


def test_query_string_is_part_of_the_archived_url(client: TestClient) -> None:
    assert "results" in client.get(f"/replay/{TS1}/http://news.example/search?q=a+b&page=2").text
    assert client.get(f"/replay/{TS1}/http://news.example/search?q=other").status_code == 404


def test_scheme_and_trailing_slash_variants(client: TestClient) -> None:
    for url in (
        "http://news.example/section",
        "https://news.example/section",
        "http://NEWS.example/section/",
    ):
        r = client.get(f"/replay/{TS1}/{url}")
        assert r.status_code == 200 and "section" in r.text, url


def test_successful_captures_are_preferred_unless_the_exact_second_is_asked(client: TestClient) -> None:
    near_t2 = client.get("/replay/20261202095900/http://news.example/flaky")
    assert near_t2.status_code == 200 and "up" in near_t2.text
    exact = client.get(f"/replay/{TS2}/http://news.example/flaky")
    assert exact.status_code == 404 and "gone" in exact.text  # the archived 404 is the evidence


def test_invalid_timestamp_is_a_400(client: TestClient) -> None:
    assert client.get(f"/replay/2026/{PAGE}").status_code == 400
    assert client.get(f"/replay/20261345000000/{PAGE}").status_code == 400


def test_missing_warc_is_a_503(archive: ReplayArchive, no_network: list[Any]) -> None:
    app = FastAPI()
    app.include_router(build_replay_router(engine=archive.catalog.engine, read_record=lambda row: None))
    r = TestClient(app).get(f"/replay/{TS1}/{PAGE}")
    assert r.status_code == 503
    assert "neither in the spool nor in the store" in r.text


def test_router_mounted_below_a_prefix_links_below_it(archive: ReplayArchive, no_network: list[Any]) -> None:
    app = FastAPI()
    router = build_replay_router(engine=archive.catalog.engine, read_record=archive.read_record)
    app.include_router(router, prefix="/ui")
    r = TestClient(app).get(f"/ui/replay/{TS1}/{PAGE}")
    assert r.status_code == 200
    assert lxml.html.document_fromstring(r.text).find(".//img").get("src") == f"/ui/replay/{TS1}/{LOGO}"
