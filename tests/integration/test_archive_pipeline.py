"""End to end: an article citing pages on a local site -> Scrapy -> WARC -> store -> catalog, via the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fastwarc.warc import ArchiveIterator, WarcRecordType

from archive.warc.reader import read_record
from tests.fixtures.site import TestSite, refused_url
from tests.integration.conftest import Citewatch

CITED = {
    "plain": ("127.0.0.1", "/plain"),
    "gzip": ("127.0.0.2", "/gzip"),
    "brotli": ("127.0.0.2", "/brotli"),
    "chunked": ("127.0.0.3", "/chunked"),
    "cookies": ("127.0.0.3", "/cookies"),
    "chain": ("127.0.0.1", "/redirect/chain"),
    "gone404": ("127.0.0.2", "/status/404"),
    "gone410": ("127.0.0.2", "/status/410"),
    "error500": ("127.0.0.3", "/status/500"),
    "pdf": ("127.0.0.1", "/doc.pdf"),
}


def write_article(tmp_path: Path, site: TestSite, extra: list[str] = ()) -> tuple[Path, dict[str, str]]:
    urls = {name: site.url(path, host=host) for name, (host, path) in CITED.items()}
    lines = ["# Local statements", ""]
    for name, url in urls.items():
        lines.append(f'The {name} statement said "something worth quoting here" ([{name}]({url})).')
    lines.extend(extra)
    article = tmp_path / "article.md"
    article.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return article, urls


def stored_record(cw: Citewatch, warc: str, offset: int, length: int) -> bytes:
    path = cw.home / "archive" / "warcs" / warc
    with path.open("rb") as f:
        f.seek(offset)
        return f.read(length)


def test_local_article_is_archived_byte_exact(tmp_path: Path, site: TestSite, cw: Citewatch) -> None:
    article, urls = write_article(tmp_path, site)

    articles = cw.json("ingest", str(article))

    assert len(articles) == 1
    assert sorted(s["url"] for s in articles[0]["sources"]) == sorted(urls.values())
    sources = {s["url"]: s for s in cw.json("sources")}
    assert set(sources) == set(urls.values())
    assert all(s["captures"] == 1 for s in sources.values())
    assert sources[urls["plain"]]["state"] == "live"
    assert sources[urls["gone404"]]["state"] == "deleted"
    assert sources[urls["gone410"]]["state"] == "deleted"
    assert sources[urls["error500"]]["last_status"] == 500
    assert sources[urls["chain"]]["last_status"] == 200

    # Every capture's record, read back by offset/length from the store, carries the exact bytes sent.
    for name in ("plain", "gzip", "brotli", "chunked", "cookies", "gone404", "pdf"):
        (capture,) = cw.json("captures", urls[name])
        assert capture["record_type"] == "response"
        record = read_record(stored_record(cw, capture["warc"], capture["offset"], capture["length"]))
        assert record.target_uri == urls[name]
        assert record.raw_payload == site.sent[CITED[name][1]], name
    gz = read_record(stored_record(cw, *_loc(cw.json("captures", urls["gzip"])[0])))
    assert gz.http_header("Content-Encoding") == "gzip"
    # We ask for gzip/deflate only, so every WARC reader can decode what we keep (see crawler/settings.py).
    br = read_record(stored_record(cw, *_loc(cw.json("captures", urls["brotli"])[0])))
    assert br.http_header("Content-Encoding") is None
    assert site.requests_for("/brotli")[0].header("Accept-Encoding") == "gzip, deflate"
    cookies = read_record(stored_record(cw, *_loc(cw.json("captures", urls["cookies"])[0])))
    set_cookies = [v for k, v in cookies.http_headers if k.lower() == "set-cookie"]
    assert len(set_cookies) == 2 and set_cookies[0] != set_cookies[1], set_cookies
    assert [v for k, v in cookies.http_headers if k.lower() == "x-repeated"] == ["first", "second"]

    # The redirect chain: one capture whose final record is the last hop, and every hop in the WARC.
    (chain,) = cw.json("captures", urls["chain"])
    assert [r["status"] for r in chain["redirects"]] == [301, 302, 307]
    assert chain["final_url"].endswith("/plain")

    warcs = sorted((cw.home / "archive" / "warcs").glob("*.warc.gz"))
    assert warcs, "no WARC reached the store"
    assert not list((cw.home / "spool").glob("*.warc.gz*")), "spool should be empty after upload"
    for warc in warcs:
        check = subprocess.run(
            [sys.executable, "-m", "warcio.cli", "check", str(warc)], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stdout + check.stderr
    targets = _response_targets(warcs)
    for hop in ("/redirect/chain", "/redirect/hop2", "/redirect/hop3", "/plain"):
        assert site.url(hop, host="127.0.0.1") in targets
    # Page requisites of /plain, including the CSS background image, are archived too.
    for requisite in ("/static/site.css", "/static/logo.png", "/static/app.js", "/static/bg.png"):
        assert site.url(requisite, host="127.0.0.1") in targets
    # A CDXJ index sits beside each WARC in the store.
    for warc in warcs:
        index = cw.home / "archive" / "indexes" / f"{warc.name}.cdxj"
        assert index.read_text().count("\n") >= 1


def _loc(capture: dict[str, object]) -> tuple[str, int, int]:
    return str(capture["warc"]), int(capture["offset"]), int(capture["length"])  # type: ignore[call-overload]


def _response_targets(warcs: list[Path]) -> set[str]:
    """Target URIs of response records, read with FastWARC (an independent reader) with digests verified."""
    targets: set[str] = set()
    for warc in warcs:
        with warc.open("rb") as stream:
            for record in ArchiveIterator(stream, record_types=WarcRecordType.response, parse_http=False):
                assert record.verify_block_digest(), record.headers.get("WARC-Target-URI")
                targets.add(record.headers.get("WARC-Target-URI"))
    return targets


def test_failures_are_captures_not_crashes(tmp_path: Path, site: TestSite, cw: Citewatch) -> None:
    cw.config(autothrottle=False, download_timeout=1.5, max_body_mb=1, max_redirects=5)
    urls = {
        "refused": refused_url("127.0.0.2", "/gone"),
        "slow": site.url("/slow?delay=10", host="127.0.0.3"),
        "big": site.url("/big?mb=3", host="127.0.0.1"),
        "loop": site.url("/redirect/loop", host="127.0.0.1"),
        "dns": "http://no-such-host.invalid/statement",
        # TLS to a server that speaks plain HTTP (its own host: Scrapy keys robots.txt by host:port).
        "tls": site.url("/statements/9", host="127.0.0.3").replace("http://", "https://"),
        "robots": site.url("/private/page", host="127.0.0.2"),
        "ok": site.url("/statements/7", host="127.0.0.2"),
    }
    article = tmp_path / "failures.txt"
    article.write_text(
        "Sources:\n" + "\n".join(f"Source: {u}" for u in urls.values()) + "\n", encoding="utf-8"
    )

    cw.json("ingest", str(article))

    kinds = {}
    for name, url in urls.items():
        (capture,) = cw.json("captures", url)
        kinds[name] = capture["error_kind"]
        if name != "ok":
            assert capture["record_type"] == "metadata", (name, capture)
            assert capture["warc"] and capture["length"] > 0
    assert kinds == {
        "refused": "refused",
        "slow": "timeout",
        "big": "too-large",
        "loop": "too-many-redirects",
        "dns": "dns",
        "tls": "tls",
        "robots": "robots",
        "ok": None,
    }
    assert not site.requests_for("/private/page", host="127.0.0.2"), "robots.txt must be obeyed"
    states = {s["url"]: s["state"] for s in cw.json("sources")}
    assert states[urls["refused"]] == "pending", "one failed fetch is not yet unreachable"
    assert states[urls["ok"]] == "live"


def test_private_addresses_are_refused_by_default(tmp_path: Path, site: TestSite, cw: Citewatch) -> None:
    cw.env["CITEWATCH_ALLOW_PRIVATE"] = "0"
    article = tmp_path / "a.txt"
    article.write_text(f"Source: {site.url('/plain')}\nSource: http://localhost:{site.port}/plain\n")

    cw.json("ingest", str(article))

    for url in (site.url("/plain"), f"http://localhost:{site.port}/plain"):
        (capture,) = cw.json("captures", url)
        assert capture["error_kind"] == "forbidden-address"
        assert "CITEWATCH_ALLOW_PRIVATE" in capture["error"]
    assert site.requests == [], "nothing may reach a private address"
