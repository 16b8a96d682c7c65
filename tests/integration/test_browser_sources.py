"""Sources that need JavaScript, end to end through the command line: a real Chromium (Debian's,
driven by Playwright) recorded by the warcprox sidecar, against a single-page app on loopback.

The site is on 127.0.0.2; the browser may reach only that address (the canary, if any, sits on
127.0.0.1): ``CITEWATCH_BROWSER_ALLOW_PRIVATE=0`` with ``CITEWATCH_BROWSER_ALLOW_ADDRESSES``, while the
HTTP crawler keeps the suite's ``CITEWATCH_ALLOW_PRIVATE=1``.
"""

from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from playwright.sync_api import sync_playwright
from warcio.archiveiterator import ArchiveIterator

from archive.catalog import open_catalog
from archive.warc.images import png_size
from crawler.cluster.queue import push
from scheduler.dispatch import entry
from tests.fixtures.site import TestSite
from tests.integration.conftest import REPO, Citewatch, serving
from tests.integration.test_browser_capture import UdpCanary
from tests.integration.test_browser_recorder import Canary
from tests.integration.test_reindex import CAPTURES, rows

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        shutil.which("chromium") is None,
        reason="!!! chromium is not installed (apt-get install chromium): the browser tests are SKIPPED !!!",
    ),
]

SITE_HOST = "127.0.0.2"
ARTIFACTS = REPO / "test-artifacts"
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


def scrapy_fetches(site: TestSite, path: str) -> int:
    return len(site.requests_for(path, host=SITE_HOST)) - len(browser_requests(site, path))


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

    ingest = cw.run("ingest", str(article), "--json")
    # Two sources, each counted once (the SPA's first look with the browser is not a third).
    assert "captured 2 source(s), 0 failed" in ingest.stderr, ingest.stderr

    # The SPA was looked at, visited with the browser, and marked browser with its reason.
    shown = cw.json("mode", spa)
    assert (shown["mode"], shown["effective"]) == ("auto", "browser") and "nearly empty" in shown["reason"]
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

    # The source's timeline in the UI, with a thumbnail per browser capture (the README's picture).
    with serving(cw) as served, sync_playwright() as p:
        base = served.url
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(f"{base}/sources/{spa_source['id']}")
        thumbs = page.locator("img[src$='/screenshot.png']")
        assert thumbs.count() == 3
        for n in range(3):
            thumbs.nth(n).scroll_into_view_if_needed()
        page.wait_for_function(
            "() => [...document.querySelectorAll(\"img[src$='/screenshot.png']\")]"
            ".every(i => i.complete && i.naturalWidth > 0)"
        )
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "browser-timeline.png"), full_page=True)
        browser.close()


@pytest.mark.parametrize(
    ("chromium", "says"),
    [("no-such-chromium", "apt-get install chromium"), ("/bin/false", "Chromium would not start")],
    ids=["not-installed", "will-not-launch"],
)
def test_without_chromium_auto_degrades_to_http_with_one_warning_and_forced_browser_is_recorded(
    tmp_path: Path, site: TestSite, browser_cw: Citewatch, chromium: str, says: str
) -> None:
    cw = browser_cw
    cw.env["CITEWATCH_CHROMIUM"] = str(tmp_path / chromium) if not chromium.startswith("/") else chromium
    site.set_page("/app.js", APP_JS, content_type="application/javascript")
    site.set_page("/api/statement.json", statement_json(STATEMENT), content_type="application/json")
    urls = [site.url(f"/statement/{n}", host=SITE_HOST) for n in range(3)]
    for n in range(3):
        site.set_page(f"/statement/{n}", SHELL)
    article = tmp_path / "shells.md"
    article.write_text("".join(f"* [statement {n}]({url})\n" for n, url in enumerate(urls)), encoding="utf-8")

    ingest = cw.run("ingest", str(article), "--json")
    # Three pages that need a browser, one warning, which says what to do.
    warnings = [line for line in ingest.stderr.splitlines() if "Chromium" in line]
    assert len(warnings) == 1, ingest.stderr
    assert says in warnings[0] and "over HTTP" in warnings[0]
    for url in urls:
        assert [c["mode"] for c in captures(cw, url)] == ["http"]
        assert source_row(cw, url)["detected_mode"] is None  # looked at again once there is a browser

    # A source forced to the browser is reported as not captured, with the reason, never skipped.
    cw.run("mode", urls[0], "browser")
    # And one that auto mode found to need a browser when there was one: over HTTP this time.
    with catalog(cw) as db:
        db.execute("UPDATE source SET detected_mode = 'browser', mode_reason = 'x' WHERE url = ?", (urls[1],))
    assert cw.json("mode", urls[1])["effective"] == "browser"
    crawl = cw.run("crawl", "--all", "--json")
    assert len([line for line in crawl.stderr.splitlines() if "Chromium" in line]) == 1, crawl.stderr
    forced = captures(cw, urls[0])
    assert [(c["mode"], c["record_type"], c["error_kind"]) for c in forced] == [
        ("http", "response", None),
        ("browser", "metadata", "no-browser"),
    ]
    assert says in forced[-1]["error"]
    # The others were captured over HTTP again; nobody's state was made "unreachable" by it.
    for url in urls[1:]:
        assert [c["mode"] for c in captures(cw, url)] == ["http", "http"]
    assert source_row(cw, urls[0])["state"] == "live"
    summary = json.loads(crawl.stdout)
    assert summary["failed"] == 1 and summary["captured"] == 2, summary
    headers, body = read_record(cw, forced[-1]["warc_name"], forced[-1]["offset"], forced[-1]["length"])
    assert headers["WARC-Type"] == "metadata" and b"no-browser" in body


