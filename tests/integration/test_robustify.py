"""`citewatch robustify`: Robust Links on every cited link of an ingested HTML and Markdown article,
pointing at our captures, with every other byte of the file unchanged (issue 11, item 1)."""

from __future__ import annotations

import difflib
import html
import json
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from archive.catalog import CaptureRecord
from archive.catalog.models import Capture
from citewatch.app import App
from citewatch.config import Settings
from citewatch.robustify import Robustified, robustify_file
from tests.fixtures.site import TestSite
from tests.integration.conftest import HOSTS, REPO, Citewatch, serving

BASE = "https://archive.example/"
# Exactly what robustify adds to an HTML start tag (and in Markdown, inside {…}).
ADDED_HTML = re.compile(rb' data-originalurl="[^"]*" data-versionurl="[^"]*" data-versiondate="[^"]*"')
ADDED_MD = re.compile(rb'\{data-originalurl="[^"]*" data-versionurl="[^"]*" data-versiondate="[^"]*"\}')
ROBUST_TAG = re.compile(
    rb'data-originalurl="(?P<original>[^"]*)" data-versionurl="(?P<version>[^"]*)" '
    rb'data-versiondate="(?P<date>[^"]*)"'
)


@dataclass
class Articles:
    site: TestSite
    cw: Citewatch
    html: Path
    markdown: Path
    sources: dict[str, str]  # name -> URL
    ingested: dict[str, str]  # origin -> ingested_at, as `ingest --json` printed it
    ids: dict[str, int]  # origin -> article id


def html_article(s: dict[str, str]) -> bytes:
    """Hostile on purpose: BOM, CRLF, a mislabelled byte, '>' in quoted values, upper-case tags,
    an entity in an href, a self-closing anchor, links in a comment and a script, an unclosed tag."""
    return (
        b"\xef\xbb\xbf<!DOCTYPE html>\r\n<html><head><meta charset=utf-8><title>Minister's claims</title>"
        b"</head>\r\n<body><nav><a href='" + s["nav"].encode() + b"'>Home</a></nav>\r\n"
        b"<article><h1>Claims</h1>\r\n"
        b'<p>The minister said \xff so <A HREF="' + s["one"].encode() + b'" TITLE="a > b">in a statement</A>'
        b" and repeated it <a class=x href=" + s["two"].encode() + b"?a=1&amp;b=2 data-x=1>later</a>.</p>\r\n"
        b'<p>An archived note <a href="' + s["three"].encode() + b"\" title='x/>y'/>again</a>."
        b'<!-- <a href="' + s["one"].encode() + b'">commented</a> -->'
        b"<script>var a = '<a href=\"" + s["one"].encode() + b"\">';</script></p>\r\n"
        b'<p>Unfinished <a href="' + s["one"].encode() + b'"'
    )


def markdown_article(s: dict[str, str]) -> bytes:
    return (
        "\ufeff# Claims\r\n\r\n"
        f'The minister said so [in a statement]({s["one"]} "the statement") and\r\n'
        f"repeated it [later][later], see <{s['three']}>.\r\n\r\n"
        f"> Quoted: `[not a link]({s['nav']})` and ![an image]({s['nav']}).\r\n\r\n"
        f"[later]: {s['two']}\r\n"
    ).encode()


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Articles]:
    tmp = tmp_path_factory.mktemp("robust")
    with TestSite(hosts=HOSTS) as site:
        sources = {
            "one": site.url("/statements/1"),
            "two": site.url("/statements/2", host="127.0.0.2"),
            "three": site.url("/statements/3", host="127.0.0.3"),
            "nav": site.url("/"),
        }
        cw = Citewatch(home=tmp / "home")
        cw.config(autothrottle=False, download_timeout=3.0, concurrent_per_domain=4)
        html, markdown = tmp / "claims.html", tmp / "claims.md"
        html.write_bytes(html_article(sources))
        markdown.write_bytes(markdown_article(sources))
        # The same article published on the web: ingested by URL, its page is archived too.
        site.set_page("/claims", html_article(sources), content_type="text/html; charset=utf-8")
        created = cw.json("ingest", str(html), str(markdown), site.url("/claims"))
        yield Articles(
            site,
            cw,
            html,
            markdown,
            sources,
            {a["origin"]: a["ingested_at"] for a in created},
            {a["origin"]: a["article_id"] for a in created},
        )


def robustify(cw: Citewatch, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "citewatch", "robustify", *args],
        env=cw.environ(),
        capture_output=True,
        cwd=REPO,
        timeout=60,
    )


