"""The status page and ``/api/status`` as the UI serves whatever status document it is given (the
document itself, from Redis and the catalog: tests/citewatch/test_citewatch_status.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from archive.web.errors import StatusUnavailable
from tests.archive.web.web_site import STATUS, Site, site_fixture  # noqa: F401 - fixtures


def test_the_page_shows_the_document(site: Site) -> None:
    with TestClient(site.app()) as client:
        assert client.get("/api/status").json()["workers"][0]["captured"] == 40
        page = client.get("/status").text
        for text in ("12 request(s) waiting", "daemon-a", "lease 22 s left", 'data-id="w1"', "gov.example"):
            assert text in page
        assert "3 leased, 1 with an expired lease (dispatched again), 7 overdue" in page


def test_without_a_status_source_there_is_no_status(site: Site) -> None:
    with TestClient(site.app(cluster_status=None)) as client:
        assert client.get("/status").status_code == 404
        assert client.get("/api/status").json() == {"detail": "this UI was started without a status source"}


def test_a_status_source_that_cannot_answer(site: Site) -> None:
    def down() -> dict[str, object]:
        raise StatusUnavailable("cannot reach Redis at redis://x/0 (refused); start it")

    with TestClient(site.app(cluster_status=down)) as client:
        page = client.get("/status")
        assert page.status_code == 503 and "cannot reach Redis at redis://x/0" in page.text
        assert client.get("/api/status").status_code == 503


def test_a_single_machine(site: Site) -> None:
    alone = {
        **STATUS,
        "redis": None,
        "queue": None,
        "dispatcher": None,
        "workers": [],
        "hosts": [],
        "host_count": 0,
    }
    with TestClient(site.app(cluster_status=lambda: alone)) as client:
        page = client.get("/status").text
        assert "single machine" in page and "7 source(s) due" in page and 'id="workers"' not in page
