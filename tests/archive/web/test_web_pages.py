"""The browsing UI's HTML pages, rendered from a real catalog and real WARC records."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from archive.web import create_app
from tests.archive.web.web_site import (  # noqa: F401 - fixtures
    BASE_URL,
    DOWN,
    FILLERS,
    QUOTE,
    STATEMENT,
    XSS,
    Site,
    client_fixture,
    site_fixture,
)

CSP = (
    "default-src 'self'; frame-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'"
)


# What a browser sends when the reader follows a link on the UI's own pages.
FROM_THE_UI = {"Sec-Fetch-Site": "same-origin"}


def ids_in(html: str, css_class: str) -> list[int]:
    return [int(n) for n in re.findall(rf'class="{css_class}[^"]*" data-id="(\d+)"', html)]


def test_every_page_renders(client: TestClient, site: Site) -> None:
    ids = site.ids
    paths = [
        "/",
        "/articles",
        f"/articles/{ids['article']}",
        "/sources",
        f"/sources/{ids['statement']}",
        f"/captures/{ids['v1']}",
        f"/captures/{ids['down_capture']}",
        f"/diff/{ids['v1']}/{ids['v2']}",
        "/changes",
        "/alerts",
        "/static/site.css",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path


def test_unknown_ids_are_404_pages(client: TestClient) -> None:
    for path in ("/articles/999", "/sources/999", "/captures/999", "/diff/1/999", "/changes/999"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "text/html" in response.headers["content-type"]
        assert 'id="error"' in response.text


def test_articles_are_paginated_25_a_page(client: TestClient) -> None:
    first = client.get("/articles").text
    assert len(ids_in(first, "article")) == 25
    assert "page 1 of 2 (32 in all)" in first
    assert 'href="/articles?page=2"' in first
    second = client.get("/articles?page=2").text
    assert len(ids_in(second, "article")) == FILLERS + 2 - 25
    assert not set(ids_in(first, "article")) & set(ids_in(second, "article"))
    assert client.get("/articles?page=9").status_code == 200
    assert client.get("/articles?page=0").status_code == 422


def test_article_search_and_tag_filter(client: TestClient, site: Site) -> None:
    found = client.get("/articles", params={"q": "minister"}).text
    assert ids_in(found, "article") == [site.ids["article"]]
    by_url = client.get("/articles", params={"q": "paper.example/coast"}).text
    assert ids_in(by_url, "article") == [site.ids["article"]]
    tagged = client.get("/articles", params={"tag": "coast"}).text
    assert ids_in(tagged, "article") == [site.ids["article"]]
    assert len(ids_in(client.get("/articles", params={"tag": "filler"}).text, "article")) == 25
    assert ids_in(client.get("/articles", params={"tag": "coas"}).text, "article") == []
    assert ids_in(client.get("/articles", params={"q": "100%_"}).text, "article") == []
    # The page keeps the filter when paging.
    assert 'href="/articles?tag=filler&amp;page=2"' in client.get("/articles?tag=filler").text


def test_article_list_shows_counts_and_worst_state(client: TestClient, site: Site) -> None:
    html = client.get("/articles", params={"tag": "coast"}).text
    row = html.split(f'data-id="{site.ids["article"]}"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="sources">5' in row
    assert 'class="badge badge-deleted"' in row


def test_article_page_lists_citations_with_badges(client: TestClient, site: Site) -> None:
    html = client.get(f"/articles/{site.ids['article']}").text
    order = [int(n) for n in re.findall(r'class="citation" data-source="(\d+)"', html)]
    assert order == [site.ids[k] for k in ("statement", "gone", "moved", "down", "fresh")]
    for state in ("edited", "deleted", "redirected", "unreachable", "pending"):
        assert f'class="badge badge-{state}"' in html
    assert f'href="/sources/{site.ids["statement"]}"' in html
    assert "The minister promised" in html
    assert QUOTE in html


def test_source_page_shows_timeline_and_changes(client: TestClient, site: Site) -> None:
    html = client.get(f"/sources/{site.ids['statement']}").text
    assert 'id="timeline"' in html
    timeline = html.split('id="timeline"', 1)[1]
    assert ids_in(timeline, "capture record-") == [site.ids["v2"], site.ids["revisit"], site.ids["v1"]]
    assert "record-revisit" in timeline and "record-response" in timeline
    assert "2026-11-20 09:00:00 UTC" in timeline
    assert f'href="/captures/{site.ids["v1"]}"' in timeline
    changes = html.split('id="changes"', 1)[1].split('id="captures"', 1)[0]
    assert 'class="badge badge-edited"' in changes
    assert "The minister&#39;s promise was rewritten" in changes
    assert f'href="/changes/{site.ids["edited"]}"' in changes
    failed = client.get(f"/sources/{site.ids['down']}").text
    assert "dns: DNS lookup failed" in failed and "record-metadata" in failed


def test_capture_page_has_banner_and_sandboxed_replay(client: TestClient, site: Site) -> None:
    html = client.get(f"/captures/{site.ids['revisit']}").text
    banner = html.split('id="banner"', 1)[1].split("</section>", 1)[0]
    assert STATEMENT in banner and "2026-11-21 09:00:00 UTC" in banner and ">200<" in banner
    assert f'href="/captures/{site.ids["v1"]}"' in banner
    assert f'href="/captures/{site.ids["v2"]}"' in banner
    assert f'href="/sources/{site.ids["statement"]}"' in banner
    live = re.search(r'<a id="live-link"[^>]*>([^<]*)</a>', banner)
    assert live is not None and "LIVE" in live.group(1)
    assert 'rel="noreferrer noopener"' in live.group(0) and f'href="{STATEMENT}"' in live.group(0)
    iframe = re.search(r"<iframe [^>]*>", html)
    assert iframe is not None
    tag = iframe.group(0)
    assert 'id="replay"' in tag
    assert 'sandbox="allow-forms"' in tag  # no scripts unless the reader turns them on
    assert f'src="/replay/20261121090000/{STATEMENT}"' in tag
    assert 'referrerpolicy="no-referrer"' in tag
    # The banner is outside the archived content.
    assert html.index('id="banner"') < html.index("<iframe")


def test_capture_page_switches_scripts_on_for_one_view_and_says_what_it_risks(
    client: TestClient, site: Site
) -> None:
    page = f"/captures/{site.ids['revisit']}"
    default = client.get(page).text
    switch = re.search(r'<a id="scripts-on" href="([^"]*)"', default)
    assert switch is not None and switch.group(1) == f"{page}?scripts=on"
    mode = default.split('id="replay-mode"', 1)[1].split("</section>", 1)[0]
    assert "without its scripts" in mode and "WebRTC" in mode and "when and from where you looked" in mode
    assert default.index('id="replay-mode"') < default.index("<iframe")
    # The reader clicks the switch on the page itself: a same-origin navigation.
    scripted = client.get(switch.group(1), headers=FROM_THE_UI).text
    tag = re.search(r"<iframe [^>]*>", scripted)
    assert tag is not None
    assert 'sandbox="allow-scripts allow-forms"' in tag.group(0)
    assert f'src="/replay/scripts/20261121090000/{STATEMENT}"' in tag.group(0)
    warning = scripted.split('id="replay-mode"', 1)[1].split("</section>", 1)[0]
    assert "Scripts are running" in warning and "WebRTC" in warning
    assert f'<a id="scripts-off" href="{page}">' in warning
    # Per view: the next page shown is back to no scripts.
    assert 'sandbox="allow-forms"' in client.get(page).text
    for other in ("maybe", "1", "", "on&scripts=off"):
        html = client.get(f"{page}?scripts={other}", headers=FROM_THE_UI).text
        assert 'sandbox="allow-forms"' in html and 'id="scripts-refused"' not in html, other


@pytest.mark.parametrize(
    "fetch_site",
    [None, "cross-site", "same-site", "none", "", "same-origin, cross-site", "SAME-ORIGIN-ish"],
)
def test_scripts_asked_for_by_a_link_from_elsewhere_stay_off_and_the_switch_is_offered(
    client: TestClient, site: Site, fetch_site: str | None
) -> None:
    """A link to ``?scripts=on`` followed from another site, typed or pasted into the address bar
    (``none``), or from a client naming no site, shows the view without scripts and says so."""
    page = f"/captures/{site.ids['revisit']}"
    headers = {} if fetch_site is None else {"Sec-Fetch-Site": fetch_site}
    response = client.get(f"{page}?scripts=on", headers=headers)
    assert response.status_code == 200
    html = response.text
    tag = re.search(r"<iframe [^>]*>", html)
    assert tag is not None
    assert 'sandbox="allow-forms"' in tag.group(0)
    assert f'src="/replay/20261121090000/{STATEMENT}"' in tag.group(0)
    assert "Scripts are running" not in html
    notice = html.split('id="scripts-refused"', 1)[1].split("</section>", 1)[0]
    assert "asked to replay it with its scripts" in notice and "were not turned" in notice
    assert f'<a id="scripts-on" href="{page}?scripts=on">' in html
    assert html.index('id="scripts-refused"') < html.index("<iframe")
    assert "Sec-Fetch-Site" in response.headers["vary"]


def test_failed_capture_shows_the_error_instead_of_replay(client: TestClient, site: Site) -> None:
    html = client.get(f"/captures/{site.ids['down_capture']}").text
    assert "<iframe" not in html
    assert 'id="fetch-error"' in html and "DNS lookup failed: no such host" in html and DOWN in html


def test_diff_of_a_recorded_change(client: TestClient, site: Site) -> None:
    redirect = client.get(f"/changes/{site.ids['edited']}", follow_redirects=False)
    assert redirect.status_code == 303
    assert redirect.headers["location"] == f"/diff/{site.ids['revisit']}/{site.ids['v2']}"
    html = client.get(redirect.headers["location"]).text
    removed = html.split('id="removed-quotes"', 1)[1].split("</section>", 1)[0]
    assert QUOTE in removed
    diff = html.split('id="diff"', 1)[1].split("</div>", 1)[0]
    # The revisit's payload was read from the response record it revisits.
    assert "<del>" in diff and "<ins>" in diff
    assert re.search(r"<del>[^<]*within 30 days", diff)
    assert re.search(r"<ins>[^<]*consider", diff)
    assert "5 million euros" in diff
    assert html.index('id="removed-quotes"') < html.index('id="diff"')


def test_diff_without_a_change_row_computes_removed_quotes(client: TestClient, site: Site) -> None:
    html = client.get(f"/diff/{site.ids['v1']}/{site.ids['v2']}").text
    removed = html.split('id="removed-quotes"', 1)[1].split("</section>", 1)[0]
    assert QUOTE in removed
    unchanged = client.get(f"/diff/{site.ids['v1']}/{site.ids['revisit']}").text
    assert "No passage quoted by a citing article was removed" in unchanged
    assert "<ins>" not in unchanged and "<del>" not in unchanged


def test_diff_shows_status_and_redirect_changes(client: TestClient, site: Site) -> None:
    html = client.get(f"/diff/{site.ids['gone_ok']}/{site.ids['gone_404']}").text
    status = html.split('id="http-status"', 1)[0].rsplit("<tr", 1)[1] + html.split('id="http-status"', 1)[1]
    assert 'class="changed"' in status.split("</tr>", 1)[0]
    row = html.split('id="http-status"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="before">200' in row and '<td class="after">404' in row
    moved = client.get(f"/diff/{site.ids['gone_ok']}/{site.ids['moved_capture']}").text
    redirects = moved.split('id="redirects"', 1)[1].split("</tr>", 1)[0]
    assert "301 http://gov.example/moved" in redirects
    assert "http://gov.example/plans/new" in moved.split('id="final-url"', 1)[1].split("</tr>", 1)[0]


def test_changes_page_filters_and_links(client: TestClient, site: Site) -> None:
    html = client.get("/changes").text
    assert ids_in(html, "change change-") == [site.ids["deleted"], site.ids["edited"]]
    only = client.get("/changes", params={"kind": "edited"}).text
    assert ids_in(only, "change change-") == [site.ids["edited"]]
    assert QUOTE in only and f'href="/changes/{site.ids["edited"]}"' in only
    assert ids_in(client.get("/changes?kind=restored").text, "change change-") == []


def test_alerts_page_masks_targets(client: TestClient) -> None:
    html = client.get("/alerts").text
    assert 'class="channel delivery-pending"' in html
    assert "hunter2" not in html and "abcdef1234567890" not in html
    assert "json://hooks.example/notify?token=" in html


def test_security_headers_on_pages(client: TestClient) -> None:
    response = client.get("/articles")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert response.headers["content-security-policy"] == CSP
    api = client.get("/api/articles")
    assert api.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in api.headers
    # Swagger UI is served from this server and started by a script file: the UI policy holds.
    assert client.get("/docs").headers["content-security-policy"] == CSP


def test_archived_and_user_text_is_escaped(client: TestClient, site: Site) -> None:
    pages = [
        client.get(f"/articles/{site.ids['xss_article']}").text,
        client.get("/articles", params={"tag": "xss"}).text,
        client.get("/articles", params={"q": XSS}).text,
        client.get(f"/sources/{site.ids['statement']}").text,
        client.get("/changes").text,
    ]
    for html in pages:
        assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0]
    assert "&lt;script&gt;" in pages[2]
    assert "&lt;script&gt;" in pages[4]
    assert "<script" not in client.get(f"/articles/{site.ids['xss_article']}").text


def test_the_diff_page_escapes_archived_text(client: TestClient, site: Site) -> None:
    html = client.get(f"/diff/{site.ids['gone_ok']}/{site.ids['gone_404']}").text
    assert "<script" not in html


def test_diff_survives_missing_records_and_failed_fetches(site: Site) -> None:
    with TestClient(site.app()) as client:
        failed = client.get(f"/diff/{site.ids['down_capture']}/{site.ids['v1']}").text
        assert "fetch failed (dns)" in failed
        assert "<ins>" in failed  # everything after is new
    with TestClient(
        create_app(
            catalog=site.catalog, read_record=lambda capture: None, admin_token=None, base_url=BASE_URL
        )
    ) as client:
        response = client.get(f"/diff/{site.ids['v1']}/{site.ids['v2']}")
        assert response.status_code == 200
        assert "the WARC record is not available" in response.text


def test_captures_that_could_not_be_compared_are_shown_with_their_reason(
    client: TestClient, site: Site
) -> None:
    v2 = site.ids["v2"]
    site.catalog.record_judge_failure(v2, "StoreUnavailable: the store did not answer", max_attempts=3)
    changes = client.get("/changes").text
    assert ids_in(changes, "uncompared") == [v2]
    assert "could not compare: StoreUnavailable: the store did not answer" in changes
    assert "attempt 1, retried by the next crawl" in changes
    timeline = client.get(f"/sources/{site.ids['statement']}").text
    assert "could not compare: StoreUnavailable: the store did not answer" in timeline
    # Filtered or later pages list changes only.
    assert ids_in(client.get("/changes", params={"kind": "edited"}).text, "uncompared") == []


def test_a_diff_whose_record_cannot_be_read_is_a_page_not_a_500(site: Site) -> None:
    def broken(capture: object) -> bytes:
        raise OSError("the disk holding the spool is gone")

    app = create_app(
        catalog=site.catalog, read_record=broken, admin_token=None, clock=site.clock, base_url=BASE_URL
    )
    with TestClient(app) as client:
        response = client.get(f"/diff/{site.ids['v1']}/{site.ids['v2']}")
    assert response.status_code == 200
    assert "the WARC record is not available" in response.text