def first_capture(articles: Articles, url: str) -> datetime:
    app = App(Settings(home=articles.cw.home), read_only=True)
    try:
        return app.catalog.captures_for(url)[0].captured_at
    finally:
        app.catalog.engine.dispose()


def only_inserts(before: bytes, after: bytes) -> list[tuple[int, bytes]]:
    """(offset in ``before``, inserted bytes) of every change; fails on anything but insertions."""
    inserts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        assert op == "insert", (op, before[i1:i2], after[j1:j2])
        inserts.append((i1, after[j1:j2]))
    return inserts


# One test over one archive: with `--maxschedchunk=1` each test of a module may land on another
# xdist worker, and each worker would ingest the articles again (three tests cost three ingests).


def test_robustify_end_to_end(articles: Articles, tmp_path: Path) -> None:
    for part in ("command", "markdown"):
        (tmp_path / part).mkdir()
    check_robustify_command(articles, tmp_path / "command")
    check_robustify_markdown_versions_and_again(articles, tmp_path / "markdown")
    check_ui_offers_snippets_robust_html_csl_json_and_bibtex(articles)


def check_robustify_command(articles: Articles, tmp_path: Path) -> None:
    """The command: an HTML article decorated byte for byte, warnings, --strict, bad input."""
    check_html_article_cited_links_decorated_rest_byte_identical(articles)
    check_uncaptured_links_warn_and_strict_fails(articles, tmp_path)
    check_bad_input_is_one_line(articles, tmp_path)


def check_robustify_markdown_versions_and_again(articles: Articles, tmp_path: Path) -> None:
    """A Markdown article, the choice of version, and robustifying a robustified file again."""
    check_markdown_article_links_get_attribute_blocks(articles)
    check_version_is_the_capture_closest_to_the_article_date(articles, tmp_path / "versions")
    check_robustify_again_updates_in_place(articles, tmp_path / "again")


def check_html_article_cited_links_decorated_rest_byte_identical(articles: Articles) -> None:
    before = articles.html.read_bytes()
    proc = robustify(articles.cw, str(articles.html), "--base-url", BASE)
    assert proc.returncode == 0, proc.stderr
    after = proc.stdout

    # Taking the added attributes out gives back the file byte for byte.
    assert ADDED_HTML.sub(b"", after) == before
    # And the only changes are insertions at the end of the start tags of cited links.
    decorated = ROBUST_TAG.findall(after)
    inserts = only_inserts(before, after)
    assert len(inserts) == 3
    for offset, _ in inserts:
        tag_start = before.rfind(b"<", 0, offset)
        tag = before[tag_start : before.find(b">", offset) + 1]
        assert tag.lower().startswith(b"<a "), tag
        assert b"Home" not in before[offset : offset + 10]
    s = articles.sources
    originals = [m[0].decode() for m in decorated]
    assert originals == [s["one"], s["two"] + "?a=1&amp;b=2", s["three"]]
    for (_, version, date), name in zip(decorated, ("one", "two", "three"), strict=True):
        captured = first_capture(articles, s[name])
        url = s[name] + ("?a=1&amp;b=2" if name == "two" else "")
        assert version.decode() == f"{BASE}replay/{captured:%Y%m%d%H%M%S}/{url}"
        assert date.decode() == f"{captured:%Y-%m-%dT%H:%M:%S}Z"
    # Not cited, not touched: the navigation link, the comment, the script, the unclosed tag.
    assert b"<a href='" + s["nav"].encode() + b"'>Home</a>" in after
    assert after.count(b"data-originalurl") == 3
    assert after.endswith(b'<p>Unfinished <a href="' + s["one"].encode() + b'"')


def in_process(
    articles: Articles, path: Path, now: datetime | None = None, home: Path | None = None
) -> Robustified:
    """`robustify_file` on the module's archive (or the one at ``home``), as the command runs it
    (without a process start)."""
    app = App(Settings(home=home or articles.cw.home), read_only=True)
    try:
        return robustify_file(path, base_url=BASE, catalog=app.catalog, now=now or datetime.now(UTC))
    finally:
        app.catalog.engine.dispose()


