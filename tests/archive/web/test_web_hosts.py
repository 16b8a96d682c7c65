"""The UI answers only its own names (DNS rebinding) and builds absolute URLs from its base URL."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from archive.web.errors import InvalidBaseUrl
from archive.web.hosts import HostPolicy, host_name, url_for_bind
from tests.archive.web.web_site import TOKEN, Site, site_fixture  # noqa: F401 - fixtures

A = "{http://www.w3.org/2005/Atom}"
PUBLIC = "https://archive.example.org/"


@pytest.fixture(name="ui")
def ui_fixture(site: Site) -> TestClient:
    from archive.web import create_app

    app = create_app(
        catalog=site.catalog,
        read_record=site.read_record,
        admin_token=TOKEN,
        base_url=PUBLIC,
        allowed_hosts=["intranet.example"],
        clock=site.clock,
    )
    return TestClient(app, base_url="http://127.0.0.1:8080")


def paused(site: Site, source_id: int) -> bool:
    return next(s.paused for s in site.catalog.list_sources() if s.id == source_id)


@pytest.mark.parametrize("host", ["127.0.0.1:8080", "localhost:8080", "[::1]:8080", "archive.example.org",
                                  "INTRANET.example:8080", "localhost"])  # fmt: skip
def test_own_names_are_answered(ui: TestClient, host: str) -> None:
    assert ui.get("/", headers={"Host": host}).status_code == 200


REFUSED = ["rebind.attacker.example:8080", "attacker.example", "127.0.0.2:8080",
           "archive.example.org.attacker.example", "", "[::2]:8080", "local host"]  # fmt: skip


@pytest.mark.parametrize("host", REFUSED)
def test_other_names_get_400(ui: TestClient, host: str) -> None:
    for path in ("/", "/api/articles", "/changes.atom", "/sources"):
        response = ui.get(path, headers={"Host": host})
        assert response.status_code == 400, (host, path)
        assert "Coast plan" not in response.text
        assert response.headers["x-content-type-options"] == "nosniff"


def test_a_rebound_page_cannot_act_even_with_the_token(ui: TestClient, site: Site) -> None:
    # The attacker's page, its name re-pointed at 127.0.0.1: to the browser, same origin as itself.
    sid = site.ids["statement"]
    rebound = {"Host": "rebind.attacker.example:8080", "Origin": "http://rebind.attacker.example:8080",
               "Sec-Fetch-Site": "same-origin"}  # fmt: skip
    assert ui.post(f"/sources/{sid}/pause", data={"token": TOKEN}, headers=rebound).status_code == 400
    # Even on an allowed Host, an Origin that is not one of ours is cross-site.
    forged = {"Host": "127.0.0.1:8080", "Origin": "http://rebind.attacker.example:8080"}
    assert ui.post(f"/sources/{sid}/pause", data={"token": TOKEN}, headers=forged).status_code == 403
    other_port = {"Host": "127.0.0.1:8080", "Origin": "http://127.0.0.1:3000"}
    assert ui.post(f"/sources/{sid}/pause", data={"token": TOKEN}, headers=other_port).status_code == 403
    assert not paused(site, sid)
    own = {"Host": "127.0.0.1:8080", "Origin": "http://127.0.0.1:8080"}
    assert ui.post(f"/sources/{sid}/pause", data={"token": TOKEN}, headers=own).status_code in (200, 303)
    assert paused(site, sid)
    public = {"Host": "archive.example.org", "Origin": PUBLIC.rstrip("/")}
    assert ui.post(f"/sources/{sid}/resume", data={"token": TOKEN}, headers=public).status_code in (200, 303)
    assert not paused(site, sid)


def test_the_feed_links_to_the_base_url_whatever_the_host(ui: TestClient, site: Site) -> None:
    for host in ("localhost:8080", "intranet.example"):
        feed = ET.fromstring(ui.get("/changes.atom", headers={"Host": host}).content)
        hrefs = [link.get("href", "") for link in feed.iter(f"{A}link")]
        ids = [element.text or "" for element in feed.iter(f"{A}id")]
        assert hrefs and ids
        assert all(url.startswith(PUBLIC) for url in hrefs + ids), hrefs + ids
        assert f"{PUBLIC}diff/{site.ids['revisit']}/{site.ids['v2']}" in hrefs


def test_host_policy() -> None:
    assert host_name("::1") == "[::1]" and host_name("LocalHost") == "localhost"
    assert url_for_bind("0.0.0.0", 8080) == "http://127.0.0.1:8080/"
    assert url_for_bind("::1", 9000) == "http://[::1]:9000/"
    policy = HostPolicy.build("http://127.0.0.1:8080/", bind_host="10.0.0.5", extra=["*.corp.example"])
    assert (
        policy.allows("10.0.0.5")
        and policy.allows("ui.corp.example")
        and not policy.allows("corp.example.evil")
    )
    assert HostPolicy.build("http://127.0.0.1:8080/", bind_host="0.0.0.0").names == (
        "127.0.0.1", "localhost", "[::1]")  # fmt: skip
    with pytest.raises(InvalidBaseUrl):
        HostPolicy.build("archive.example.org")
