"""The JSON API and its OpenAPI description."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.archive.web.web_site import QUOTE, STATEMENT, Site, client_fixture, site_fixture  # noqa: F401 - fixtures


def test_docs_and_openapi(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/articles",
        "/api/articles/{article_id}",
        "/api/sources",
        "/api/sources/{source_id}",
        "/api/sources/{source_id}/captures",
        "/api/changes",
        "/api/alerts",
    ):
        assert "get" in paths[path], path
    schemas = spec["components"]["schemas"]
    assert {"ArticleOut", "CitationOut", "SourceOut", "CaptureOut", "ChangeOut", "AlertOut"} <= set(schemas)
    # HTML pages are not API.
    assert "/articles/{article_id}" not in paths


def test_articles_list_and_detail(client: TestClient, site: Site) -> None:
    listing = client.get("/api/articles", params={"tag": "coast"}).json()
    assert listing["total"] == 1 and listing["page"] == 1 and listing["pages"] == 1
    (article,) = listing["items"]
    assert article["id"] == site.ids["article"]
    assert article["sources"] == 5 and article["worst_state"] == "deleted"
    assert article["states"] == {"edited": 1, "deleted": 1, "redirected": 1, "unreachable": 1, "pending": 1}
    everything = client.get("/api/articles", params={"per_page": 10, "page": 4}).json()
    assert everything["total"] == 32 and everything["pages"] == 4 and len(everything["items"]) == 2
    detail = client.get(f"/api/articles/{site.ids['article']}").json()
    assert [c["state"] for c in detail["citations"]] == [
        "edited",
        "deleted",
        "redirected",
        "unreachable",
        "pending",
    ]
    assert detail["citations"][0]["quotes"] == [QUOTE]
    assert detail["citations"][0]["url"] == STATEMENT
    assert client.get("/api/articles/999").status_code == 404
    assert client.get("/api/articles/999").json() == {"detail": "article #999 does not exist"}


def test_sources_and_captures(client: TestClient, site: Site) -> None:
    sources = client.get("/api/sources").json()
    assert sources["total"] == 5
    by_url = {s["url"]: s for s in sources["items"]}
    assert by_url[STATEMENT]["captures"] == 3 and by_url[STATEMENT]["articles"] == 2
    assert client.get("/api/sources", params={"state": "deleted"}).json()["total"] == 1
    detail = client.get(f"/api/sources/{site.ids['statement']}").json()
    assert detail["source"]["state"] == "edited"
    assert [a["id"] for a in detail["articles"]] == [site.ids["article"], site.ids["xss_article"]]
    captures = client.get(f"/api/sources/{site.ids['statement']}/captures").json()
    assert [c["id"] for c in captures["items"]] == [site.ids["v2"], site.ids["revisit"], site.ids["v1"]]
    first = captures["items"][-1]
    assert first["record_type"] == "response" and first["status"] == 200
    assert first["replay"] == f"/replay/20261120090000/{STATEMENT}"
    assert first["page"] == f"/captures/{site.ids['v1']}"
    failed = client.get(f"/api/captures/{site.ids['down_capture']}").json()
    assert failed["replay"] is None and failed["error_kind"] == "dns"
    moved = client.get(f"/api/captures/{site.ids['moved_capture']}").json()
    assert moved["redirects"] == [{"url": "http://gov.example/moved", "status": 301}]
    assert client.get("/api/sources/999/captures").status_code == 404


def test_changes_and_alerts(client: TestClient, site: Site) -> None:
    changes = client.get("/api/changes").json()
    assert [c["kind"] for c in changes["items"]] == ["deleted", "edited"]
    edited = client.get(f"/api/changes/{site.ids['edited']}").json()
    assert edited["removed_quotes"] == [QUOTE]
    assert edited["diff"] == f"/diff/{site.ids['revisit']}/{site.ids['v2']}"
    assert client.get("/api/changes", params={"kind": "edited"}).json()["total"] == 1
    assert client.get("/api/changes", params={"source_id": site.ids["gone"]}).json()["total"] == 1
    alerts = client.get("/api/alerts").json()
    (alert,) = alerts["items"]
    assert alert["change_id"] == site.ids["edited"] and alert["kind"] == "edited"
    assert [ch["state"] for ch in alert["channels"]] == ["pending", "pending"]
    assert all("hunter2" not in ch["target_masked"] for ch in alert["channels"])
