"""A scripted view's fetch() and XHR go to the archive (issue 10, item 5): the shim first in its head,
a connect-src naming the scripted replay space of the UI's origin alone, and archived answers there
readable from the sandbox's opaque origin."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from archive.web.replay import (
    SCRIPTED_CONTENT_SECURITY_POLICY,
    ReplaySpace,
    build_replay_router,
    connect_source,
    rewrite_html,
    scripted_content_security_policy,
)
from tests.archive.web.replay.replay_archive import ReplayArchive

T1 = datetime(2026, 11, 25, 15, 30, 0, tzinfo=UTC)
TS1 = "20261125153000"
PAGE = "http://spa.example/statement"
API = "http://spa.example/api/statement.json"
MOVED = "http://spa.example/api/old.json"
SHELL = (
    b'<!doctype html><html><head><meta charset="utf-8"><title>app</title>'
    b'<script src="/app.js"></script></head><body><main id="app">Loading</main></body></html>'
)
HEADLESS = b"<p>no head at all</p>"
STATEMENT = b'{"body": "clean water by June"}'
FRAME = {"Sec-Fetch-Dest": "iframe"}
FETCH = {"Sec-Fetch-Dest": "empty", "Sec-Fetch-Mode": "cors", "Origin": "null"}


def policy_directives(policy: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


@pytest.mark.parametrize(
    ("scheme", "host", "path", "expected"),
    [
        ("http", "127.0.0.1:8080", "/replay/scripts/", "http://127.0.0.1:8080/replay/scripts/"),
        ("http", "localhost:8080", "/replay/scripts/", "http://localhost:8080/replay/scripts/"),
        (
            "HTTPS",
            "archive.example.org",
            "/ui/replay/scripts/",
            "https://archive.example.org/ui/replay/scripts/",
        ),
        ("http", " testserver ", "/replay/scripts/", "http://testserver/replay/scripts/"),
        # What a host-source cannot say, or what would end the directive: connect nowhere.
        ("http", "[::1]:8080", "/replay/scripts/", None),
        ("http", "evil.example; connect-src *", "/replay/scripts/", None),
        ("http", "a.example,b.example", "/replay/scripts/", None),
        ("http", "a.example/api", "/replay/scripts/", None),
        ("http", "a.example:80:80", "/replay/scripts/", None),
        ("http", "", "/replay/scripts/", None),
        ("http", None, "/replay/scripts/", None),
        ("ws", "127.0.0.1:8080", "/replay/scripts/", None),
        ("http", "127.0.0.1:8080", "/", None),
        ("http", "127.0.0.1:8080", "/replay;x/scripts/", None),
    ],
)
def test_connect_source(scheme: str, host: str | None, path: str, expected: str | None) -> None:
    assert connect_source(scheme, host, path) == expected


def test_the_scripted_policy_connects_to_the_scripted_replay_space_alone() -> None:
    source = "http://127.0.0.1:8080/replay/scripts/"
    opened = policy_directives(scripted_content_security_policy(source))
    closed = policy_directives(SCRIPTED_CONTENT_SECURITY_POLICY)
    assert opened["connect-src"] == source  # one source, with its path: never 'self', never a scheme
    assert closed["connect-src"] == "'none'"
    assert {k: v for k, v in opened.items() if k != "connect-src"} == {
        k: v for k, v in closed.items() if k != "connect-src"
    }
    assert opened["sandbox"] == "allow-scripts allow-forms"
    assert scripted_content_security_policy(None) == SCRIPTED_CONTENT_SECURITY_POLICY


def shim_of(html: str) -> str:
    """The text of the document's first script, which must be the first element of its head."""
    head = lxml.html.document_fromstring(html).find("head")
    assert head is not None and len(head) > 0 and head[0].tag == "script", html[:300]
    assert head[0].get("src") is None
    return str(head[0].text)


def test_the_shim_comes_first_in_head_and_is_given_the_page_and_its_space() -> None:
    space = ReplaySpace(TS1, "/replay/scripts/")
    html = rewrite_html(SHELL.decode(), PAGE, space, scripted=True)
    shim = shim_of(html)
    assert 'var BASE = "http://spa.example/statement"' in shim
    assert f'SPACE = "/replay/scripts/{TS1}/"' in shim and 'PREFIX = "/replay/scripts/"' in shim
    assert "XMLHttpRequest.prototype.open" in shim and "window.fetch" in shim
    # The archived script still loads, from the archive, after the shim.
    scripts = lxml.html.document_fromstring(html).findall(".//script")
    assert [s.get("src") for s in scripts] == [None, f"/replay/scripts/{TS1}/http://spa.example/app.js"]
    # A document with no head gets one; a <base href> is what relative URLs resolve against.
    assert "XMLHttpRequest" in shim_of(rewrite_html(HEADLESS.decode(), PAGE, space, scripted=True))
    based = rewrite_html('<head><base href="/v2/"></head>', PAGE, space, scripted=True)
    assert 'var BASE = "http://spa.example/v2/"' in shim_of(based)
    # Without scripts, nothing is added.
    assert "<script" not in rewrite_html(HEADLESS.decode(), PAGE, space)


def test_no_archived_url_can_close_the_shims_script() -> None:
    hostile = "http://spa.example/</script><script>parent.pwned=1</script>"
    html = rewrite_html("<title>x</title>", hostile, ReplaySpace(TS1, "/replay/scripts/"), scripted=True)
    document = lxml.html.document_fromstring(html)
    assert len(document.findall(".//script")) == 1
    shim = shim_of(html)
    assert "</script" not in shim and "\\u003c/script>" in shim
    base = shim.split("var BASE = ", 1)[1].split(", SPACE", 1)[0]
    assert json.loads(base) == hostile


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[ReplayArchive]:
    a = ReplayArchive.open(tmp_path)
    a.capture(PAGE, T1, SHELL, role="article")
    a.capture(API, T1, STATEMENT, content_type="application/json")
    a.capture(MOVED, T1, b"", content_type=None, status=301, headers=[("Location", "/api/statement.json")])
    a.writer.close()
    yield a
    a.catalog.close()


