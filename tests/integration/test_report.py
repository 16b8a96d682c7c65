"""The link-health report end to end: a local site whose sources are edited, deleted and moved
between crawls; the report (CLI --json, the HTML page, the API, the tag's Atom digest) names each
source's state and each quote's fate, worst first, and its WACZ holds exactly the captures it names."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from lxml import html
from warcio.archiveiterator import ArchiveIterator

from archive.export.verification import verify_wacz
from tests.fixtures.site import TestSite
from tests.integration.conftest import HOSTS, Citewatch, serving

KEPT = "the convoy will leave at dawn with 70 buses"
MOVED = "the agency will keep its office open all week"
FIGURES = "the operation evacuated 101 civilians from the northern district"
FIGURES_NOW = "the operation evacuated 99 civilians from the northern district"
GONE = "all civilians who wished to leave were able to do so safely"
STAYS = "buses were provided by the regional authority"
DELETED = "this statement was withdrawn by the press office"
MISSING = "the minister will visit the camps next week"
STYLE = "body { font-family: serif; }"


def statement(title: str, *paragraphs: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><title>{title}</title>"
        '<link rel="stylesheet" href="/static/report.css"></head><body>'
        f"<main><article><h1>{title}</h1>{body}"
        "<p>The agency thanks all partners for their cooperation.</p></article></main></body></html>"
    )


@dataclass
class Scenario:
    cw: Citewatch
    site: TestSite
    article_id: int
    urls: dict[str, str]
    report: dict[str, Any]
    wacz: Path


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    """One article citing six sources; between the first and second crawl one is edited (a quote
    removed), one has a quoted figure changed, one is deleted, one moves; one never answered.
    Module-scoped, but there is one test: under xdist's load distribution each worker running a
    test of this module would build the scenario again (three crawls)."""
    tmp = tmp_path_factory.mktemp("report")
    with TestSite(hosts=HOSTS) as site:
        cw = Citewatch(home=tmp / "home")
        cw.config(autothrottle=False, download_timeout=3.0, concurrent_per_domain=4)
        site.robots_txt = "User-agent: *\nAllow: /\n"
        site.set_page("/static/report.css", STYLE, content_type="text/css")
        site.set_page("/s/kept", statement("Convoy", f"The ministry said {KEPT}, as agreed."))
        site.set_page("/s/moved", statement("Office", f"The director said {MOVED}."))
        site.set_page("/s/figures", statement("Figures", f"The army said {FIGURES} on 3 May."))
        site.set_page("/s/edited", statement("Evacuation", f"The spokesperson said {GONE}.", f"{STAYS}."))
        site.set_page("/s/deleted", statement("Withdrawn", f"Note: {DELETED}."), host="127.0.0.2")
        urls = {
            "kept": site.url("/s/kept"),
            "moved": site.url("/s/moved"),
            "figures": site.url("/s/figures"),
            "edited": site.url("/s/edited"),
            "deleted": site.url("/s/deleted", host="127.0.0.2"),
            "missing": site.url("/s/missing", host="127.0.0.3"),
        }
        article = tmp / "article.md"
        article.write_text(
            "# What the officials said\n\n"
            f'The ministry promised that "{KEPT}" ([convoy]({urls["kept"]})).\n\n'
            f'The director said "{MOVED}" ([office]({urls["moved"]})).\n\n'
            f'The army reported that "{FIGURES}" ([figures]({urls["figures"]})).\n\n'
            f'The spokesperson insisted that "{GONE}" and that "{STAYS}"'
            f" ([evacuation]({urls['edited']})).\n\n"
            f'A note said "{DELETED}" ([withdrawn]({urls["deleted"]})).\n\n'
            f'The minister announced "{MISSING}" ([visit]({urls["missing"]})).\n',
            encoding="utf-8",
        )
        (created,) = cw.json("ingest", str(article), "--tag", "relief")
        site.set_page("/s/moved", b"", status=301, headers=[("Location", "/s/office")])
        site.set_page("/s/office", statement("Office", f"The director confirmed {MOVED}."))
        site.set_page("/s/figures", statement("Figures", f"The army said {FIGURES_NOW} on 3 May."))
        site.set_page("/s/edited", statement("Evacuation", "The spokesperson gave no details.", f"{STAYS}."))
        site.remove_page("/s/deleted", host="127.0.0.2")
        cw.json("crawl", "--all")
        # A third capture of the unchanged source: the report names only the newest.
        cw.json("crawl", "--source", urls["kept"])
        wacz = tmp / "report.wacz"
        report = cw.json("report", str(created["article_id"]), "--wacz", str(wacz))
        yield Scenario(cw, site, created["article_id"], urls, report, wacz)


EXPECTED = [  # worst first: (source, state, severity, {quote: status})
    ("edited", "edited", "broken", {GONE: "gone", STAYS: "present"}),
    ("deleted", "deleted", "broken", {DELETED: "gone"}),
    ("missing", "never_captured", "broken", {MISSING: "gone"}),
    ("figures", "edited", "quote changed", {FIGURES: "changed"}),
    ("moved", "redirected", "source changed", {MOVED: "present"}),
    ("kept", "live", "ok", {KEPT: "present"}),
]


def test_link_health_report_end_to_end(scenario: Scenario) -> None:
    """Each output of the report on one scenario (one test: see the fixture)."""
    check_json(scenario)
    check_unknown_article(scenario)
    check_human_table(scenario)
    check_wacz(scenario)
    check_one_read_per_source(scenario)
    check_digest(scenario)
    check_pages(scenario)


def check_json(scenario: Scenario) -> None:
    report = scenario.report
    assert report["article_id"] == scenario.article_id
    by_url = {url: name for name, url in scenario.urls.items()}
    lines = [
        (by_url[c["url"]], c["state"], c["severity"], {q["text"]: q["status"] for q in c["quotes"]})
        for c in report["citations"]
    ]
    assert lines == EXPECTED
    by_name = {by_url[c["url"]]: c for c in report["citations"]}
    # The changed quote comes with its diff against the passage now on the page.
    [figures] = by_name["figures"]["quotes"]
    assert figures["diff"]["removed"] == ["101"] and figures["diff"]["added"] == ["99"]
    assert figures["diff"]["passage"].lower() == FIGURES_NOW
    # When each last changed, and the captures the verdicts were made against.
    for name in ("edited", "deleted", "figures", "moved"):
        assert by_name[name]["changed_at"] and by_name[name]["change"]["after_capture"]
    assert by_name["kept"]["changed_at"] is None and by_name["missing"]["changed_at"] is None
    assert by_name["moved"]["redirected_to"] == scenario.site.url("/s/office")
    assert (
        by_name["deleted"]["capture"]["status"] == 404 and by_name["deleted"]["change"]["kind"] == "deleted"
    )
    assert by_name["edited"]["capture"]["status"] == 200
    assert by_name["missing"]["capture"]["status"] == 404
    assert all(c["recovered_from"] is None for c in report["citations"])


def check_unknown_article(scenario: Scenario) -> None:
    proc = scenario.cw.run("report", "999", "--json", check=False)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip().count("\n") == 0 and "no article 999" in proc.stderr


def check_human_table(scenario: Scenario) -> None:
    out = scenario.cw.run("report", str(scenario.article_id)).stdout
    labels = ("broken", "quote changed", "source changed", "ok")
    table = [re.split(r"\s{2,}", line) for line in out.splitlines() if line.startswith(labels)]
    rows = [(row[0], row[1], row[4]) for row in table if len(row) == 5]
    assert rows == [(e[2], e[1], scenario.urls[e[0]]) for e in EXPECTED]
    # Then each citation that needs a look, worst first, with its quotes' fates.
    heads = [line for line in out.splitlines() if line.startswith(tuple(f"{label}: " for label in labels))]
    assert heads == [f"{e[2]}: {scenario.urls[e[0]]} ({e[1]})" for e in EXPECTED[:-1]]
    assert f"[gone] \u201c{GONE}\u201d" in out and "removed: 101; added: 99" in out


def _warc_ids(wacz: Path | bytes) -> set[str]:
    source = io.BytesIO(wacz) if isinstance(wacz, bytes) else wacz
    with zipfile.ZipFile(source) as package, package.open("archive/data.warc.gz") as stream:
        return {
            r.rec_headers.get_header("WARC-Record-ID")
            for r in ArchiveIterator(stream)
            if r.rec_type in ("response", "revisit")
        }


def _expected_records(scenario: Scenario) -> set[str]:
    """The records of the captures the report names, their requisites and redirect hops, and the
    responses holding the payloads of the revisits among them, read from the catalog."""
    named = set()
    for c in scenario.report["citations"]:
        if c["capture"]:
            named.add(c["capture"]["id"])
        if c["change"]:
            named |= {c["change"]["after_capture"], c["change"]["before_capture"]} - {None}
    db = sqlite3.connect(scenario.cw.home / "catalog.db")
    columns = "id, record_id, parent_id, record_type, url, payload_digest, redirects, role"
    rows = {row[0]: row[1:] for row in db.execute(f"SELECT {columns} FROM capture ORDER BY id")}
    db.close()
    expected = set()
    for capture_id, (record_id, parent_id, record_type, _url, _digest, redirects, _role) in rows.items():
        if capture_id in named or parent_id in named:
            if record_type in ("response", "revisit"):
                expected.add(record_id)
            expected |= {hop["record_id"] for hop in json.loads(redirects)}
    for record_id, _parent, record_type, url, digest, _r, _role in list(rows.values()):
        if record_id in expected and record_type == "revisit":
            originals = [r for r in rows.values() if r[3] == url and r[4] == digest and r[2] == "response"]
            expected.add(originals[-1][0])
    kept = [cid for cid, r in rows.items() if r[3] == scenario.urls["kept"] and r[6] == "source"]
    # The middle capture of the unchanged source is not named, and not needed: it stays out.
    assert len(kept) == 3 and kept[1] not in named and rows[kept[1]][0] not in expected
    return expected


def check_wacz(scenario: Scenario) -> None:
    assert scenario.report["wacz"]["path"] == str(scenario.wacz)
    assert _warc_ids(scenario.wacz) == _expected_records(scenario)
    # Signed like every export (issue 11, item 5c), with the archive's key.
    check = verify_wacz(scenario.wacz)
    assert check.ok and check.public_key is not None
    assert check.public_key.fingerprint == scenario.report["wacz"]["fingerprint"]


def check_one_read_per_source(scenario: Scenario) -> None:
    """Building the report reads one capture per source with a page to check quotes against (not
    the deleted one, nor the one never captured), each the capture the report names."""
    from archive.catalog import CaptureView
    from archive.report import build_report
    from citewatch.app import App
    from citewatch.config import Settings

    app = App(Settings(home=scenario.cw.home), read_only=True)
    read: list[int] = []

    def counting(capture: CaptureView) -> bytes | None:
        read.append(capture.id)
        return app.read_payload(capture)

    report = build_report(app.catalog.engine, scenario.article_id, read_payload=counting, now=app.clock())
    assert report is not None
    checked = {c.url: c.capture.id for c in report.citations if c.capture is not None}
    names = ("edited", "figures", "moved", "kept")
    assert sorted(read) == sorted(checked[scenario.urls[name]] for name in names)


def check_digest(scenario: Scenario) -> None:
    """The daemon's digest job: one message for the tag at the start of the next period, none else."""
    from citewatch.app import App
    from citewatch.config import Settings
    from citewatch.demo.receiver import AlertReceiver

    detected = datetime.fromisoformat(scenario.report["citations"][0]["changed_at"])
    next_day = datetime.combine(detected.date() + timedelta(days=1), time(), tzinfo=UTC)
    with AlertReceiver() as receiver:
        settings = Settings(home=scenario.cw.home, alert_tag_urls={"relief": [receiver.apprise_url]})
        mid_period = App(settings, clock=lambda: next_day - timedelta(hours=1), read_only=True)
        assert mid_period.send_report_digests() == "no digest due"
        app = App(settings, clock=lambda: next_day + timedelta(seconds=5), read_only=True)
        assert app.send_report_digests() == "1 tag digest(s): sent 1, failed 0"
        [(title, body)] = receiver.messages()
    assert title == "citewatch: 1 article(s) tagged relief need a correction"
    assert f'gone: "{GONE}"' in body and f'changed: "{FIGURES}"' in body and scenario.urls["deleted"] in body
    assert scenario.urls["kept"] not in body and scenario.urls["moved"] not in body and STAYS not in body


