"""The Atom feed of changes, and the pure pieces of the UI: paths, inline diff, security checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from xml.etree import ElementTree as ET

from fastapi.testclient import TestClient
from starlette.requests import Request

from archive.web.context import http_url
from archive.web.hosts import HostPolicy
from archive.web.inline_diff import inline_diff
from archive.web.paths import diff_path, replay_path, timestamp14
from archive.web.rows import worst_state
from archive.web.security import is_cross_site, presented_token, token_matches
from tests.archive.web.web_site import BASE_URL, QUOTE, STATEMENT, XSS, Site, client_fixture, site_fixture  # noqa: F401 - fixtures

A = "{http://www.w3.org/2005/Atom}"


def test_atom_feed_is_valid(client: TestClient, site: Site) -> None:
    response = client.get("/changes.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{A}feed"
    for name in ("id", "title", "updated"):
        assert (feed.findtext(f"{A}{name}") or "").strip(), name
    assert feed.find(f"{A}author/{A}name") is not None
    entries = feed.findall(f"{A}entry")
    assert len(entries) == 2
    for entry in entries:
        for name in ("id", "title", "updated", "summary"):
            assert (entry.findtext(f"{A}{name}") or "").strip(), name
        link = entry.find(f"{A}link")
        assert link is not None and link.get("href", "").startswith("http://testserver/")
        datetime.fromisoformat(entry.findtext(f"{A}updated", "").replace("Z", "+00:00"))
    edited = entries[1]
    assert edited.findtext(f"{A}title") == f"edited \u2014 {STATEMENT}"
    assert QUOTE in edited.findtext(f"{A}summary", "")
    link = edited.find(f"{A}link")
    assert link is not None
    assert link.get("href") == f"http://testserver/diff/{site.ids['revisit']}/{site.ids['v2']}"
    assert feed.findtext(f"{A}updated") == entries[0].findtext(f"{A}updated")
    # Archived text in the feed is escaped XML text, not markup.
    assert XSS in entries[0].findtext(f"{A}summary", "")
    assert b"<script>" not in response.content


def test_empty_feed_is_still_valid(tmp_path: object, site: Site) -> None:
    # A fresh catalog with no changes: "updated" falls back to the clock.
    from archive.catalog import open_catalog
    from archive.web import create_app

    catalog = open_catalog(f"sqlite:///{site.spool.parent / 'empty.db'}")
    try:
        app = create_app(
            catalog=catalog, read_record=lambda c: None, admin_token=None, clock=site.clock, base_url=BASE_URL
        )
        with TestClient(app) as empty:
            feed = ET.fromstring(empty.get("/changes.atom").content)
            assert feed.findtext(f"{A}updated") == site.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
            assert feed.findall(f"{A}entry") == []
            assert empty.get("/").status_code == 200
    finally:
        catalog.close()


def test_replay_path() -> None:
    moment = datetime(2026, 11, 25, 15, 30, 0, 999999, tzinfo=UTC)
    assert timestamp14(moment) == "20261125153000"
    assert (
        replay_path(moment, "http://a.example/x?y=1&z=2")
        == "/replay/20261125153000/http://a.example/x?y=1&z=2"
    )
    plus_two = moment.astimezone(timezone(timedelta(hours=2)))
    assert replay_path(plus_two, "http://a.example/") == "/replay/20261125153000/http://a.example/"
    assert diff_path(1, 2) == "/diff/1/2" and diff_path(None, 2) == "/captures/2"


def test_inline_diff_marks_words() -> None:
    segments = inline_diff("we will act now\nsecond line", "we shall act now\nsecond line too")
    assert [(s.op, s.text) for s in segments] == [
        ("equal", "we"),
        ("delete", "will"),
        ("insert", "shall"),
        ("equal", "act now\nsecond line"),
        ("insert", "too"),
    ]
    assert (
        "".join(s.lead + s.text for s in segments if s.op != "delete") == "we shall act now\nsecond line too"
    )
    assert inline_diff("", "") == ()


def test_worst_state_and_http_url() -> None:
    assert worst_state(["live", "edited", "deleted"]) == "deleted"
    assert worst_state(["live", "pending"]) == "pending"
    assert worst_state([]) is None
    assert http_url("https://a.example/") == "https://a.example/"
    assert http_url("javascript:alert(1)") == ""
    assert http_url("/etc/passwd") == ""


def _request(headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    scope = {"type": "http", "method": "POST", "scheme": "http", "path": "/", "query_string": b"",
             "headers": [(b"host", b"ui.example:8080"), *raw], "server": ("ui.example", 8080)}  # fmt: skip
    return Request(scope)


def test_cross_site_and_token_checks() -> None:
    hosts = HostPolicy.build("http://ui.example:8080/")
    assert not is_cross_site(_request({}), hosts)
    assert not is_cross_site(
        _request({"Sec-Fetch-Site": "same-origin", "Origin": "http://ui.example:8080"}), hosts
    )
    assert not is_cross_site(_request({"Origin": "http://localhost:8080"}), hosts)
    assert is_cross_site(_request({"Origin": "http://ui.example"}), hosts)
    assert is_cross_site(_request({"Origin": "http://localhost:3000"}), hosts)
    assert is_cross_site(_request({"Sec-Fetch-Site": "cross-site"}), hosts)
    assert presented_token(_request({"Authorization": "Bearer abc"}), "form") == "abc"
    assert presented_token(_request({}), "form") == "form"
    assert presented_token(_request({}), "") is None
    assert token_matches("abc", "abc") and not token_matches("abc", "abd") and not token_matches("abc", None)