def check_markdown_article_links_get_attribute_blocks(articles: Articles) -> None:
    before = articles.markdown.read_bytes()
    after = in_process(articles, articles.markdown).data
    assert ADDED_MD.sub(b"", after) == before
    s = articles.sources
    lines = after.split(b"\r\n")
    assert lines[2].startswith(
        f'The minister said so [in a statement]({s["one"]} "the statement"){{'.encode()
    )
    assert lines[3].startswith(b'repeated it [later][later]{data-originalurl="' + s["two"].encode())
    assert f"see <{s['three']}>{{data-originalurl".encode() in lines[3]
    assert lines[5] == before.split(b"\r\n")[5]  # a code span and an image: not links
    captured = first_capture(articles, s["one"])
    assert f'data-versionurl="{BASE}replay/{captured:%Y%m%d%H%M%S}/{s["one"]}"'.encode() in after


def add_capture(home: Path, source_url: str, at: datetime, **columns: object) -> None:
    """A capture of a watched source recorded in the catalog at ``home``, as a crawl at ``at`` would have."""
    app = App(Settings(home=home))
    try:
        (source,) = app.catalog.sources_for_urls([source_url])
        capture_id = app.catalog.record_capture(
            CaptureRecord(
                role="source",
                url=source_url,
                captured_at=at,
                source_id=source.id,
                status=200,
                warc_name="elsewhere.warc.gz",
                offset=0,
                length=1,
            )
        )
        if columns:
            with app.catalog.engine.begin() as db:
                db.execute(update(Capture).where(Capture.id == capture_id).values(**columns))
    finally:
        app.catalog.engine.dispose()


def check_version_is_the_capture_closest_to_the_article_date(articles: Articles, tmp_path: Path) -> None:
    """An ingested article points at the newest capture at or before its ingest (else the first
    after); a file never ingested at the newest; 404s and failures are never versions; a source
    recovered from a Memento archive points at our capture of the memento, dated as the memento."""
    s = articles.sources
    ingested = datetime.fromisoformat(articles.ingested[str(articles.html)])
    first = first_capture(articles, s["one"])
    assert first >= ingested  # ingest records the article, then crawls: its captures come after
    before, later = ingested - timedelta(days=2), first + timedelta(days=3)
    tmp_path.mkdir()
    home = tmp_path / "home"  # a copy: the other tests keep the archive as ingest left it
    shutil.copytree(articles.cw.home, home)
    add_capture(home, s["one"], before)
    add_capture(home, s["one"], later)
    add_capture(home, s["one"], ingested - timedelta(hours=1), status=404)  # not a version
    memento = datetime(2020, 5, 17, 12, 0, tzinfo=UTC)
    # As the crawler records a recovery: the source's 404, then in the same second the memento,
    # under the source's URL with the memento's URL as final URL.
    dead_at = (ingested - timedelta(days=1)).replace(microsecond=100_000)
    add_capture(home, s["three"], dead_at, status=404)
    memento_uri = "http://memento.example/web/20200517120000/" + s["three"]
    add_capture(
        home,
        s["three"],
        dead_at + timedelta(milliseconds=400),
        final_url=memento_uri,
        recovered_from="example archive",
        memento_datetime=memento,
    )

    out = in_process(articles, articles.html, home=home).data
    assert f"/replay/{before:%Y%m%d%H%M%S}/{s['one']}".encode() in out
    # Replayed by the memento's URL: the source's URL at that second is the 404.
    recovered = f'data-versionurl="{BASE}replay/{dead_at:%Y%m%d%H%M%S}/{memento_uri}"'
    assert recovered.encode() in out and b'data-versiondate="2020-05-17T12:00:00Z"' in out
    copy = tmp_path / "copy.html"
    copy.write_bytes(articles.html.read_bytes())
    fresh = in_process(articles, copy, now=later + timedelta(days=1), home=home).data
    assert f"/replay/{later:%Y%m%d%H%M%S}/{s['one']}".encode() in fresh
    early = in_process(articles, copy, now=before - timedelta(days=1), home=home).data  # first after
    assert f"/replay/{before:%Y%m%d%H%M%S}/{s['one']}".encode() in early


def check_robustify_again_updates_in_place(articles: Articles, tmp_path: Path) -> None:
    tmp_path.mkdir()
    once = in_process(articles, articles.markdown).data
    stale = tmp_path / "claims.md"
    stale.write_bytes(
        once.replace(b'data-versionurl="https://archive.example/', b'data-versionurl="http://old/')
    )
    again = in_process(articles, stale).data
    assert b"http://old/" not in again and again.count(b"data-versionurl") == once.count(b"data-versionurl")
    assert ADDED_MD.sub(b"", again) == articles.markdown.read_bytes()
    html_copy = tmp_path / "claims.html"
    html_copy.write_bytes(in_process(articles, articles.html).data)
    twice = in_process(articles, html_copy).data
    assert ADDED_HTML.sub(b"", twice) == articles.html.read_bytes()
    assert twice.count(b"data-originalurl") == 3


