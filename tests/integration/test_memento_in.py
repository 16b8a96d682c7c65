"""Memento in, end to end: sources dead at ingest are recovered from a local pywb, and their quotes checked.

A real pywb (its own venv, `make install`) serves a WARC this test writes with warcio, holding the
old versions of three pages whose live servers no longer have them: one answers 404, one answers
200 with a "not found" page (a soft 404), and one is on a host that does not resolve.  citewatch
is configured with two TimeGates: an empty pywb collection first (it has nothing: the next one is
asked) and the one holding the pages.  One ingest and one re-crawl,
both through the real command line (`tests/archive/index/test_reindex_memento.py` checks that a
reindex reads a recovery back).
"""

from __future__ import annotations

import io
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.warc.reader import parse_warc_fields
from tests.archive.export.pywb_server import Wayback, ensure_pywb
from tests.fixtures.site import TestSite
from tests.integration.conftest import HOSTS, Citewatch

pytestmark = pytest.mark.integration

KEPT = "we will publish the full report on Monday"
NOT_IN_MEMENTO = "every family will be rehoused by spring"
ROAD = "the northern road reopened to convoys"
WATER = "water supply was restored in two districts"
DEAD_HOST_URL = "http://ministry-archive.invalid/notices/road"


@dataclass(frozen=True)
class World:
    cw: Citewatch
    port: int  # pywb's
    gone: str  # answers 404
    soft: str  # answers 200 "not found"
    dead_host: str  # no DNS entry
    article_id: int
    ingest_seconds: float
    pywb_start_seconds: float


def _page(title: str, sentence: str) -> bytes:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<main><article><h1>{title}</h1><p>{sentence}</p>"
        "<p>The ministry publishes its statements in full on this site, and keeps them there.</p>"
        "</article></main></body></html>"
    ).encode()


def _old_versions(path: Path, pages: list[tuple[str, str, bytes]]) -> None:
    """A WARC of the pages as an archive saw them: (url, WARC-Date, HTML)."""
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for url, date, body in pages:
            http = StatusAndHeaders(
                "200 OK",
                [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
                protocol="HTTP/1.1",
            )
            record = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": date},
            )
            writer.write_record(record)


@pytest.fixture
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    venv, _ = ensure_pywb()
    root = tmp_path_factory.mktemp("pywb")
    with TestSite(hosts=HOSTS) as site:
        gone = site.url("/statements/withdrawn", host="127.0.0.2")
        site.remove_page("/statements/withdrawn", host="127.0.0.2")
        site.soft404_hosts.add("127.0.0.3")
        soft = site.url("/briefings/water", host="127.0.0.3")
        warc = root / "old.warc.gz"
        _old_versions(
            warc,
            [
                # The draft, then the version the article quoted from (closest to its date: newer).
                (gone, "2019-01-01T08:00:00Z", _page("Statement", "A report will follow in due course.")),
                (
                    gone,
                    "2020-03-01T10:00:00Z",
                    _page("Statement", f"The minister said: {KEPT.capitalize()}."),
                ),
                (DEAD_HOST_URL, "2021-06-01T12:00:00Z", _page("Road notice", f"{ROAD.capitalize()}.")),
                (soft, "2022-02-02T09:30:00Z", _page("Briefing", f"{WATER.capitalize()}.")),
            ],
        )
        manager = str(venv / "bin" / "wb-manager")
        for command in (
            [manager, "init", "empty"],
            [manager, "init", "coll"],
            [manager, "add", "coll", str(warc)],
        ):
            subprocess.run(command, cwd=root, check=True, capture_output=True, timeout=60)
        # RFC 7089's TimeGate: a redirect to the memento (pywb's default is a 200 with a frame).
        (root / "config.yaml").write_text("enable_memento: true\nredirect_to_exact: true\n")
        started = time.monotonic()
        with Wayback(venv, root) as pywb:
            pywb_start = time.monotonic() - started
            cw = Citewatch(home=tmp_path_factory.mktemp("memento") / "home")
            cw.home.mkdir(parents=True)
            (cw.home / "citewatch.toml").write_text(
                "autothrottle = false\ndownload_timeout = 3.0\nrequisites = false\nretry_times = 0\n"
                "[memento_archives]\n"
                f'empty = "http://127.0.0.1:{pywb.port}/empty/"\n'
                f'pywb = "http://127.0.0.1:{pywb.port}/coll/"\n',
                encoding="utf-8",
            )
            article = cw.home.parent / "article.md"
            article.write_text(
                "# Statements that vanished\n\n"
                f'The minister promised that "{KEPT}" and that "{NOT_IN_MEMENTO}" ([statement]({gone})).\n\n'
                f'The agency said that "{ROAD}" ([notice]({DEAD_HOST_URL})).\n\n'
                f'The briefing noted that "{WATER}" ([briefing]({soft})).\n',
                encoding="utf-8",
            )
            started = time.monotonic()
            [ingested] = cw.json("ingest", str(article))
            ingest_seconds = time.monotonic() - started
            yield World(
                cw, pywb.port, gone, soft, DEAD_HOST_URL, ingested["article_id"], ingest_seconds, pywb_start
            )
    sys.stderr.write(f"\npywb started in {pywb_start:.1f}s; ingest with recovery {ingest_seconds:.1f}s\n")


