"""A local site that evolves between crawls: every kind of change is reported, noise never is."""

from __future__ import annotations

import gzip
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastwarc.warc import ArchiveIterator, WarcRecordType
from fpdf import FPDF

from tests.fixtures.site import TestSite
from tests.integration.conftest import Citewatch

QUOTE = "all civilians who wished to leave were able to do so safely"


def page(
    title: str,
    paragraphs: list[str],
    *,
    clock: str = "09:41",
    views: str = "1,204",
    token: str = "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    related: tuple[str, ...] = ("Budget talks resume", "New envoy named", "Floods in the north"),
    ad: str = "Visit the spring fair",
    widget: str = "",
    pad: int = 0,
) -> str:
    """An official-looking page with the usual chrome around the statement."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    filler = "".join(
        f"<p>Background note {i}: the ministry publishes its statements in full on this site.</p>"
        for i in range(pad)
    )
    items = "".join(f'<li><a href="/related/{i}">{r}</a></li>' for i, r in enumerate(related))
    return f"""<!doctype html><html><head><title>{title}</title>
<script src="/static/app.js?v={token[:8]}"></script></head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<span class="clock">Last updated {clock}</span></header>
<main><article><h1>{title}</h1>{widget}{body}{filler}</article></main>
<aside class="related"><h2>Related</h2><ul>{items}</ul></aside>
<div class="ad-slot">Advertisement: {ad}</div>
<form action="/subscribe"><input type="hidden" name="csrf" value="{token}"><button>Subscribe</button></form>
<footer>{views} views · © Ministry</footer></body></html>"""


def pdf(text: str) -> bytes:
    doc = FPDF()
    doc.set_creation_date(datetime(2026, 5, 3, tzinfo=UTC))
    doc.add_page()
    doc.set_font("Helvetica", size=12)
    doc.multi_cell(0, 8, text)
    return bytes(doc.output())


STATEMENTS = {
    "quote": ("127.0.0.1", "/s/evacuation", "Statement on the evacuation"),
    "number": ("127.0.0.1", "/s/figures", "Evacuation figures"),
    "name": ("127.0.0.2", "/s/coordinator", "Coordinator appointed"),
    "noise": ("127.0.0.2", "/s/noisy", "Daily situation update"),
    "widget": ("127.0.0.2", "/s/weather", "Field office statement"),
    "gzip": ("127.0.0.1", "/s/compressed", "Compressed statement"),
    "pdf": ("127.0.0.1", "/s/report.pdf", "Report"),
    "gone404": ("127.0.0.1", "/s/withdrawn", "Withdrawn statement"),
    "gone410": ("127.0.0.2", "/s/retracted", "Retracted statement"),
    "home": ("127.0.0.1", "/s/press-release", "Press release"),
    "moved": ("127.0.0.2", "/s/old-address", "Moved statement"),
    "soft404": ("127.0.0.3", "/s/briefing", "Briefing"),
    "flaky": ("127.0.0.2", "/s/flaky", "Flaky server statement"),
}


def publish_v1(site: TestSite) -> None:
    h = STATEMENTS
    site.set_page(
        h["quote"][1], page(h["quote"][2], [f'The spokesperson said: "{QUOTE}."', "Buses were provided."])
    )
    site.set_page(h["number"][1], page(h["number"][2], ["The operation evacuated 101 civilians on 3 May."]))
    site.set_page(
        h["name"][1],
        page(h["name"][2], ["Osnat Lubrani will coordinate the humanitarian response."]),
        host="127.0.0.2",
    )
    site.set_page(
        h["noise"][1], page(h["noise"][2], ["Talks continue in Geneva this week."]), host="127.0.0.2"
    )
    site.set_page(
        h["widget"][1],
        page(h["widget"][2], ["The field office remains open."], widget='<div id="weather">Today 12°C</div>'),
        host="127.0.0.2",
    )
    site.set_page(
        h["gzip"][1],
        gzip.compress(page(h["gzip"][2], ["Aid reached 30 villages."]).encode(), mtime=0),
        headers=[("Content-Encoding", "gzip")],
    )
    site.set_page(
        h["pdf"][1], pdf("The report counts 2,100 troops in the plant."), content_type="application/pdf"
    )
    site.set_page(h["gone404"][1], page(h["gone404"][2], ["This statement was issued on 1 May."]))
    site.set_page(
        h["gone410"][1], page(h["gone410"][2], ["This statement was issued on 2 May."]), host="127.0.0.2"
    )
    site.set_page(h["home"][1], page(h["home"][2], ["The minister visited the region."]))
    site.set_page(h["moved"][1], page(h["moved"][2], ["The agency relocated its office."]), host="127.0.0.2")
    site.set_page(
        h["soft404"][1],
        page(h["soft404"][2], ["The briefing covered the evacuation plan."]),
        host="127.0.0.3",
    )
    site.set_page(h["flaky"][1], page(h["flaky"][2], ["Services continue as normal."]), host="127.0.0.2")


def publish_v2(site: TestSite) -> None:
    """Real edits and deletions, plus pure noise on the noisy pages."""
    h = STATEMENTS
    site.set_page(h["quote"][1], page(h["quote"][2], ["Buses were provided."], clock="11:02"))
    site.set_page(h["number"][1], page(h["number"][2], ["The operation evacuated 91 civilians on 3 May."]))
    site.set_page(
        h["name"][1],
        page(h["name"][2], ["Martin Griffiths will coordinate the humanitarian response."]),
        host="127.0.0.2",
    )
    site.set_page(
        h["noise"][1],
        page(
            h["noise"][2],
            ["Talks continue in Geneva this week."],
            clock="17:15",
            views="98,311",
            token="0a1b2c3d4e5f60718293a4b5c6d7e8f9",
            related=("Floods in the north", "Budget talks resume", "New envoy named"),
            ad="Subscribe to our newsletter",
        ),
        host="127.0.0.2",
    )
    site.set_page(
        h["widget"][1],
        page(h["widget"][2], ["The field office remains open."], widget='<div id="weather">Today 17°C</div>'),
        host="127.0.0.2",
    )
    site.set_page(
        h["gzip"][1],
        gzip.compress(page(h["gzip"][2], ["Aid reached 3 villages."]).encode(), mtime=0),
        headers=[("Content-Encoding", "gzip")],
    )
    site.set_page(
        h["pdf"][1], pdf("The report counts 400 troops in the plant."), content_type="application/pdf"
    )
    site.remove_page(h["gone404"][1])
    site.remove_page(h["gone410"][1], status=410, host="127.0.0.2")
    site.set_page(h["home"][1], b"", status=301, headers=[("Location", "/")])
    site.set_page(h["moved"][1], b"", status=301, headers=[("Location", "/s/new-address")], host="127.0.0.2")
    site.set_page(
        "/s/new-address", page(h["moved"][2], ["The agency relocated its office."]), host="127.0.0.2"
    )
    site.soft404_hosts.add("127.0.0.3")
    site.restore_page(h["soft404"][1], host="127.0.0.3")  # now answered by the host's soft-404 page
    site.set_page(
        h["flaky"][1], b"<html><body>Service Unavailable</body></html>", status=503, host="127.0.0.2"
    )


EXPECTED = {
    "quote": "edited",
    "number": "edited",
    "name": "edited",
    "gzip": "edited",
    "pdf": "edited",
    "gone404": "deleted",
    "gone410": "deleted",
    "home": "deleted",
    "moved": "redirected",
    "soft404": "deleted",
}
NOISE = ("noise", "widget", "flaky")


@pytest.fixture
def evolving(tmp_path: Path, site: TestSite, cw: Citewatch) -> dict[str, str]:
    site.robots_txt = "User-agent: *\nAllow: /\n"
    cw.config(autothrottle=False, download_timeout=3.0, concurrent_per_domain=4, requisites=False)
    publish_v1(site)
    urls = {name: site.url(path, host=host) for name, (host, path, _) in STATEMENTS.items()}
    lines = ["# What the officials said", ""]
    for name, url in urls.items():
        if name == "quote":
            lines.append(f'The spokesperson insisted that "{QUOTE}" ([statement]({url})).')
        else:
            lines.append(f"See the {name} statement ([link]({url})).")
    article = tmp_path / "article.md"
    article.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cw.json("ingest", str(article))
    # The user knows the weather widget is noise on this source.
    cw.run("ignore", urls["widget"], "--selector", "#weather")
    return urls


def test_every_change_kind_is_reported_and_noise_never(
    site: TestSite, cw: Citewatch, evolving: dict[str, str]
) -> None:
    urls = evolving
    publish_v2(site)

    summary = cw.json("crawl", "--all")

    changes = cw.json("changes")
    reported = {c["url"]: c["kind"] for c in changes}
    expected = {urls[name]: kind for name, kind in EXPECTED.items()}
    true_positives = sum(1 for url, kind in expected.items() if reported.get(url) == kind)
    false_positives = [c for c in changes if expected.get(c["url"]) != c["kind"]]
    print(f"\nchange detection: recall {true_positives}/{len(expected)}, false alerts {len(false_positives)}")
    assert reported == expected, (reported, expected)
    assert summary["changes"] == len(expected)
    for name in NOISE:
        assert urls[name] not in reported
    quote_change = next(c for c in changes if c["url"] == urls["quote"])
    assert quote_change["removed_quotes"] and QUOTE in quote_change["removed_quotes"][0].lower()
    number_change = next(c for c in changes if c["url"] == urls["number"])
    assert any("101" in passage for passage in number_change["removed"])
    states = {s["url"]: s["state"] for s in cw.json("sources")}
    assert states[urls["gone404"]] == "deleted" and states[urls["moved"]] == "redirected"
    assert states[urls["flaky"]] == "live", "one failure is not 'unreachable'"

    # The flaky server recovers, a deleted page comes back: restored, and still no noise.
    site.set_page(
        STATEMENTS["flaky"][1],
        page(STATEMENTS["flaky"][2], ["Services continue as normal."]),
        host="127.0.0.2",
    )
    site.set_page(
        STATEMENTS["gone404"][1], page(STATEMENTS["gone404"][2], ["This statement was issued on 1 May."])
    )
    cw.json("crawl", "--all")
    later = {(c["url"], c["kind"]) for c in cw.json("changes")} - {(u, k) for u, k in reported.items()}
    assert later == {(urls["gone404"], "restored")}


def test_unreachable_only_after_repeated_failures(
    site: TestSite, cw: Citewatch, evolving: dict[str, str]
) -> None:
    cw.config(autothrottle=False, download_timeout=3.0, requisites=False, failure_threshold=2)
    flaky = evolving["flaky"]
    site.set_page(STATEMENTS["flaky"][1], b"down", status=500, host="127.0.0.2")

    cw.json("crawl", "--source", flaky)
    assert not cw.json("changes")
    cw.json("crawl", "--source", flaky)

    kinds = [c["kind"] for c in cw.json("changes")]
    assert kinds == ["unreachable"]
    cw.json("crawl", "--source", flaky)
    assert [c["kind"] for c in cw.json("changes")] == ["unreachable"], "reported once, not on every failure"


def test_unchanged_recrawl_writes_revisits_and_costs_little(
    tmp_path: Path, site: TestSite, cw: Citewatch
) -> None:
    cw.config(autothrottle=False, concurrent_per_domain=4)
    rng = random.Random(7)
    vocabulary = [
        f"{w}{i}" for i, w in enumerate(["minister", "envoy", "statement", "relief", "convoy", "plant"] * 40)
    ]
    urls = []
    for n in range(12):
        # A realistic statement page: a few thousand words of prose and one photo of its own.
        prose = [" ".join(rng.choice(vocabulary) for _ in range(120)) + "." for _ in range(30)]
        html = page(f"Statement {n}", prose).replace("</article>", f'<img src="/photos/{n}.jpg"></article>')
        site.set_page(f"/long/{n}", html)
        site.set_page(f"/photos/{n}.jpg", rng.randbytes(60_000), content_type="image/jpeg")
        urls.append(site.url(f"/long/{n}", host=site.hosts[n % len(site.hosts)]))
    article = tmp_path / "long.md"
    article.write_text("\n".join(f"- [s{n}]({u})" for n, u in enumerate(urls)) + "\n", encoding="utf-8")
    cw.json("ingest", str(article))
    warcs = cw.home / "archive" / "warcs"
    first = sum(p.stat().st_size for p in warcs.glob("*.warc.gz"))

    cw.json("crawl", "--all")

    second = sum(p.stat().st_size for p in warcs.glob("*.warc.gz")) - first
    growth = second / first
    print(f"\nunchanged re-crawl added {second:,} bytes to {first:,} ({growth:.1%})")
    assert growth < 0.05
    assert not cw.json("changes")
    for url in urls:
        timeline = cw.json("captures", url)
        assert [c["record_type"] for c in timeline] == ["response", "revisit"]
        assert timeline[0]["payload_digest"] == timeline[1]["payload_digest"]
    # An independent reader sees proper identical-payload-digest revisits pointing at the originals.
    revisits = 0
    for path in sorted(warcs.glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, record_types=WarcRecordType.revisit):
                headers = record.headers
                assert headers.get("WARC-Profile").endswith("/revisit/identical-payload-digest")
                assert headers.get("WARC-Refers-To-Target-URI") == headers.get("WARC-Target-URI")
                assert headers.get("WARC-Refers-To-Date") and headers.get("WARC-Refers-To")
                revisits += 1
    assert revisits >= len(urls)
