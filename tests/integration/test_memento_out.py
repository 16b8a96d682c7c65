"""Memento out, end to end: mementoweb's own Memento client (`memento_client`, not our code) walks the
TimeGate and TimeMap of a real `citewatch serve` on loopback, over a source captured twice (ingest,
then a re-crawl after an edit); and a replayed memento carries its Memento headers."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from memento_client import MementoClient

from archive.catalog import open_catalog
from tests.fixtures.site import TestSite
from tests.integration.conftest import HOSTS, Citewatch, Served, serving

STATEMENT = "/statements/evacuation"


def page(text: str) -> str:
    return (
        '<!doctype html><html><head><title>Statement</title><link rel="stylesheet" href="/site.css">'
        f"</head><body><h1>Statement on the evacuation</h1><p>{text}</p></body></html>"
    )


@dataclass(frozen=True)
class Archived:
    served: Served
    url: str
    css: str
    captured: list[datetime]  # the source's captures, oldest first


def ts14(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def naive_utc(moment: datetime) -> datetime:
    """memento_client takes and gives naive datetimes meaning GMT."""
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)


@pytest.fixture
def archived(tmp_path: Path) -> Iterator[Archived]:
    tmp = tmp_path
    with TestSite(hosts=HOSTS) as site:
        site.robots_txt = "User-agent: *\nAllow: /\n"
        site.set_page("/site.css", "body { color: #222 }", content_type="text/css")
        site.set_page(STATEMENT, page("All civilians who wished to leave were able to do so safely."))
        cw = Citewatch(home=tmp / "home")
        cw.config(autothrottle=False, download_timeout=3.0, concurrent_per_domain=4)
        url = site.url(STATEMENT)
        article = Path(tmp / "article.md")
        article.write_text(f"The ministry said so ([statement]({url})).\n", encoding="utf-8")
        cw.json("ingest", str(article))
        site.set_page(STATEMENT, page("Buses were provided for some."))
        cw.json("crawl", "--all")
        # The source's timeline, read from the catalog in-process (a `citewatch captures` run costs a
        # second process start for the same rows).
        catalog = open_catalog(f"sqlite:///{cw.home / 'catalog.db'}")
        try:
            captured = sorted(c.captured_at for c in catalog.iter_captures(url))
        finally:
            catalog.close()
        with serving(cw) as served:
            yield Archived(served, url, site.url("/site.css"), captured)


def check_timegate(archived: Archived) -> None:
    """The client finds the right memento for a datetime before the edit and one after it."""
    first, second = archived.captured
    assert ts14(first) != ts14(second), "the two captures must be seconds apart to be two mementos"
    base = archived.served.url
    client = MementoClient(timegate_uri=f"{base}/timegate/", check_native_timegate=False)

    before_edit = client.get_memento_info(archived.url, naive_utc(first) - timedelta(days=3))
    closest = before_edit["mementos"]["closest"]
    assert closest["uri"] == [f"{base}/replay/{ts14(first)}/{archived.url}"]
    assert closest["datetime"] == naive_utc(first) and closest["http_status_code"] == 200
    assert before_edit["mementos"]["next"]["uri"] == [f"{base}/replay/{ts14(second)}/{archived.url}"]
    assert "prev" not in before_edit["mementos"]

    after_edit = client.get_memento_info(archived.url, naive_utc(second) + timedelta(minutes=5))
    closest = after_edit["mementos"]["closest"]
    assert closest["uri"] == [f"{base}/replay/{ts14(second)}/{archived.url}"]
    assert closest["datetime"] == naive_utc(second)
    assert after_edit["mementos"]["prev"]["uri"] == [f"{base}/replay/{ts14(first)}/{archived.url}"]
    for info in (before_edit, after_edit):
        assert info["mementos"]["first"]["datetime"] == naive_utc(first)
        assert info["mementos"]["last"]["datetime"] == naive_utc(second)
        assert info["original_uri"] == archived.url


def check_timemap(archived: Archived) -> None:
    """The client's link parser reads every capture from the TimeMap, with its datetime."""
    base = archived.served.url
    response = requests.get(f"{base}/timemap/link/{archived.url}", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/link-format"
    links = MementoClient.parse_link_header(response.text)
    mementos = {uri: link["datetime"] for uri, link in links.items() if "memento" in link["rel"]}
    assert mementos == {
        f"{base}/replay/{ts14(at)}/{archived.url}": [MementoClient.convert_to_http_datetime(naive_utc(at))]
        for at in archived.captured
    }
    original = [uri for uri, link in links.items() if "original" in link["rel"]]
    timemap = [uri for uri, link in links.items() if "self" in link["rel"]]
    assert original == [archived.url] and timemap == [f"{base}/timemap/link/{archived.url}"]
    # The page's stylesheet, a requisite, has mementos of its own.
    css = requests.get(f"{base}/timemap/link/{archived.css}", timeout=10)
    assert css.status_code == 200
    assert any("memento" in link["rel"] for link in MementoClient.parse_link_header(css.text).values())
    missing = requests.get(f"{base}/timemap/link/{archived.url}-never-archived", timeout=10)
    assert missing.status_code == 404


def check_memento_headers(archived: Archived) -> None:
    """A replayed memento says when it was captured, links back, and keeps the sandbox."""
    base = archived.served.url
    first = archived.captured[0]
    uri_m = f"{base}/replay/{ts14(first)}/{archived.url}"
    with urllib.request.urlopen(uri_m, timeout=10) as response:
        headers = response.headers
        body = response.read()
    assert b"able to do so safely" in body
    assert MementoClient.is_memento(uri_m, session=requests.Session())
    assert headers["Memento-Datetime"] == MementoClient.convert_to_http_datetime(naive_utc(first))
    links = MementoClient.parse_link_header(headers["Link"])
    assert links[archived.url]["rel"] == ["original"]
    assert links[f"{base}/timegate/{archived.url}"]["rel"] == ["timegate"]
    assert links[f"{base}/timemap/link/{archived.url}"]["rel"] == ["timemap"]
    assert links[uri_m]["rel"] == ["memento"]
    # The replay sandbox is as before.
    assert headers["Content-Security-Policy"].startswith("sandbox allow-forms; script-src 'none'")
    assert headers["X-Content-Type-Options"] == "nosniff"
    bad = requests.get(
        f"{base}/timegate/{archived.url}",
        headers={"Accept-Datetime": "last week"},
        allow_redirects=False,
        timeout=10,
    )
    assert bad.status_code == 400 and "RFC 1123" in bad.text


def test_a_memento_client_walks_our_timegate_and_timemap(archived: Archived) -> None:
    # One test over one ingest and one re-crawl: under pytest-xdist, separate tests could each
    # build the archive again on another worker.
    check_timegate(archived)
    check_timemap(archived)
    check_memento_headers(archived)
