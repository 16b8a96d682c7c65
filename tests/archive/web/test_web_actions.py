"""Operator actions: token, same-origin, and what they change in the catalog."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from archive.web.errors import WeakAdminToken
from tests.archive.web.web_site import STATEMENT, TOKEN, Site, client_fixture, site_fixture  # noqa: F401 - fixtures


def paused(site: Site, source_id: int) -> bool:
    return next(s.paused for s in site.catalog.list_sources() if s.id == source_id)


def test_actions_need_the_token(client: TestClient, site: Site) -> None:
    sid = site.ids["statement"]
    assert client.post(f"/sources/{sid}/pause").status_code == 403
    assert client.post(f"/sources/{sid}/pause", data={"token": "wrong"}).status_code == 403
    wrong_bearer = client.post(f"/sources/{sid}/pause", headers={"Authorization": "Bearer nope"})
    assert wrong_bearer.status_code == 403
    assert not paused(site, sid)


def test_pause_and_resume_with_the_form_token(client: TestClient, site: Site) -> None:
    sid = site.ids["statement"]
    response = client.post(f"/sources/{sid}/pause", data={"token": TOKEN}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/sources/{sid}"
    assert paused(site, sid)
    assert "Resume re-crawling" in client.get(f"/sources/{sid}").text
    response = client.post(
        f"/sources/{sid}/resume", data={"token": TOKEN}, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert response.status_code == 200  # followed the 303 to the source page
    assert not paused(site, sid)


def test_bearer_token_gets_json(client: TestClient, site: Site) -> None:
    sid = site.ids["gone"]
    response = client.post(f"/sources/{sid}/pause", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.json() == {"ok": True, "message": f"source #{sid} paused"}
    assert paused(site, sid)


def test_cross_site_posts_are_refused(client: TestClient, site: Site) -> None:
    sid = site.ids["statement"]
    for headers in (
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
    ):
        response = client.post(f"/sources/{sid}/pause", data={"token": TOKEN}, headers=headers)
        assert response.status_code == 403, headers
        assert "cross-site" in response.text
    assert not paused(site, sid)
    same = client.post(
        f"/sources/{sid}/pause", data={"token": TOKEN}, headers={"Origin": "http://testserver"}
    )
    assert same.status_code == 200 and paused(site, sid)


def test_ignore_rules(client: TestClient, site: Site) -> None:
    sid = site.ids["statement"]
    response = client.post(
        f"/sources/{sid}/ignore", data={"token": TOKEN, "selector": ".visitors"}, follow_redirects=False
    )
    assert response.status_code == 303
    response = client.post(f"/sources/{sid}/ignore", data={"token": TOKEN, "pattern": r"\d+ visitors"})
    assert response.status_code == 200
    assert site.catalog.get_ignore_rules(sid) == ((".visitors",), (r"\d+ visitors",))
    assert client.post(f"/sources/{sid}/ignore", data={"token": TOKEN, "pattern": "("}).status_code == 400
    assert client.post(f"/sources/{sid}/ignore", data={"token": TOKEN}).status_code == 400
    assert ".visitors" in client.get(f"/sources/{sid}").text
    assert client.post("/sources/999/ignore", data={"token": TOKEN, "selector": "x"}).status_code == 404


def test_actions_disabled_without_a_configured_token(site: Site) -> None:
    with TestClient(site.app(admin_token=None)) as client:
        response = client.post(f"/sources/{site.ids['statement']}/pause", data={"token": "anything"})
        assert response.status_code == 403
        assert "CITEWATCH_ADMIN_TOKEN" in response.text
        assert "set CITEWATCH_ADMIN_TOKEN" in client.get(f"/sources/{site.ids['statement']}").text
        assert client.post("/articles", data={"url": "https://x.example/", "token": "x"}).status_code == 403
    assert not paused(site, site.ids["statement"])


def test_ingest_from_the_ui(site: Site) -> None:
    submitted: list[str] = []
    with TestClient(site.app(submit_ingest=submitted.append)) as client:
        assert 'method="post" action="/articles"' in client.get("/articles").text
        assert client.post("/articles", data={"url": "https://paper.example/new"}).status_code == 403
        response = client.post(
            "/articles", data={"url": "https://paper.example/new", "token": TOKEN}, follow_redirects=False
        )
        assert response.status_code == 303
        assert submitted == ["https://paper.example/new"]
        page = client.get(response.headers["location"]).text
        assert "Ingest requested for https://paper.example/new" in page
        bad = client.post("/articles", data={"url": "javascript:alert(1)", "token": TOKEN})
        assert bad.status_code == 400
        assert submitted == ["https://paper.example/new"]


def test_ingest_disabled_without_submit_ingest(client: TestClient) -> None:
    response = client.post("/articles", data={"url": STATEMENT, "token": TOKEN})
    assert response.status_code == 403
    assert 'method="post" action="/articles"' not in client.get("/articles").text


@pytest.mark.parametrize("weak", [" ", "\t\n", " " * 40, "short", "fifteen-chars!!", "  fifteen-chars!!  "])
def test_a_short_or_blank_token_stops_the_ui_from_starting(site: Site, weak: str) -> None:
    with pytest.raises(WeakAdminToken, match=r"CITEWATCH_ADMIN_TOKEN is too short.*at least 16"):
        site.app(admin_token=weak)


def test_the_token_is_taken_without_surrounding_spaces(site: Site) -> None:
    with TestClient(site.app(admin_token=f"  {TOKEN}\n")) as client:
        sid = site.ids["statement"]
        assert client.post(f"/sources/{sid}/pause", data={"token": TOKEN}).status_code == 200
        assert client.post(f"/sources/{sid}/resume", data={"token": " "}).status_code == 403
        assert paused(site, sid)
    with TestClient(site.app(admin_token="")) as client:  # unset: read-only, not an error
        assert client.post(f"/sources/{sid}/pause", data={"token": ""}).status_code == 403


def test_bodies_are_refused_before_they_are_read(site: Site) -> None:
    asked: list[str] = []
    big = b"x" * (2 * 1024 * 1024)
    with TestClient(site.app(submit_ingest=asked.append)) as client:
        # The memory blow-up of issue 7: a file upload to the ingest form, without a token.
        assert client.post("/articles", files={"url": ("big.bin", big)}).status_code == 413
        small = client.post("/articles", files={"url": ("small.bin", b"x" * 1000)}, data={"token": TOKEN})
        assert small.status_code == 415 and "x-www-form-urlencoded" in small.text
        # The token is judged before the body's type, let alone its content.
        wrong = client.post("/articles", headers={"Authorization": "Bearer wrong-token-0123456789"},
                            files={"url": ("small.bin", b"x" * 1000)})  # fmt: skip
        assert wrong.status_code == 403
        too_big_form = client.post(
            "/articles", data={"url": "http://a.example/" + "x" * 20_000, "token": TOKEN}
        )
        assert too_big_form.status_code == 413
        assert too_big_form.headers["connection"] == "close"
        # Every route caps its body, announced or streamed in chunks.
        assert client.request("GET", "/articles", content=big).status_code == 413
        chunks = (b"x" * 65536 for _ in range(40))  # 2.5 MB, no Content-Length
        chunked = client.post(
            "/articles", content=chunks, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert chunked.status_code == 413
        assert asked == []
        ok = client.post("/articles", data={"url": "https://news.example/a", "token": TOKEN})
        assert ok.status_code == 200 and asked == ["https://news.example/a"]


def test_ui_ingests_show_their_state_and_a_full_queue_says_so(site: Site) -> None:
    from archive.web import create_app
    from archive.web.errors import IngestQueueFull
    from archive.web.rows import IngestRow
    from tests.archive.web.web_site import BASE_URL, T0

    jobs = [
        IngestRow(2, "https://news.example/b", "running", T0, T0, None, None, "capturing 3 sources"),
        IngestRow(3, "https://news.example/c", "queued", T0, None, None, None, ""),
        IngestRow(1, "https://news.example/a", "failed", T0, T0, T0, 1, "citewatch: error: 404 Not Found"),
    ]

    def full(url: str) -> None:
        raise IngestQueueFull(100)

    app = create_app(catalog=site.catalog, read_record=site.read_record, admin_token=TOKEN, base_url=BASE_URL,
                     submit_ingest=full, ingest_jobs=lambda: jobs)  # fmt: skip
    with TestClient(app) as client:
        page = client.get("/articles").text
        for job in jobs:
            assert f'class="ingest ingest-{job.state}" data-id="{job.id}"' in page
        assert "citewatch: error: 404 Not Found" in page
        listed = client.get("/api/ingests").json()
        assert [(j["id"], j["state"], j["last_line"]) for j in listed] == [
            (j.id, j.state, j.last_line) for j in jobs
        ]
        refused = client.post("/articles", data={"url": "https://news.example/d", "token": TOKEN})
        assert refused.status_code == 503 and "100 ingests are waiting" in refused.text