def _records(home: Path) -> list[tuple[str, dict[str, str], bytes]]:
    """(type, WARC headers, payload) of every record of every WARC citewatch wrote."""
    found = []
    for path in sorted(home.rglob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                headers = dict(record.rec_headers.headers)
                found.append((record.rec_type, headers, record.content_stream().read()))
    return found


def check_recovered_into_our_warc_with_a_note(world: World) -> None:
    records = _records(world.cw.home)
    memento = f"http://127.0.0.1:{world.port}/coll/20200301100000id_/{world.gone}"
    [response] = [h for t, h, _ in records if t == "response" and h["WARC-Target-URI"] == memento]
    [note] = [
        dict(parse_warc_fields(body))
        for t, h, body in records
        if t == "metadata" and h.get("WARC-Concurrent-To") == response["WARC-Record-ID"]
    ]
    assert note["citewatch-source"] == world.gone
    assert note["citewatch-recovered-from"] == "pywb"
    assert note["citewatch-timegate"] == f"http://127.0.0.1:{world.port}/coll/"
    assert note["citewatch-memento-datetime"] == "Sun, 01 Mar 2020 10:00:00 GMT"
    assert note["citewatch-memento-raw"] == "id_"
    assert f'<{world.gone}>; rel="original"' in note["citewatch-memento-link"]
    # The memento is the raw page as archived, not pywb's rewritten replay of it.
    [body] = [b for t, h, b in records if t == "response" and h["WARC-Target-URI"] == memento]
    assert KEPT.capitalize().encode() in body and b"wombat" not in body and b"_wb_" not in body
    # The TimeGate's own answers are not archived (what they said is in the note).
    assert not [h for _, h, _ in records if "/empty/" in h.get("WARC-Target-URI", "")]


def check_sources_and_captures_say_recovered(world: World) -> None:
    sources = {s["url"]: s for s in world.cw.json("sources")}
    gone, dead, soft = sources[world.gone], sources[world.dead_host], sources[world.soft]
    assert (gone["state"], gone["recovered_from"], gone["memento_datetime"]) == (
        "deleted",
        "pywb",
        "2020-03-01T10:00:00+00:00",
    )
    assert gone["last_status"] == 404  # what the live web answers: the memento does not change it
    assert (dead["state"], dead["recovered_from"], dead["memento_datetime"]) == (
        "unreachable",
        "pywb",
        "2021-06-01T12:00:00+00:00",
    )
    assert (soft["state"], soft["recovered_from"]) == ("deleted", "pywb")
    captures = world.cw.json("captures", world.gone)
    assert [(c["status"], c["recovered_from"]) for c in captures] == [(404, None), (200, "pywb")]
    assert captures[1]["final_url"] == f"http://127.0.0.1:{world.port}/coll/20200301100000id_/{world.gone}"


def check_quotes_against_the_recovered_text_and_a_recrawl_is_no_news(world: World) -> None:
    def changes() -> list[tuple[str, str, list[str]]]:
        return [(c["url"], c["kind"], c["removed_quotes"]) for c in world.cw.json("changes")]

    # The one quote the archived page does not hold is reported; the quotes it holds are not.
    assert changes() == [(world.gone, "deleted", [NOT_IN_MEMENTO])]
    # Still dead on the live web: compared with the memento, that is no news, and no quote is lost.
    crawled = world.cw.json("crawl", "--all")
    assert (crawled["changes"], crawled["recovered"]) == (0, 0)  # only a first capture asks the archives
    assert changes() == [(world.gone, "deleted", [NOT_IN_MEMENTO])]
    states = {s["url"]: s["state"] for s in world.cw.json("sources")}
    assert states == {world.gone: "deleted", world.dead_host: "unreachable", world.soft: "deleted"}
    # The fixity audit finds each recovered capture's row and record in agreement.
    audit = world.cw.json("verify")
    assert (audit["ok"], audit["bad"]) == (True, []) and audit["checked"] > 0
    # The article's link-health report checks the quotes against the recovered copies too.
    report = world.cw.json("report", str(world.article_id))
    quotes = {(c["url"], q["text"]): q["status"] for c in report["citations"] for q in c["quotes"]}
    assert quotes == {
        (world.gone, KEPT): "present",
        (world.gone, NOT_IN_MEMENTO): "gone",
        (world.dead_host, ROAD): "present",
        (world.soft, WATER): "present",
    }


def test_dead_sources_are_recovered_from_pywb_and_their_quotes_checked(world: World) -> None:
    """One scenario (one pywb, one ingest), checked step by step: the steps build on each other."""
    check_recovered_into_our_warc_with_a_note(world)
    check_sources_and_captures_say_recovered(world)
    check_quotes_against_the_recovered_text_and_a_recrawl_is_no_news(world)