def check_uncaptured_links_warn_and_strict_fails(articles: Articles, tmp_path: Path) -> None:
    new = articles.site.url("/statements/9")
    article = tmp_path / "new.md"
    article.write_bytes(f"Cites [a new one]({new}) and [an old one]({articles.sources['one']}).\n".encode())
    out = tmp_path / "out.md"
    proc = robustify(articles.cw, str(article), "--base-url", BASE, "--strict", "-o", str(out))
    assert proc.returncode == 1 and proc.stdout == b""
    warning = f"citewatch: warning: not captured yet: {new} (run `citewatch ingest {article}`)"
    assert proc.stderr.decode().strip() == warning
    written = out.read_bytes()
    assert written.count(b"data-versionurl") == 1 and f"[a new one]({new}) and".encode() in written
    without = in_process(articles, article)
    assert without.uncaptured == (new,) and len(without.decorated) == 1


def check_bad_input_is_one_line(articles: Articles, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("https://example.org/\n")
    proc = robustify(articles.cw, str(text), "--base-url", BASE)
    assert proc.returncode == 2 and proc.stdout == b""
    assert proc.stderr.decode().count("\n") == 1 and "HTML" in proc.stderr.decode()
    proc = robustify(articles.cw, str(articles.html))
    assert proc.returncode == 1 and proc.stdout == b""
    assert proc.stderr.decode().startswith("citewatch: error:") and "--base-url" in proc.stderr.decode()


def check_ui_offers_snippets_robust_html_csl_json_and_bibtex(articles: Articles) -> None:
    from pybtex.database import parse_string

    ids = {origin: int(a) for origin, a in articles.ids.items()}
    by_url, by_file = ids[articles.site.url("/claims")], ids[str(articles.markdown)]
    s = articles.sources
    with serving(articles.cw, CITEWATCH_UI_BASE_URL=BASE) as served:
        page = fetch(served.url + f"/articles/{by_file}")[1].decode()
        assert 'id="robust-links"' in page and f"/articles/{by_file}/citations.bib" in page
        captured = first_capture(articles, s["one"])
        snippet = f'data-versionurl="{BASE}replay/{captured:%Y%m%d%H%M%S}/{s["one"]}"'
        assert snippet not in page and snippet in html.unescape(page)  # shown as text, to copy

        headers, body = fetch(served.url + f"/articles/{by_url}/robust.html")
        assert headers["content-type"] == "text/html; charset=utf-8"
        assert headers["content-disposition"] == f'attachment; filename="article-{by_url}-robust.html"'
        assert ADDED_HTML.sub(b"", body) == html_article(s)  # the archived bytes, links decorated
        assert body.count(b"data-originalurl") == 3

        headers, body = fetch(served.url + f"/articles/{by_file}/robust.html")  # no archived HTML
        assert body.count(b"data-versionurl") == 3 and b"<li><a href=" in body

        headers, body = fetch(served.url + f"/articles/{by_file}/citations.json")
        assert headers["content-type"] == "application/vnd.citationstyles.csl+json"
        assert headers["content-disposition"] == f'attachment; filename="article-{by_file}-citations.json"'
        items = json.loads(body)
        assert [i["URL"] for i in items] == [s["one"], s["two"], s["three"]]
        first = items[0]
        assert first["type"] == "webpage" and first["title"] == "in a statement"
        assert first["archive"] == "citewatch"
        assert first["archive_location"] == f"{BASE}replay/{captured:%Y%m%d%H%M%S}/{s['one']}"
        assert first["accessed"] == {"date-parts": [[captured.year, captured.month, captured.day]]}

        headers, body = fetch(served.url + f"/articles/{by_file}/citations.bib")
        assert headers["content-type"] == "application/x-bibtex; charset=utf-8"
        entries = parse_string(body.decode(), "bibtex").entries
        assert len(entries) == 3
        entry = next(iter(entries.values()))
        assert entry.type == "misc" and entry.fields["url"] == s["one"]
        assert entry.fields["urldate"] == f"{captured:%Y-%m-%d}"
        assert f"replay/{captured:%Y%m%d%H%M%S}/" in entry.fields["note"]

        assert fetch(served.url + "/articles/999/citations.bib", expect=404)[0] == {}


def fetch(url: str, expect: int = 200) -> tuple[dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == expect
            return {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as exc:
        assert exc.code == expect, exc
        return {}, b""
