"""Memento out (RFC 7089) over a real SQLite catalog and real WARC files, through FastAPI's TestClient:
TimeMaps, TimeGates and the Memento headers of replayed captures.  (A real Memento client walks them
against `citewatch serve` in tests/integration/test_memento_out.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from archive.catalog import CaptureRecord, Redirect, open_catalog
from archive.links.linkformat import Link, parse_links
from archive.links.memento import http_date, memento_url, timegate_url, timemap_url
from archive.web.app import create_app
from archive.web.memento import Memento
from archive.web.replay import build_replay_router
from archive.web.replay.mementos import MementoIndex
from tests.archive.catalog.backends import BACKENDS, empty_db_url
from tests.archive.web.replay.replay_archive import ReplayArchive

BASE = "http://archive.test/cw/"
T1 = datetime(2026, 11, 25, 15, 30, 0, 500000, tzinfo=UTC)
T2 = datetime(2026, 12, 2, 10, 0, 0, 250000, tzinfo=UTC)
T3 = datetime(2026, 12, 9, 8, 0, 0, tzinfo=UTC)
TS1, TS2, TS3 = "20261125153000", "20261202100000", "20261209080000"
PAGE = "http://news.example/statement"
NOW = datetime(2027, 1, 1, tzinfo=UTC)


def html(text: str) -> bytes:
    return f"<html><body><p>{text}</p></body></html>".encode()


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReplayArchive]:
    # Written once for the module: every test here only reads it.
    a = ReplayArchive.open(tmp_path_factory.mktemp("memento"))
    a.capture(PAGE, T1, html("version 1"), role="article")
    first = a.capture("http://news.example/same", T1, html("same"))
    a.revisit("http://news.example/same", T2, first, T1, html("same"))
    a.capture(PAGE, T2, html("version 2"), role="article")
    a.capture(PAGE, T3, html("gone"), status=404, role="article")
    # A fetch failure is archived evidence, but replays nothing: no memento.
    a.catalog.record_capture(
        CaptureRecord(
            role="article",
            url=PAGE,
            captured_at=T3 + timedelta(days=1),
            record_type="metadata",
            error_kind="dns",
        )
    )
    a.capture(
        "http://news.example/moved",
        T1,
        html("new home"),
        final_url="http://news.example/new-home",
        redirects=(Redirect("http://news.example/moved", 301),),
    )
    a.capture("http://news.example/search?q=a+b&page=2", T1, html("results"))
    a.writer.close()
    yield a
    a.catalog.close()


@pytest.fixture(scope="module")
def client(archive: ReplayArchive) -> TestClient:
    app = create_app(
        catalog=archive.catalog,
        read_record=lambda location: None,
        admin_token=None,
        clock=lambda: NOW,
        base_url=BASE,
        allowed_hosts=["testserver"],
    )
    app.include_router(
        build_replay_router(engine=archive.catalog.engine, read_record=archive.read_record, base_url=BASE)
    )
    return TestClient(app, follow_redirects=False)


def by_rel(links: list[Link]) -> dict[str, list[Link]]:
    out: dict[str, list[Link]] = {}
    for link in links:
        for rel in link.rels:
            out.setdefault(rel, []).append(link)
    return out


def test_the_timemap_lists_every_memento_with_its_datetime(client: TestClient) -> None:
    r = client.get(f"/timemap/link/{PAGE}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/link-format"
    links = parse_links(r.text)
    rels = by_rel(links)
    assert [link.uri for link in rels["original"]] == [PAGE]
    assert [link.uri for link in rels["timegate"]] == [f"{BASE}timegate/{PAGE}"]
    [own] = rels["self"]
    assert own.uri == f"{BASE}timemap/link/{PAGE}" and own.param("type") == "application/link-format"
    assert own.param("from") == "Wed, 25 Nov 2026 15:30:00 GMT"
    assert own.param("until") == http_date(T3)
    # The 404 is a memento (it is what the page answered then); the DNS failure is not.
    assert [(link.uri, link.param("datetime")) for link in rels["memento"]] == [
        (f"{BASE}replay/{TS1}/{PAGE}", "Wed, 25 Nov 2026 15:30:00 GMT"),
        (f"{BASE}replay/{TS2}/{PAGE}", "Wed, 02 Dec 2026 10:00:00 GMT"),
        (f"{BASE}replay/{TS3}/{PAGE}", http_date(T3)),
    ]
    assert [link.uri for link in rels["first"]] == [f"{BASE}replay/{TS1}/{PAGE}"]
    assert [link.uri for link in rels["last"]] == [f"{BASE}replay/{TS3}/{PAGE}"]
    assert client.head(f"/timemap/link/{PAGE}").status_code == 200


def test_the_json_timemap_lists_the_same_mementos(client: TestClient) -> None:
    r = client.get(f"/timemap/json/{PAGE}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    document = r.json()
    assert document["original_uri"] == PAGE
    assert document["timegate_uri"] == f"{BASE}timegate/{PAGE}"
    assert document["timemap_uri"] == {
        "link_format": f"{BASE}timemap/link/{PAGE}",
        "json_format": f"{BASE}timemap/json/{PAGE}",
    }
    listed = [(m["uri"], m["datetime"]) for m in document["mementos"]["list"]]
    assert listed == [
        (f"{BASE}replay/{TS1}/{PAGE}", "2026-11-25T15:30:00Z"),
        (f"{BASE}replay/{TS2}/{PAGE}", "2026-12-02T10:00:00Z"),
        (f"{BASE}replay/{TS3}/{PAGE}", "2026-12-09T08:00:00Z"),
    ]
    assert document["mementos"]["first"] == document["mementos"]["list"][0]
    assert document["mementos"]["last"] == document["mementos"]["list"][-1]
    assert client.get("/timemap/json/http://news.example/never").status_code == 404


def test_revisits_and_redirected_fetches_are_mementos_of_their_url(client: TestClient) -> None:
    same = by_rel(parse_links(client.get("/timemap/link/http://news.example/same").text))
    assert [link.uri for link in same["memento"]] == [
        f"{BASE}replay/{TS1}/http://news.example/same",
        f"{BASE}replay/{TS2}/http://news.example/same",
    ]
    for url in ("http://news.example/moved", "http://news.example/new-home"):
        [only] = by_rel(parse_links(client.get(f"/timemap/link/{url}").text))["memento"]
        assert only.uri == f"{BASE}replay/{TS1}/{url}" and only.rels == ("first", "last", "memento")


def test_urls_are_looked_up_as_replay_does(client: TestClient) -> None:
    # The query string is part of the URL; https and a trailing slash fall back to what was captured.
    search = "http://news.example/search?q=a+b&page=2"
    [found] = by_rel(parse_links(client.get(f"/timemap/link/{search}").text))["memento"]
    assert found.uri == f"{BASE}replay/{TS1}/{search}"
    variant = by_rel(parse_links(client.get("/timemap/link/https://news.example/statement/").text))
    assert variant["original"][0].uri == PAGE and len(variant["memento"]) == 3
    for path in ("/timemap/link/http://news.example/never", "/timegate/http://news.example/never"):
        r = client.get(path, headers={"accept": "application/json"})
        assert r.status_code == 404 and "no memento of http://news.example/never" in r.json()["detail"]


@pytest.mark.parametrize(
    ("accept_datetime", "expected"),
    [
        ("Thu, 26 Nov 2026 00:00:00 GMT", TS1),
        ("Wed, 02 Dec 2026 09:00:00 GMT", TS2),
        ("Mon, 01 Jan 1990 00:00:00 GMT", TS1),
        (None, TS2),  # newest: the 404 of T3 is closer to "now", but replay prefers a page that answered
    ],
)
def test_the_timegate_redirects_to_the_closest_memento(
    client: TestClient, accept_datetime: str | None, expected: str
) -> None:
    headers = {"Accept-Datetime": accept_datetime} if accept_datetime else {}
    r = client.get(f"/timegate/{PAGE}", headers=headers)
    assert r.status_code == 302
    assert r.headers["location"] == f"{BASE}replay/{expected}/{PAGE}"
    assert r.headers["vary"] == "accept-datetime"
    assert "memento-datetime" not in r.headers
    rels = by_rel(parse_links(r.headers["link"]))
    assert rels["original"][0].uri == PAGE
    assert rels["timemap"][0].uri == f"{BASE}timemap/link/{PAGE}"
    assert rels["first"][0].uri == f"{BASE}replay/{TS1}/{PAGE}"
    assert rels["last"][0].uri == f"{BASE}replay/{TS3}/{PAGE}"
    assert r.headers["location"] in {link.uri for link in rels["memento"]}
    if expected == TS2:
        assert rels["prev"][0].uri == f"{BASE}replay/{TS1}/{PAGE}"
        assert rels["next"][0].uri == f"{BASE}replay/{TS3}/{PAGE}"
    else:
        assert "prev" not in rels and rels["next"][0].uri == f"{BASE}replay/{TS2}/{PAGE}"
        assert rels["first"][0].rels == ("first", "memento")
    assert client.head(f"/timegate/{PAGE}", headers=headers).headers["location"] == r.headers["location"]


@pytest.mark.parametrize("value", ["yesterday", "2026-11-25T15:30:00Z", "Wed, 99 Nov 2026 15:30:00 GMT"])
def test_a_bad_accept_datetime_is_refused_with_what_to_send(client: TestClient, value: str) -> None:
    r = client.get(f"/timegate/{PAGE}", headers={"Accept-Datetime": value, "accept": "application/json"})
    assert r.status_code == 400
    assert "is not an RFC 1123 date" in r.json()["detail"] and "GMT" in r.json()["detail"]


def test_a_replayed_memento_carries_its_datetime_and_links(client: TestClient) -> None:
    # Asked for at another second: the closest capture is shown, and its exact URI-M is named.
    for method in ("GET", "HEAD"):
        r = client.request(method, f"/replay/20261126000000/{PAGE}")
        assert r.status_code == 200
        assert r.headers["memento-datetime"] == "Wed, 25 Nov 2026 15:30:00 GMT"
        rels = by_rel(parse_links(r.headers["link"]))
        assert rels["original"][0].uri == PAGE
        assert rels["timegate"][0].uri == timegate_url(BASE, PAGE)
        assert rels["timemap"][0].uri == timemap_url(BASE, PAGE)
        [memento] = rels["memento"]
        assert memento.uri == memento_url(BASE, TS1, PAGE)
        assert memento.param("datetime") == "Wed, 25 Nov 2026 15:30:00 GMT"
        assert r.headers["content-security-policy"].startswith("sandbox allow-forms; script-src 'none'")
        assert (r.content == b"") == (method == "HEAD")
    # A fetch that followed a redirect replays as that redirect: a memento of the URL that redirected.
    hop = client.get(f"/replay/{TS1}/http://news.example/moved")
    assert hop.status_code == 301 and hop.headers["memento-datetime"] == "Wed, 25 Nov 2026 15:30:00 GMT"
    hop_rels = by_rel(parse_links(hop.headers["link"]))
    assert hop_rels["original"][0].uri == "http://news.example/moved"
    assert hop_rels["memento"][0].uri == memento_url(BASE, TS1, "http://news.example/moved")
    scripted = client.get(f"/replay/scripts/{TS2}/{PAGE}")
    assert scripted.headers["memento-datetime"] == "Wed, 02 Dec 2026 10:00:00 GMT"
    assert by_rel(parse_links(scripted.headers["link"]))["memento"][0].uri == memento_url(BASE, TS2, PAGE)


def test_the_timemap_is_read_a_page_at_a_time(archive: ReplayArchive) -> None:
    index = MementoIndex(archive.catalog.engine, page_rows=2)
    urls = index.spellings(PAGE)
    assert urls is not None
    listed = list(index.stream(urls, until=T3))
    assert listed == [Memento(PAGE, T1), Memento(PAGE, T2), Memento(PAGE, T3)]
    assert list(index.stream(urls, until=T2)) == listed[:2]


@pytest.mark.parametrize("backend", BACKENDS)
def test_mementos_are_listed_and_neighboured_on_every_backend(backend: str, tmp_path: Path) -> None:
    catalog = open_catalog(empty_db_url(backend, tmp_path))
    try:
        # Five seconds of captures, two in the third second (one URI-M), a redirected fetch ending at
        # the URL, and a failure in between; listed two rows a page.
        times = [T1 + timedelta(seconds=s) for s in (0, 1, 2, 2.5, 4)]
        for n, at in enumerate(times):
            catalog.record_capture(
                CaptureRecord(
                    role="article",
                    url=PAGE,
                    final_url=PAGE,
                    captured_at=at,
                    status=200,
                    warc_name="w.warc.gz",
                    offset=n * 100,
                    length=100,
                )
            )
        catalog.record_capture(
            CaptureRecord(
                role="article",
                url="http://news.example/old",
                final_url=PAGE,
                status=200,
                captured_at=T1 + timedelta(seconds=3),
                warc_name="w.warc.gz",
                offset=900,
                length=9,
            )
        )
        catalog.record_capture(
            CaptureRecord(
                role="article", url=PAGE, captured_at=T1 + timedelta(seconds=3.5), record_type="metadata"
            )
        )
        index = MementoIndex(catalog.engine, page_rows=2)
        urls = index.spellings(PAGE)
        assert urls is not None
        seconds = [T1.replace(microsecond=0) + timedelta(seconds=s) for s in (0, 1, 2, 3, 4)]
        listed = list(index.stream(urls, until=times[-1]))
        assert [m.timestamp for m in listed] == [Memento(PAGE, s).timestamp for s in seconds]
        assert {m.url for m in listed} == {PAGE}
        third = listed[2]
        assert index.before(urls, third) == listed[1] and index.after(urls, third) == listed[3]
        assert index.first(urls) == listed[0] and index.last(urls) == listed[-1]
        assert index.before(urls, listed[0]) is None and index.after(urls, listed[-1]) is None
        assert index.spellings("http://news.example/never") is None
    finally:
        catalog.close()