def check_pages(scenario: Scenario) -> None:
    """The UI: the article links its report; the report page, its JSON, its WACZ and the tag's
    Atom digest; and the README's screenshot of the page, in a real browser."""
    with serving(scenario.cw) as served:
        article_page = served.get(f"/articles/{scenario.article_id}")[1].decode()
        assert f'href="/articles/{scenario.article_id}/report"' in article_page
        page = html.fromstring(served.get(f"/articles/{scenario.article_id}/report")[1])
        api = json.loads(served.get(f"/api/articles/{scenario.article_id}/report")[1])
        feed = ET.fromstring(served.get("/tags/relief/report.atom")[1])
        none = ET.fromstring(served.get("/tags/other/report.atom")[1])
        wacz_status, wacz = served.get(f"/articles/{scenario.article_id}/report.wacz")
        screenshot(served.url + f"/articles/{scenario.article_id}/report")
    by_url = {url: name for name, url in scenario.urls.items()}
    shown = []
    for item in page.cssselect("li.report-citation"):
        quotes = {
            q.cssselect("q")[0].text_content(): q.get("data-status") for q in item.cssselect("li.quote")
        }
        shown.append(
            (by_url[item.get("data-url")], item.get("data-state"), item.get("data-severity"), quotes)
        )
    assert shown == EXPECTED
    changed = page.cssselect("li.quote-changed")[0]
    assert [d.text_content() for d in changed.cssselect("del")] == ["101"]
    assert [i.text_content() for i in changed.cssselect("ins")] == ["99"]
    assert [c["url"] for c in api["citations"]] == [c["url"] for c in scenario.report["citations"]]
    assert api["citations"][0]["capture"]["page"].startswith("http://127.0.0.1:")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    [entry] = feed.findall("a:entry", ns)
    link = entry.find("a:link", ns)
    assert link is not None and link.get("href", "").endswith(f"/articles/{scenario.article_id}/report")
    summary = entry.findtext("a:summary", namespaces=ns) or ""
    assert "quotes gone 1" in summary and scenario.urls["kept"] not in summary
    assert none.findall("a:entry", ns) == []
    assert wacz_status == 200 and _warc_ids(wacz) == _warc_ids(scenario.wacz)
    downloaded = scenario.wacz.with_name("downloaded.wacz")
    downloaded.write_bytes(wacz)
    signed = verify_wacz(downloaded)
    assert signed.ok and signed.public_key is not None
    assert signed.public_key.fingerprint == scenario.report["wacz"]["fingerprint"]


def screenshot(url: str) -> None:
    """The README's screenshot of the report page (test-artifacts/report.png)."""
    from playwright.sync_api import sync_playwright

    from tests.integration.test_browser import ARTIFACTS, CHROMIUM

    assert CHROMIUM is not None, "chromium is not installed (apt-get install chromium)"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
        page.goto(url)
        assert page.locator("li.report-citation").count() == len(EXPECTED)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        browser.close()
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000