def test_hostile_page_captured_with_the_browser_reaches_no_canary_opens_nothing_and_is_bounded(
    tmp_path: Path, site: TestSite, browser_cw: Citewatch
) -> None:
    """The replay tests' hostile page, and worse, captured by the crawler's own browser."""
    cw = browser_cw
    cw.env["CITEWATCH_BROWSER_TIMEOUT_SECONDS"] = "5"
    tcp = Canary(("127.0.0.1", "127.0.0.3"))
    udp = UdpCanary()
    live = f"http://127.0.0.1:{tcp.port}"
    site.set_page("/file.bin", b"\0" * 4096, content_type="application/octet-stream")
    site.set_page(
        "/hostile",
        "<!doctype html><html><head><title>Hostile page</title></head><body><main>"
        "<h1>An archived page with a script</h1><p id='alive'>Nothing to see here.</p>"
        "<a id='dl' href='/file.bin' download='file.bin'>file</a></main><script>"
        f"fetch('{live}/fetch').catch(function () {{}});"
        f"fetch('http://localhost:{tcp.port}/localhost', {{mode: 'no-cors'}}).catch(function () {{}});"
        "fetch('http://169.254.0.99/latest/meta-data/').catch(function () {});"
        f"var img = new Image(); img.src = 'http://127.0.0.3:{tcp.port}/img'; document.body.appendChild(img);"
        f"window.open('{live}/popup');"
        f"window.open('{site.url('/popup', host=SITE_HOST)}', '_blank');"
        "try { var pc = new RTCPeerConnection("
        f"{{iceServers: [{{urls: 'stun:127.0.0.1:{udp.port}'}}]}});"
        " pc.createDataChannel('x'); pc.createOffer().then(function (o) { pc.setLocalDescription(o); });"
        "} catch (e) {}"
        "document.getElementById('dl').click();"
        # warcprox's own verb: it would write this "response" for the page's own URL.
        "fetch('/', {method: 'WARCPROX_WRITE_RECORD', headers: {'WARC-Type': 'response',"
        " 'Content-Type': 'application/http;msgtype=response'},"
        " body: 'HTTP/1.1 200 OK\\r\\n\\r\\n<p>FOR' + 'GED</p>'}).catch(function () {});"
        "setTimeout(function () { while (true) {} }, 300);"
        "</script></body></html>",
    )
    hostile = site.url("/hostile", host=SITE_HOST)
    article = tmp_path / "hostile.md"
    article.write_text(f"A [strange page]({hostile}).\n", encoding="utf-8")
    try:
        cw.json("ingest", "--no-crawl", str(article))
        assert cw.json("mode", hostile, "browser")["effective"] == "browser"
        started = time.monotonic()
        cw.json("crawl", "--all")
        elapsed = time.monotonic() - started
        time.sleep(0.5)  # a STUN packet would have been sent by now
    finally:
        tcp.close()
        udp.close()

    assert tcp.hits == [] and udp.packets == 0
    assert site.requests_for("/popup", host=SITE_HOST) == []
    # Captured, within the limit (5 s a page; the rest is starting the crawl and the browser).
    assert elapsed < 40, elapsed
    capture = captures(cw, hostile)[-1]
    assert capture["mode"] == "browser" and capture["status"] == 200
    kept = evidence(cw, capture["id"])
    _, fields = read_record(
        cw, kept["metadata"]["warc_name"], kept["metadata"]["offset"], kept["metadata"]["length"]
    )
    notes = fields.decode("utf-8")
    assert "timeout" in notes, notes
    assert f"blocked: private-address http://localhost:{tcp.port}/localhost" in notes
    assert "blocked: download " in notes and "file.bin" in notes
    assert "blocked: method " in notes  # the forging fetch never left the browser
    for warc in warc_files(cw):
        assert b"FORGED" not in gzip.decompress(warc.read_bytes()), warc
    # Nothing was saved as a download anywhere in the data directory.
    assert not [p for p in cw.home.rglob("*") if p.name == "file.bin" or "download" in p.name.lower()]
    # The refused requests never reached anyone; what the sidecar refused was not archived as a page.
    with catalog(cw) as db:
        urls = {u for (u,) in db.execute("SELECT url FROM capture WHERE parent_id = ?", (capture["id"],))}
    assert not [u for u in urls if "127.0.0.1" in u or "localhost" in u or "169.254" in u], urls