@pytest.fixture
def client(archive: ReplayArchive) -> TestClient:
    app = FastAPI()
    app.include_router(build_replay_router(engine=archive.catalog.engine, read_record=archive.read_record))
    return TestClient(app, follow_redirects=False)


def test_a_scripted_frame_gets_the_shim_and_may_connect_to_its_space_of_the_origin_asked(
    client: TestClient,
) -> None:
    r = client.get(f"/replay/scripts/{TS1}/{PAGE}", headers=FRAME)
    assert r.status_code == 200
    csp = policy_directives(r.headers["content-security-policy"])
    assert csp["connect-src"] == "http://testserver/replay/scripts/"
    assert f'SPACE = "/replay/scripts/{TS1}/"' in shim_of(r.text)
    # Another name for the same UI (localhost for 127.0.0.1): the policy names that one.
    other = client.get(f"/replay/scripts/{TS1}/{PAGE}", headers={**FRAME, "Host": "localhost:8080"})
    assert policy_directives(other.headers["content-security-policy"])["connect-src"] == (
        "http://localhost:8080/replay/scripts/"
    )
    # A Host a host-source cannot hold: the page connects nowhere.
    odd = client.get(f"/replay/scripts/{TS1}/{PAGE}", headers={**FRAME, "Host": "[::1]:8080"})
    assert odd.headers["content-security-policy"] == SCRIPTED_CONTENT_SECURITY_POLICY


def test_no_shim_where_scripts_do_not_run_or_for_what_a_script_fetches(client: TestClient) -> None:
    for url, headers in (
        (f"/replay/{TS1}/{PAGE}", FRAME),  # the view without scripts
        (f"/replay/scripts/{TS1}/{PAGE}", FETCH),  # HTML fetched by a script: data, not a document
        (f"/replay/scripts/{TS1}/{PAGE}", {}),  # not provably a frame
    ):
        r = client.get(url, headers=headers)
        assert r.status_code == 200 and "XMLHttpRequest" not in r.text, url
        assert "connect-src 'none'" in r.headers["content-security-policy"], url


def test_archived_answers_in_the_scripted_space_are_readable_from_the_sandbox(client: TestClient) -> None:
    r = client.get(f"/replay/scripts/{TS1}/{API}", headers=FETCH)
    assert r.status_code == 200 and r.content == STATEMENT
    assert r.headers["content-type"] == "application/json"
    assert r.headers.get_list("access-control-allow-origin") == ["*"]
    assert "access-control-allow-credentials" not in r.headers
    # A redirect on the way is readable too (a CORS fetch checks every hop), and stays in the space.
    hop = client.get(f"/replay/scripts/{TS1}/{MOVED}", headers=FETCH)
    assert hop.status_code == 301
    assert hop.headers["location"] == f"/replay/scripts/{TS1}/http://spa.example/api/statement.json"
    assert hop.headers.get_list("access-control-allow-origin") == ["*"]
    # The frame's own document too (harmless, and one rule for the whole space).
    assert (
        client.get(f"/replay/scripts/{TS1}/{PAGE}", headers=FRAME).headers["access-control-allow-origin"]
        == "*"
    )


def test_what_the_archive_lacks_and_the_space_without_scripts_are_not_readable(client: TestClient) -> None:
    # Our own error page is not archived content: a script's fetch of it fails as a blocked one.
    missing = client.get(f"/replay/scripts/{TS1}/http://spa.example/api/articles", headers=FETCH)
    assert missing.status_code == 404 and "access-control-allow-origin" not in missing.headers
    bad = client.get(f"/replay/scripts/2026/{API}", headers=FETCH)
    assert bad.status_code == 400 and "access-control-allow-origin" not in bad.headers
    # Where no script runs, nothing needs to read JSON across origins.
    plain = client.get(f"/replay/{TS1}/{API}", headers=FETCH)
    assert plain.status_code == 200 and "access-control-allow-origin" not in plain.headers


def test_mounted_below_a_prefix_the_space_and_the_policy_are_below_it(archive: ReplayArchive) -> None:
    app = FastAPI()
    app.include_router(
        build_replay_router(engine=archive.catalog.engine, read_record=archive.read_record), prefix="/ui"
    )
    r = TestClient(app).get(f"/ui/replay/scripts/{TS1}/{PAGE}", headers=FRAME)
    assert policy_directives(r.headers["content-security-policy"])["connect-src"] == (
        "http://testserver/ui/replay/scripts/"
    )
    shim = shim_of(r.text)
    assert f'SPACE = "/ui/replay/scripts/{TS1}/"' in shim and 'PREFIX = "/ui/replay/scripts/"' in shim


def test_a_preflight_in_the_scripted_space_lets_any_header_through_for_get(client: TestClient) -> None:
    asked = {
        "Origin": "null",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "x-requested-with, authorization",
    }
    r = client.options(f"/replay/scripts/{TS1}/{API}", headers=asked)
    assert r.status_code == 204 and r.content == b""
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["access-control-allow-headers"] == "*"
    assert r.headers["access-control-allow-methods"] == "GET, HEAD"
    assert "access-control-allow-credentials" not in r.headers
    # Only there: the space without scripts, where no script fetches, answers no preflight.
    assert client.options(f"/replay/{TS1}/{API}", headers=asked).status_code == 405
