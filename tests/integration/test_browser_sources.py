"""Sources that need JavaScript, end to end through the command line: a real Chromium (Debian's,
driven by Playwright) recorded by the warcprox sidecar, against a single-page app on loopback.

The site is on 127.0.0.2; the browser may reach only that address (the canary, if any, sits on
127.0.0.1): ``CITEWATCH_BROWSER_ALLOW_PRIVATE=0`` with ``CITEWATCH_BROWSER_ALLOW_ADDRESSES``, while the
HTTP crawler keeps the suite's ``CITEWATCH_ALLOW_PRIVATE=1``.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.browser.evidence import png_size
from tests.fixtures.site import TestSite
from tests.integration.conftest import Citewatch

SITE_HOST = "127.0.0.2"
WARCIO = str(Path(sys.executable).with_name("warcio"))
QUOTE = "every family in the valley will receive clean water by June"
STATEMENT = (
    f"The Ministry of Water announced today that {QUOTE}. The programme will be funded from the "
    "national reconstruction budget and overseen by an independent board of engineers, who will "
    "publish monthly reports on the progress of each pipeline and pumping station in the region."
)
EDITED = (
    "The Ministry of Water announced today that most families in the valley should receive clean "
    "water later this year. The programme will be funded from the national reconstruction budget "
    "and overseen by an independent board of engineers, who will publish monthly reports on the "
    "progress of each pipeline and pumping station in the region."
)
SHELL = """<!doctype html><html><head><meta charset="utf-8"><title>Ministry of Water</title>
<script src="/app.js" defer></script></head>
<body><header><nav><a href="/">Home</a></nav></header><main id="app">Loading…</main></body></html>"""
APP_JS = """
fetch('/api/statement.json').then(function (r) {
  if (!r.ok) { throw new Error('missing'); }
  return r.json();
}).then(function (s) {
  document.getElementById('app').innerHTML =
    '<article><h1>' + s.title + '</h1><p>' + s.body + '</p></article>';
}).catch(function () {
  document.title = 'Not found';
  document.getElementById('app').innerHTML =
    '<h1>Statement not found</h1><p>The page you requested could not be found.</p>';
});
"""
SERVER_RENDERED = (
    "<!doctype html><html><head><title>Press release</title></head><body><main><article>"
    "<h1>Bridge reopens</h1><p>The transport agency said the old bridge over the river will reopen "
    "to traffic on Monday after eight months of repairs to its steel frame and deck.</p>"
    "<p>Heavy lorries will still be diverted through the northern bypass until the load tests are "
    "complete, the agency said in its statement on Friday.</p></article></main></body></html>"
)


def statement_json(body: str) -> str:
    return json.dumps({"title": "Clean water for the valley", "body": body})


@pytest.fixture
def site() -> Iterator[TestSite]:
    with TestSite(hosts=(SITE_HOST,)) as s:
        s.robots_txt = "User-agent: *\nAllow: /\n"
        yield s


@pytest.fixture
def browser_cw(cw: Citewatch) -> Citewatch:
    cw.env.update(
        {
            "CITEWATCH_BROWSER_ALLOW_PRIVATE": "0",
            "CITEWATCH_BROWSER_ALLOW_ADDRESSES": SITE_HOST,
            "CITEWATCH_BROWSER_TIMEOUT_SECONDS": "15",
        }
    )
    return cw


def catalog(cw: Citewatch) -> sqlite3.Connection:
    return sqlite3.connect(cw.home / "catalog.db")


def source_row(cw: Citewatch, url: str) -> dict[str, Any]:
    with catalog(cw) as db:
        db.row_factory = sqlite3.Row
        row = db.execute("SELECT * FROM source WHERE url = ?", (url,)).fetchone()
    return dict(row)


def captures(cw: Citewatch, url: str) -> list[dict[str, Any]]:
    with catalog(cw) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute(
            "SELECT * FROM capture WHERE url = ? AND role = 'source' ORDER BY id", (url,)
        ).fetchall()
    return [dict(r) for r in rows]


def evidence(cw: Citewatch, capture_id: int) -> dict[str, dict[str, Any]]:
    with catalog(cw) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT * FROM evidence WHERE capture_id = ?", (capture_id,)).fetchall()
    return {r["kind"]: dict(r) for r in rows}


def warc_files(cw: Citewatch) -> list[Path]:
    return sorted(p for p in cw.home.rglob("*.warc.gz") if "browser/" not in str(p))


def read_record(cw: Citewatch, warc_name: str, offset: int, length: int) -> tuple[dict[str, str], bytes]:
    (path,) = [p for p in warc_files(cw) if p.name == warc_name]
    with path.open("rb") as f:
        f.seek(offset)
        for record in ArchiveIterator(f):
            return dict(record.rec_headers.headers), record.content_stream().read()
    raise AssertionError("no record there")


def browser_requests(site: TestSite, path: str) -> list[Any]:
    return [r for r in site.requests_for(path, host=SITE_HOST) if "Chrome/" in (r.header("User-Agent") or "")]


def test_spa_source_is_found_to_need_a_browser_and_its_edits_and_deletion_are_detected(
    tmp_path: Path, site: TestSite, browser_cw: Citewatch
) -> None:
    cw = browser_cw
    site.set_page("/statement", SHELL)
    site.set_page("/app.js", APP_JS, content_type="application/javascript")
    site.set_page("/api/statement.json", statement_json(STATEMENT), content_type="application/json")
    site.set_page("/press/bridge", SERVER_RENDERED)
    spa, plain = site.url("/statement", host=SITE_HOST), site.url("/press/bridge", host=SITE_HOST)
    article = tmp_path / "water.md"
    article.write_text(
        "# Water\n\n"
        f'The ministry promised that "{QUOTE}" ([statement]({spa})).\n\n'
        f"The [bridge reopens]({plain}) too.\n",
        encoding="utf-8",
    )

    cw.json("ingest", str(article))

    # The SPA was looked at, visited with the browser, and marked browser with its reason.
    spa_source = source_row(cw, spa)
    assert spa_source["mode"] == "auto" and spa_source["detected_mode"] == "browser", spa_source
    assert "nearly empty" in spa_source["mode_reason"] and "rendered" in spa_source["mode_reason"]
    # The server-rendered page stays http and cost no browser time: Chromium never asked for it.
    plain_source = source_row(cw, plain)
    assert plain_source["detected_mode"] == "http", plain_source
    assert browser_requests(site, "/press/bridge") == []
    assert [c["mode"] for c in captures(cw, plain)] == ["http"]
    # The SPA: its HTTP capture, then its first browser capture with the statement rendered.
    first = captures(cw, spa)
    assert [c["mode"] for c in first] == ["http", "browser"]
    browser_capture = first[-1]
    kept = evidence(cw, browser_capture["id"])
    assert set(kept) == {"screenshot", "dom", "text", "metadata"}
    headers, png = read_record(
        cw, kept["screenshot"]["warc_name"], kept["screenshot"]["offset"], kept["screenshot"]["length"]
    )
    assert (
        headers["WARC-Type"] == "resource" and headers["WARC-Concurrent-To"] == browser_capture["record_id"]
    )
    assert png_size(png) == (kept["screenshot"]["width"], kept["screenshot"]["height"])
    _, text = read_record(cw, kept["text"]["warc_name"], kept["text"]["offset"], kept["text"]["length"])
    assert QUOTE in text.decode("utf-8")  # the statement arrived by fetch(), not in the HTML
    # The XHR the page made is archived, raw, as a capture linked to the page.
    with catalog(cw) as db:
        xhr = db.execute(
            "SELECT status, parent_id FROM capture WHERE url = ? AND role = 'requisite'",
            (site.url("/api/statement.json", host=SITE_HOST),),
        ).fetchall()
    assert xhr == [(200, browser_capture["id"])]

    # The JSON is edited: the re-crawl uses the browser at once, and reports the edit.
    site.set_page("/api/statement.json", statement_json(EDITED), content_type="application/json")
    cw.json("crawl", "--all")
    assert [c["mode"] for c in captures(cw, spa)] == ["http", "browser", "browser"]
    assert [c["mode"] for c in captures(cw, plain)] == ["http", "http"]
    changes = cw.json("changes")
    edited = [c for c in changes if c["url"] == spa]
    assert [c["kind"] for c in edited] == ["edited"], changes
    assert QUOTE in " ".join(edited[0]["removed_quotes"])
    assert "later this year" in " ".join(edited[0]["added"])
    assert not [c for c in changes if c["url"] == plain]

    # The API now says 404 and the page renders "not found": deleted.
    site.set_page("/api/statement.json", "{}", status=404, content_type="application/json")
    cw.json("crawl", "--all")
    kinds = [c["kind"] for c in cw.json("changes") if c["url"] == spa]
    assert sorted(kinds) == ["deleted", "edited"], kinds

    for warc in warc_files(cw):
        check = subprocess.run([WARCIO, "check", "-v", str(warc)], capture_output=True, text=True, timeout=60)
        assert check.returncode == 0, check.stdout + check.stderr
