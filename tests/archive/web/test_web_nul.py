"""A NUL in a request's path or query string gets 400 and one line, on every catalog backend, for
every part of the app (pages, API, replay): PostgreSQL refuses NUL in text, which made such requests
fail inside the driver (a 500)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.types import Scope

from archive.web.nul import NUL_REASON, holds_nul
from archive.web.replay import build_replay_router
from tests.archive.web.web_site import STATEMENT, Site, site_on_backend_fixture  # noqa: F401 - fixtures

TS = "20261120090000"
# Each of these reached a database query with a NUL (a 500 on PostgreSQL before the refusal).
WITH_NUL = [
    "/articles?q=%00",
    "/articles?q=coast%00",
    "/articles?tag=%00",
    "/api/articles?q=%00",
    "/api/articles?tag=a%00b",
    "/sources?q=%00",
    "/sources?state=%00",
    "/api/sources?q=%00",
    "/api/sources?state=%00",
    "/changes?kind=%00",
    "/api/changes?kind=%00",
    f"/replay/{TS}/{STATEMENT}%00",
    f"/replay/{TS}/{STATEMENT}?x=%00",
    f"/replay/scripts/{TS}/{STATEMENT}%00",
    f"/replay/{TS}/http://gov.example/%00/statement",
    "/captures/1%00",
    "/static/site.css%00",
]


@pytest.fixture(name="client")
def client_fixture(site_on_backend: Site) -> Iterator[TestClient]:
    app = site_on_backend.app()
    # As citewatch/app.py::web_app does: replay is a router included on the UI's app.
    app.include_router(
        build_replay_router(engine=site_on_backend.catalog.engine, read_record=site_on_backend.read_record)
    )
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as test_client:
        yield test_client


@pytest.mark.parametrize("url", WITH_NUL)
def test_a_nul_in_the_url_gets_400_and_one_line(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400, (url, response.status_code)
    if url.startswith("/api/"):
        assert response.json() == {"detail": NUL_REASON}
    else:
        assert response.headers["content-type"].startswith("text/html")  # the UI's error page
        assert "the URL holds a NUL character" in response.text
    assert "\n" not in NUL_REASON
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_same_urls_without_the_nul_are_answered(client: TestClient) -> None:
    """Control: the refusal is the NUL's, not the route's."""
    for url in WITH_NUL:
        clean = url.replace("%00", "")
        response = client.get(clean, headers={"Sec-Fetch-Dest": "iframe"})
        assert response.status_code < 500, (clean, response.status_code)
        assert response.status_code != 400 or "NUL" not in response.text, clean
    assert client.get(f"/replay/{TS}/{STATEMENT}", headers={"Sec-Fetch-Dest": "iframe"}).status_code == 200
    assert client.get("/api/articles?q=coast").json()["total"] == 1


def _scope(path: str, raw_path: bytes, query: bytes) -> Scope:
    return {"type": "http", "path": path, "raw_path": raw_path, "query_string": query}


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (_scope("/articles", b"/articles", b"q=%00"), True),
        (_scope("/articles", b"/articles", b"q=\x00"), True),  # raw, as a lax server may pass it
        (_scope("/a\x00b", b"/a%00b", b""), True),
        (_scope("/a\x00b", b"/a\x00b", b""), True),
        (_scope("/a\x00b", b"", b""), True),  # a server giving no raw_path
        (_scope("/articles", b"/articles", b"q=%2500"), False),  # a literal "%00", not a NUL
        (_scope("/articles", b"/articles", b"q=%01&r=%0"), False),
        (_scope("/replay/1/http://x/%25%30%30", b"/replay/1/http://x/%25%30%30", b""), False),
        (_scope("/", b"/", b""), False),
    ],
)
def test_holds_nul(scope: Scope, expected: bool) -> None:
    assert holds_nul(scope) is expected
