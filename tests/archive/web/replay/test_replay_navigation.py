"""Who loads a replay URL decides the answer: top-level navigations go to the capture page, scripts
run only in a frame of the scripted space (issue 7, items 2 and 3)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from archive.web.replay import (
    CONTENT_SECURITY_POLICY,
    SCRIPTED_CONTENT_SECURITY_POLICY,
    Answer,
    CaptureLookup,
    CaptureScripts,
    answer_for,
    build_replay_router,
    capture_scripts,
    scripted_content_security_policy,
)
from tests.archive.web.replay.replay_archive import ReplayArchive

T1 = datetime(2026, 11, 25, 15, 30, 0, tzinfo=UTC)
TS1 = "20261125153000"
PAGE = "http://news.example/statement?id=7"
BODY = b'<html><body><script>document.title="ran"</script><a href="/next">next</a></body></html>'
# A scripted frame may connect to the scripted replay space of the origin it was asked from (the
# test client's is http://testserver), and nowhere else.
FRAMED_SCRIPTED_POLICY = scripted_content_security_policy("http://testserver/replay/scripts/")


@pytest.mark.parametrize(
    ("destination", "scripts_asked", "expected"),
    [
        ("document", False, Answer.CAPTURE_PAGE),
        ("document", True, Answer.CAPTURE_PAGE),  # a shared scripted URL never runs scripts top-level
        ("Document ", True, Answer.CAPTURE_PAGE),
        ("iframe", False, Answer.WITHOUT_SCRIPTS),
        ("iframe", True, Answer.WITH_SCRIPTS),
        ("frame", True, Answer.WITH_SCRIPTS),
        ("IFRAME", True, Answer.WITH_SCRIPTS),
        (None, False, Answer.WITHOUT_SCRIPTS),  # curl, wget, old browsers: the bytes, scripts off
        (None, True, Answer.WITHOUT_SCRIPTS),
        ("", True, Answer.WITHOUT_SCRIPTS),
        ("image", True, Answer.WITHOUT_SCRIPTS),
        ("script", True, Answer.WITHOUT_SCRIPTS),
        ("style", False, Answer.WITHOUT_SCRIPTS),
        ("empty", True, Answer.WITHOUT_SCRIPTS),
        ("object", True, Answer.WITHOUT_SCRIPTS),
        ("embed", True, Answer.WITHOUT_SCRIPTS),
        ("fencedframe", True, Answer.WITHOUT_SCRIPTS),
        ("iframe, document", True, Answer.WITHOUT_SCRIPTS),
    ],
)
def test_answer_for(destination: str | None, scripts_asked: bool, expected: Answer) -> None:
    assert answer_for(destination, scripts_asked=scripts_asked) is expected


@pytest.mark.parametrize(
    ("scripts_param", "fetch_site", "expected"),
    [
        ("on", "same-origin", CaptureScripts.ON),  # the reader clicked the switch on the UI's page
        ("on", " Same-Origin ", CaptureScripts.ON),
        ("on", "cross-site", CaptureScripts.REFUSED),  # a link on another site
        ("on", "same-site", CaptureScripts.REFUSED),  # another port or subdomain is another origin
        ("on", "none", CaptureScripts.REFUSED),  # typed or pasted into the address bar, a bookmark
        ("on", None, CaptureScripts.REFUSED),  # curl, or a browser older than 2023
        ("on", "", CaptureScripts.REFUSED),
        ("on", "same-origin, cross-site", CaptureScripts.REFUSED),
        ("ON", "same-origin", CaptureScripts.OFF),  # only the switch's exact link asks
        ("1", "same-origin", CaptureScripts.OFF),
        ("", "cross-site", CaptureScripts.OFF),
        (None, "same-origin", CaptureScripts.OFF),
        (None, "cross-site", CaptureScripts.OFF),
        (None, None, CaptureScripts.OFF),
    ],
)
def test_capture_scripts(scripts_param: str | None, fetch_site: str | None, expected: CaptureScripts) -> None:
    assert capture_scripts(scripts_param, fetch_site) is expected


def test_the_default_policy_lets_no_script_run_and_the_scripted_one_keeps_the_cage() -> None:
    assert CONTENT_SECURITY_POLICY.startswith("sandbox allow-forms;")
    assert "allow-scripts" not in CONTENT_SECURITY_POLICY and "script-src 'none'" in CONTENT_SECURITY_POLICY
    assert SCRIPTED_CONTENT_SECURITY_POLICY.startswith("sandbox allow-scripts allow-forms;")
    for policy in (CONTENT_SECURITY_POLICY, SCRIPTED_CONTENT_SECURITY_POLICY):
        assert "allow-same-origin" not in policy and "allow-top-navigation" not in policy
        assert "allow-popups" not in policy
        assert "connect-src 'none'" in policy and "default-src 'self' " in policy


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[ReplayArchive]:
    a = ReplayArchive.open(tmp_path)
    a.capture(PAGE, T1, BODY, role="article")
    a.writer.close()
    yield a
    a.catalog.close()


@pytest.fixture
def client(archive: ReplayArchive) -> TestClient:
    app = FastAPI()
    app.include_router(build_replay_router(engine=archive.catalog.engine, read_record=archive.read_record))
    return TestClient(app, follow_redirects=False)


def capture_id(archive: ReplayArchive) -> int:
    row = CaptureLookup(archive.catalog.engine).closest(PAGE, T1)
    assert row is not None
    return row.id


@pytest.mark.parametrize("space", ["/replay/", "/replay/scripts/"])
def test_top_level_navigation_is_sent_to_the_capture_page(
    client: TestClient, archive: ReplayArchive, space: str
) -> None:
    r = client.get(
        f"{space}{TS1}/{PAGE}", headers={"Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate"}
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/captures/{capture_id(archive)}"  # never ?scripts=on
    assert r.content == b""
    assert r.headers["vary"] == "Sec-Fetch-Dest"
    assert r.headers["cache-control"] == "private, no-store"
    assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_top_level_navigation_to_a_closest_capture_goes_to_that_capture(
    client: TestClient, archive: ReplayArchive
) -> None:
    r = client.get(f"/replay/20300101000000/{PAGE}", headers={"Sec-Fetch-Dest": "document"})
    assert r.headers["location"] == f"/captures/{capture_id(archive)}"


def test_top_level_navigation_to_what_is_not_archived_is_our_error_page(client: TestClient) -> None:
    r = client.get(f"/replay/{TS1}/http://elsewhere.example/", headers={"Sec-Fetch-Dest": "document"})
    assert r.status_code == 404 and "location" not in r.headers
    assert "is not in the archive" in r.text and "<script" not in r.text
    bad = client.get(f"/replay/2026/{PAGE}", headers={"Sec-Fetch-Dest": "document"})
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("space", "destination", "policy"),
    [
        ("/replay/", "iframe", CONTENT_SECURITY_POLICY),
        ("/replay/", None, CONTENT_SECURITY_POLICY),
        ("/replay/scripts/", "iframe", FRAMED_SCRIPTED_POLICY),
        ("/replay/scripts/", "frame", FRAMED_SCRIPTED_POLICY),
        ("/replay/scripts/", None, CONTENT_SECURITY_POLICY),  # not provably a frame: scripts off
        ("/replay/scripts/", "image", CONTENT_SECURITY_POLICY),
    ],
)
def test_frames_and_other_loads_get_the_capture(
    client: TestClient, space: str, destination: str | None, policy: str
) -> None:
    headers = {"Sec-Fetch-Dest": destination} if destination else {}
    r = client.get(f"{space}{TS1}/{PAGE}", headers=headers)
    assert r.status_code == 200
    assert r.headers.get_list("content-security-policy") == [policy]
    assert r.headers["vary"] == "Sec-Fetch-Dest"
    # Links stay in the space asked for, so a scripted view stays scripted as the reader clicks on.
    link = lxml.html.document_fromstring(r.text).find(".//a").get("href")
    assert link == f"{space}{TS1}/http://news.example/next"


def test_router_mounted_below_a_prefix_redirects_below_it(archive: ReplayArchive) -> None:
    app = FastAPI()
    app.include_router(
        build_replay_router(engine=archive.catalog.engine, read_record=archive.read_record), prefix="/ui"
    )
    client = TestClient(app, follow_redirects=False)
    r = client.get(f"/ui/replay/scripts/{TS1}/{PAGE}", headers={"Sec-Fetch-Dest": "document"})
    assert r.headers["location"] == f"/ui/captures/{capture_id(archive)}"
    framed = client.get(f"/ui/replay/scripts/{TS1}/{PAGE}", headers={"Sec-Fetch-Dest": "iframe"})
    assert lxml.html.document_fromstring(framed.text).find(".//a").get("href") == (
        f"/ui/replay/scripts/{TS1}/http://news.example/next"
    )