def test_a_worker_finds_and_captures_browser_sources_from_the_shared_queue(
    tmp_path: Path, site: TestSite, browser_cw: Citewatch, redis_url: str
) -> None:
    """Scale-out: a worker's round looks at the sources it captured over HTTP, and in the next
    round a browser source popped from the queue goes to the browser, never to Scrapy."""
    cw = browser_cw
    cw.env.update(
        {
            "CITEWATCH_STORE": str(tmp_path / "store"),
            "CITEWATCH_REDIS_URL": redis_url,
            "CITEWATCH_WORKER_ID": "w1",
            "CITEWATCH_WORKER_IDLE_SECONDS": "0.5",
        }
    )
    site.set_page("/statement", SHELL)
    site.set_page("/app.js", APP_JS, content_type="application/javascript")
    site.set_page("/api/statement.json", statement_json(STATEMENT), content_type="application/json")
    site.set_page("/press/bridge", SERVER_RENDERED)
    spa, plain = site.url("/statement", host=SITE_HOST), site.url("/press/bridge", host=SITE_HOST)
    article = tmp_path / "water.md"
    article.write_text(f"[statement]({spa}) and [bridge]({plain})\n", encoding="utf-8")
    cw.run("ingest", "--no-crawl", str(article))
    book = open_catalog(f"sqlite:///{cw.home / 'catalog.db'}")
    client = redis.Redis.from_url(redis_url)

    def round_of_everything() -> None:
        leases = book.lease_sources(lease_for=timedelta(minutes=5), limit=10, due_only=False)
        push(client, [entry(lease) for lease in leases])
        cw.run("worker", "--once", timeout=180)

    round_of_everything()
    assert cw.json("mode", spa)["effective"] == "browser"
    assert cw.json("mode", plain)["effective"] == "http"
    scrapy_fetches = len(site.requests_for("/statement", host=SITE_HOST)) - len(
        browser_requests(site, "/statement")
    )
    assert scrapy_fetches == 1

    site.set_page("/api/statement.json", statement_json(EDITED), content_type="application/json")
    round_of_everything()
    assert [c["mode"] for c in captures(cw, spa)] == ["http", "browser", "browser"]
    assert [c["mode"] for c in captures(cw, plain)] == ["http", "http"]
    # The second round's capture of the SPA was the browser's alone.
    assert (
        len(site.requests_for("/statement", host=SITE_HOST)) - len(browser_requests(site, "/statement")) == 1
    )
    counts = book.lease_counts()
    assert (counts.leased, counts.expired) == (0, 0)  # the browser capture ended its lease
    assert [c["kind"] for c in cw.json("changes") if c["url"] == spa] == ["edited"]


def test_reindex_gives_back_browser_captures_with_their_mode_and_evidence(
    tmp_path: Path, site: TestSite, browser_cw: Citewatch
) -> None:
    """The WARCs are the source of truth: a lost catalog rebuilt from them knows which captures the
    browser made, which responses belong to which page, and where each screenshot is."""
    cw = browser_cw
    site.set_page("/statement", SHELL)
    site.set_page("/app.js", APP_JS, content_type="application/javascript")
    site.set_page("/api/statement.json", statement_json(STATEMENT), content_type="application/json")
    spa = site.url("/statement", host=SITE_HOST)
    article = tmp_path / "water.md"
    article.write_text(f"[statement]({spa})\n", encoding="utf-8")
    cw.json("ingest", str(article))
    query = CAPTURES.replace("c.captured_at,", "c.captured_at, c.mode,")
    evidence_query = (
        "SELECT c.record_id, e.kind, e.content_type, e.warc_name, e.offset, e.length, e.record_id, "
        "e.digest, e.size, e.width, e.height FROM evidence e JOIN capture c ON c.id = e.capture_id "
        "ORDER BY e.record_id"
    )
    before, evidence_before = rows(cw.home, query), rows(cw.home, evidence_query)
    assert {r[14] for r in before} == {"http", "browser"} and len(evidence_before) == 4
    # The browser's records (copied from warcprox) and its evidence verify, and so do their rows.
    audit = cw.json("verify")
    assert audit["ok"] and audit["rows"] >= len(before) + 4, audit["bad"]

    for leftover in cw.home.glob("catalog.db*"):
        leftover.unlink()
    cw.json("reindex")

    after = rows(cw.home, query)
    assert [r for r in after if r not in before] == [r for r in before if r not in after] == []
    assert after == before
    assert rows(cw.home, evidence_query) == evidence_before
    # A capture whose evidence rows were never written (killed between the two): put back too.
    with catalog(cw) as db:
        db.execute("DELETE FROM evidence")
    cw.json("reindex")
    assert rows(cw.home, evidence_query) == evidence_before
    assert cw.json("verify")["ok"]  # the rebuilt catalog's chain, evidence put back twice included
