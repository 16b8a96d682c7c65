"""Bad input gets one actionable line and a non-zero exit, and loses nothing already stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.site import TestSite
from tests.integration.conftest import Citewatch


def assert_one_line_error(proc: object, *needles: str) -> None:
    stderr = proc.stderr  # type: ignore[attr-defined]
    assert proc.returncode != 0  # type: ignore[attr-defined]
    assert "Traceback" not in stderr
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("citewatch: error: ")
    for needle in needles:
        assert needle in lines[0]


@pytest.fixture
def stored(tmp_path: Path, site: TestSite, cw: Citewatch) -> list[str]:
    """A catalog with one article already in it: bad input must not disturb it."""
    article = tmp_path / "first.md"
    article.write_text(f"See [one]({site.url('/statements/1')}).\n", encoding="utf-8")
    cw.json("ingest", str(article))
    return [s["url"] for s in cw.json("sources")]


def test_missing_file(tmp_path: Path, cw: Citewatch, stored: list[str]) -> None:
    good = tmp_path / "good.txt"
    good.write_text("Source: https://example.org/statement\n", encoding="utf-8")
    proc = cw.run("ingest", str(good), str(tmp_path / "missing.md"), check=False)
    assert_one_line_error(proc, "missing.md", "no such file")
    assert [s["url"] for s in cw.json("sources")] == stored, "all or nothing: the good file was not ingested"


@pytest.mark.parametrize("src", ["ftp://example.org/file.txt", "javascript:alert(1)", "http://"])
def test_not_an_http_url(cw: Citewatch, src: str) -> None:
    assert_one_line_error(cw.run("ingest", src, check=False), "http")


def test_unsupported_file_type(tmp_path: Path, cw: Citewatch) -> None:
    doc = tmp_path / "article.docx"
    doc.write_bytes(b"PK\x03\x04")
    assert_one_line_error(cw.run("ingest", str(doc), check=False), "article.docx")


def test_unreadable_pdf(tmp_path: Path, cw: Citewatch, stored: list[str]) -> None:
    good = tmp_path / "good.md"
    good.write_text("[x](https://example.org/other)\n", encoding="utf-8")
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntruncated")
    proc = cw.run("ingest", str(good), str(bad), check=False)
    assert_one_line_error(proc, "PDF")
    assert [s["url"] for s in cw.json("sources")] == stored


def test_bad_config_file(cw: Citewatch) -> None:
    (cw.home / "citewatch.toml").write_text("store = [unclosed\n", encoding="utf-8")
    assert_one_line_error(cw.run("sources", check=False), "citewatch.toml")


def test_bad_setting_value(cw: Citewatch) -> None:
    cw.env["CITEWATCH_ALLOW_PRIVATE"] = "perhaps"
    assert_one_line_error(cw.run("sources", check=False), "CITEWATCH_ALLOW_PRIVATE")


def test_unknown_store_scheme(cw: Citewatch) -> None:
    # Commands that store WARCs say so before anything else (the read-only ones never open the store).
    cw.env["CITEWATCH_STORE"] = "ftp://archive.example/warcs"
    assert_one_line_error(cw.run("crawl", "--due", check=False), "ftp://")


def test_captures_of_unwatched_url(cw: Citewatch, stored: list[str]) -> None:
    assert_one_line_error(cw.run("captures", "https://unwatched.example/", check=False), "citewatch sources")


def test_catastrophic_ignore_pattern_is_refused(cw: Citewatch, stored: list[str]) -> None:
    proc = cw.run("ignore", stored[0], "--regex", "(a+)+$", check=False)
    assert_one_line_error(proc, "(a+)+$", "nested repetition")
    cw.run("ignore", stored[0], "--regex", r"Visitors today: \d+")


def test_crawl_unwatched_source(cw: Citewatch, stored: list[str]) -> None:
    assert_one_line_error(cw.run("crawl", "--source", "https://unwatched.example/", check=False), "ingest")


def test_article_by_url(tmp_path: Path, site: TestSite, cw: Citewatch) -> None:
    two, three = site.url("/statements/2", host="127.0.0.2"), site.url("/statements/3", host="127.0.0.3")
    body = f"""<html><head><title>Officials revise figures</title></head><body>
    <nav><a href="{site.url("/")}">Home</a> <a href="{site.url("/statements/40")}">Top story</a></nav>
    <article><h1>Officials revise figures</h1>
    <p>The ministry <a href="{two}">said on Monday</a> that the count was final.</p>
    <p>A later <a href="{three}?utm_source=x">briefing</a> said otherwise.</p>
    <div class="share"><a href="https://twitter.com/intent/tweet?u=1">Share</a></div></article>
    <footer><a href="{site.url("/statements/41")}">About</a></footer></body></html>"""
    site.set_page("/news/figures", body)

    (article,) = cw.json("ingest", site.url("/news/figures"))

    assert article["title"] == "Officials revise figures"
    assert [s["url"] for s in article["sources"]] == [
        site.url("/statements/2", host="127.0.0.2"),
        site.url("/statements/3", host="127.0.0.3"),
    ]
    assert article["sources"][0]["context"]["label"] == "said on Monday"
    states = {s["url"]: s["state"] for s in cw.json("sources")}
    assert set(states.values()) == {"live"}
    assert len(site.requests_for("/news/figures")) == 1, "the article page itself is archived"


def test_unreachable_article_url_fails_clearly(cw: Citewatch) -> None:
    proc = cw.run("ingest", "http://127.0.0.1:9/never", check=False)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("citewatch: error:")


def test_unknown_config_key_is_an_error_not_silence(cw: Citewatch) -> None:
    (cw.home / "citewatch.toml").write_text('alert_url = ["json://127.0.0.1:9/x"]\n', encoding="utf-8")
    assert_one_line_error(cw.run("sources", check=False), "alert_url")


HUGE_ID = "99999999999999999999999"  # beyond SQLite's INTEGER: the driver raised OverflowError


def test_an_article_id_out_of_range_is_a_usage_error(tmp_path: Path, cw: Citewatch) -> None:
    article = tmp_path / "article.md"
    article.write_text("See [one](https://example.org/one).\n", encoding="utf-8")
    cw.run("ingest", "--no-crawl", str(article))  # a catalog to query, quickly
    for args in (
        ("report", HUGE_ID, "--json"),
        ("export", HUGE_ID, "--wacz", str(tmp_path / "out.wacz")),
        ("verify", "--article", HUGE_ID),
        ("report", "0"),
        ("report", str(2**31)),  # beyond PostgreSQL's INTEGER
    ):
        proc = cw.run(*args, check=False)
        assert_one_line_error(proc, "is not an article id", "citewatch ingest --json")
        assert proc.returncode == 2 and proc.stdout == "", args
    assert [s["url"] for s in cw.json("sources")] == ["https://example.org/one"]


def test_a_package_or_article_that_cannot_be_written_there(
    tmp_path: Path, cw: Citewatch, stored: list[str]
) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    a_file = tmp_path / "file.txt"
    a_file.write_text("kept", encoding="utf-8")
    cases = [
        (("report", "1", "--wacz", "/proc/nope.wacz"), "/proc/nope.wacz"),  # a file system refusing it
        (("report", "1", "--json", "--wacz", f"{folder}/"), "is a directory"),
        (("export", "1", "--wacz", str(folder)), "is a directory"),
        (("export", "1", "--wacz", str(a_file / "x.wacz")), "is not a directory"),
        (
            ("robustify", str(tmp_path / "first.md"), "--base-url", "http://a.example/", "-o", str(folder)),
            "directory",
        ),
    ]
    for args, needle in cases:
        proc = cw.run(*args, check=False)
        assert_one_line_error(proc, needle)
        assert proc.stdout == "", args
    assert list(folder.iterdir()) == [] and a_file.read_text(encoding="utf-8") == "kept"
    assert [s["url"] for s in cw.json("sources")] == stored
    cw.run("export", "1", "--wacz", str(tmp_path / "new" / "ok.wacz"))  # and article 1 is there
    assert (tmp_path / "new" / "ok.wacz").stat().st_size > 0
