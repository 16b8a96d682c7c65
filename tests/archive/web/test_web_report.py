"""The link-health report in the UI on the unit site: its order, its JSON, its errors, its escaping."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.archive.web.web_site import (  # noqa: F401 - fixtures
    DOWN,
    FRESH,
    GONE,
    MOVED,
    QUOTE,
    STATEMENT,
    XSS,
    Site,
    client_fixture,
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


def test_a_source_recovered_from_an_archive_is_checked_against_the_recovered_copy(
    client: TestClient, site: Site
) -> None:
    from sqlalchemy import update

    from archive.catalog.models import Capture

    with site.catalog.engine.begin() as connection:
        connection.execute(
            update(Capture)
            .where(Capture.id == site.ids["gone_ok"])
            .values(recovered_from="web.archive.org", memento_datetime=site.clock())
        )
    report = client.get(f"/api/articles/{site.ids['article']}/report").json()
    [gone] = [c for c in report["citations"] if c["url"] == GONE]
    assert gone["state"] == "deleted" and gone["note"] is None
    assert gone["capture"]["id"] == site.ids["gone_ok"] and gone["recovered_from"] == "web.archive.org"
    page = client.get(f"/articles/{site.ids['article']}/report").text
    assert "recovered from web.archive.org" in page


def test_a_dead_sources_capture_is_named_its_last_not_what_the_quotes_were_checked_against(
    client: TestClient, site: Site
) -> None:
    from lxml import html

    page = html.fromstring(client.get(f"/articles/{site.ids['article']}/report").text)
    facts = {
        li.get("data-url"): " ".join(li.find_class("facts")[0].text_content().split())
        for li in page.find_class("report-citation")
    }
    assert "last capture" in facts[GONE] and "checked against" not in facts[GONE]
    assert "checked against" in facts[STATEMENT] and "last capture" not in facts[STATEMENT]
