"""The link-health report in the UI on the unit site: its order, its JSON, its errors, its escaping."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from lxml import html

from archive.warc.writer import WarcWriter
from archive.web.replay import build_replay_router
from tests.archive.warc.samples import exchange
from tests.archive.web.web_site import (  # noqa: F401 - fixtures
    DOWN,
    FRESH,
    GONE,
    MOVED,
    QUOTE,
    STATEMENT,
    T0,
    XSS,
    Site,
    _record,
    client_fixture,
    page,
    site_fixture,
)


def test_report_json_worst_first(client: TestClient, site: Site) -> None:
    report = client.get(f"/api/articles/{site.ids['article']}/report").json()
    lines = [(c["url"], c["state"], c["severity"]) for c in report["citations"]]
    assert lines == [
        (STATEMENT, "edited", "broken"),  # its quote was rewritten beyond recognition
        (GONE, "deleted", "broken"),
        (DOWN, "never_captured", "broken"),  # no fetch of it ever got an answer
        (FRESH, "never_captured", "broken"),
        (MOVED, "redirected", "source changed"),
    ]
    statement = report["citations"][0]
    assert statement["quotes"] == [{"text": QUOTE, "status": "gone", "diff": None}]
    assert statement["capture"]["id"] == site.ids["v2"] and statement["change"]["id"] == site.ids["edited"]
    # Links for readers outside: absolute under the UI's configured address.
    assert (
        statement["change"]["diff_page"] == f"http://testserver/diff/{site.ids['revisit']}/{site.ids['v2']}"
    )
    assert report["citations"][4]["redirected_to"] == "http://gov.example/plans/new"


def test_unknown_article_is_404(client: TestClient) -> None:
    assert client.get("/articles/999999/report").status_code == 404
    assert client.get("/api/articles/999999/report").json() == {"detail": "article #999999 does not exist"}


def test_hostile_quotes_are_escaped(client: TestClient, site: Site) -> None:
    page = client.get(f"/articles/{site.ids['xss_article']}/report").text
    assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_source_recovered_from_an_archive_is_checked_against_the_recovered_copy(site: Site) -> None:
    # As the crawler records a recovery: the source's 404, then in the same second the memento,
    # under the source's URL with the memento's URL as final URL (the record's target URI).
    memento = f"https://archive.example/web/20261120090000id_/{GONE}"
    at = T0 + timedelta(days=4, milliseconds=100)
    writer = WarcWriter(site.spool, fsync=False)
    dead = writer.write_exchange(exchange(GONE, status=404, body=b"not here", at=at))
    found = writer.write_exchange(exchange(memento, body=page("Figures: 12 boats, recovered."), at=at))
    writer.close()
    _record(site.catalog, site.ids["gone"], GONE, dead, at, status=404)
    recovered = _record(
        site.catalog,
        site.ids["gone"],
        GONE,
        found,
        at + timedelta(milliseconds=400),
        status=200,
        final_url=memento,
        recovered_from="web.archive.org",
        memento_datetime=T0,
    )
    app = site.app()
    app.include_router(build_replay_router(engine=site.catalog.engine, read_record=site.read_record))
    with TestClient(app) as client:
        report = client.get(f"/api/articles/{site.ids['article']}/report").json()
        page_html = client.get(f"/articles/{site.ids['article']}/report").text
        [gone] = [c for c in report["citations"] if c["url"] == GONE]
        assert gone["state"] == "deleted" and gone["note"] is None
        assert gone["capture"]["id"] == recovered and gone["recovered_from"] == "web.archive.org"
        assert "recovered from web.archive.org" in page_html
        # Both replay links name the memento's URL: the source's URL at that second is its 404.
        assert gone["capture"]["replay"] == f"http://testserver/replay/{at:%Y%m%d%H%M%S}/{memento}"
        tree = html.fromstring(page_html)
        [item] = [li for li in tree.find_class("report-citation") if li.get("data-url") == GONE]
        [link] = [a.get("href") for a in item.iter("a") if a.text_content() == "replay"]
        assert link == f"/replay/{at:%Y%m%d%H%M%S}/{memento}"
        replayed = client.get(link)
    assert replayed.status_code == 200 and b"Figures: 12 boats, recovered." in replayed.content


def test_a_dead_sources_capture_is_named_its_last_not_what_the_quotes_were_checked_against(
    client: TestClient, site: Site
) -> None:
    tree = html.fromstring(client.get(f"/articles/{site.ids['article']}/report").text)
    facts = {
        li.get("data-url"): " ".join(li.find_class("facts")[0].text_content().split())
        for li in tree.find_class("report-citation")
    }
    assert "last capture" in facts[GONE] and "checked against" not in facts[GONE]
    assert "checked against" in facts[STATEMENT] and "last capture" not in facts[STATEMENT]
