"""`citewatch mode` (issue 10): a user forces how a source is captured, per URL or per tag, and
`sources` shows the mode each source's next capture uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.catalog import open_catalog
from tests.archive.catalog.catalog_clock import T0
from tests.integration.conftest import Citewatch
from tests.integration.test_cli_input import assert_one_line_error

NEWS = ["https://gov.example/statement", "https://ministry.example/press/1"]
OTHER = "https://other.example/page"
MODE_KEYS = {"url", "mode", "reason", "detected_mode", "effective", "checked_at"}


@pytest.fixture
def cited(tmp_path: Path, cw: Citewatch) -> Citewatch:
    """Two sources cited by an article tagged news, one by an untagged article (not crawled:
    modes need no capture)."""
    news, other = tmp_path / "news.md", tmp_path / "other.md"
    news.write_text(f"[a]({NEWS[0]}) and [b]({NEWS[1]})\n", encoding="utf-8")
    other.write_text(f"[c]({OTHER})\n", encoding="utf-8")
    cw.run("ingest", "--no-crawl", "--tag", "news", str(news))
    cw.run("ingest", "--no-crawl", str(other))
    return cw


def modes(cw: Citewatch) -> dict[str, tuple[str, str]]:
    return {s["url"]: (s["mode"], s["capture_mode"]) for s in cw.json("sources")}


def test_a_source_starts_auto_and_captured_over_http(cited: Citewatch) -> None:
    doc = cited.json("mode", NEWS[0])
    assert set(doc) >= MODE_KEYS
    assert doc == {
        "url": NEWS[0],
        "mode": "auto",
        "reason": None,
        "detected_mode": None,
        "effective": "http",
        "checked_at": None,
    }
    line = cited.run("mode", NEWS[0]).stdout.strip()
    assert line.startswith(NEWS[0]) and "auto: http" in line


def test_mode_url_sets_the_canonical_source_only(cited: Citewatch) -> None:
    # Spelled as an article might: tracking parameter, fragment, upper-case host.
    spelled = "https://GOV.example/statement?utm_source=feed#top"
    doc = cited.json("mode", spelled, "browser")
    assert (doc["url"], doc["mode"], doc["effective"], doc["reason"]) == (
        NEWS[0],
        "browser",
        "browser",
        "set by the user",
    )
    assert cited.json("mode", NEWS[0]) == doc
    assert modes(cited) == {
        NEWS[0]: ("browser", "browser"),
        NEWS[1]: ("auto", "http"),
        OTHER: ("auto", "http"),
    }
    assert cited.run("mode", NEWS[0], "http").stdout.strip() == f"{NEWS[0]}  http (set by the user)"
    assert modes(cited)[NEWS[0]] == ("http", "http")


def test_mode_tag_sets_every_source_of_the_tagged_articles(cited: Citewatch) -> None:
    docs = cited.json("mode", "--tag", "news", "browser")
    assert isinstance(docs, list) and sorted(d["url"] for d in docs) == sorted(NEWS)
    assert all(set(d) >= MODE_KEYS and d["mode"] == d["effective"] == "browser" for d in docs)
    assert modes(cited) == {
        NEWS[0]: ("browser", "browser"),
        NEWS[1]: ("browser", "browser"),
        OTHER: ("auto", "http"),
    }
    shown = cited.json("mode", "--tag", "news")
    assert shown == docs
    lines = cited.run("mode", "--tag", "news", "auto").stdout.splitlines()
    assert len(lines) == 2 and all("auto: http" in line for line in lines)
    assert set(modes(cited).values()) == {("auto", "http")}


def test_an_auto_source_says_what_citewatch_decided_and_why(cited: Citewatch) -> None:
    catalog = open_catalog(f"sqlite:///{cited.home / 'catalog.db'}")
    try:
        source_id = catalog.source_mode(NEWS[1]).source_id
        catalog.record_mode_decision(source_id, "browser", "main text empty but 4 scripts", now=T0)
    finally:
        catalog.close()
    doc = cited.json("mode", NEWS[1])
    assert doc == {
        "url": NEWS[1],
        "mode": "auto",
        "reason": "main text empty but 4 scripts",
        "detected_mode": "browser",
        "effective": "browser",
        "checked_at": T0.isoformat(),
    }
    assert "auto: browser (main text empty but 4 scripts" in cited.run("mode", NEWS[1]).stdout
    assert modes(cited)[NEWS[1]] == ("auto", "browser")
    # Forcing it keeps what auto found, and says who chose.
    forced = cited.json("mode", NEWS[1], "http")
    assert (forced["effective"], forced["reason"], forced["detected_mode"]) == (
        "http",
        "set by the user",
        "browser",
    )
    cited.env["COLUMNS"] = "200"  # wide enough for whole URLs
    table = cited.run("sources").stdout.splitlines()
    assert table[0].split()[:2] == ["state", "mode"]
    assert any(NEWS[1] in row and row.split()[1] == "http" for row in table[1:])


BAD_INPUT = [
    (("https://unwatched.example/", "browser"), ("not a watched source", "citewatch sources")),
    ((NEWS[0], "chrome"), ("unknown mode 'chrome'", "http, browser or auto")),
    ((NEWS[0], "Browser"), ("unknown mode",)),
    (("--tag", "sport", "browser"), ("tagged 'sport'", "ingest --tag")),
    (("--tag", "sport"), ("tagged 'sport'",)),
    (("--tag", "news", "chrome"), ("unknown mode 'chrome'",)),
    (("--tag", "news", NEWS[0]), ("either a URL or --tag",)),
    (("--tag", "news", NEWS[0], "http"), ("either a URL or --tag",)),
    (("ftp://gov.example/x", "http"), ("not an http(s) URL",)),
    ((), ("give a watched source URL or --tag",)),
]


def test_bad_input_is_one_line_and_changes_nothing(cited: Citewatch) -> None:
    # One archive for all the cases (each run is a process start): none may change it.
    before = cited.json("sources")
    for args, needles in BAD_INPUT:
        assert_one_line_error(cited.run("mode", *args, check=False), *needles)
    assert cited.json("sources") == before


def test_without_an_archive_nothing_is_created(tmp_path: Path) -> None:
    cw = Citewatch(home=tmp_path / "nowhere")
    assert_one_line_error(cw.run("mode", NEWS[0], "browser", check=False), "not a watched source")
    assert_one_line_error(cw.run("mode", NEWS[0], check=False), "not a watched source")
    assert_one_line_error(cw.run("mode", "--tag", "news", "http", check=False), "tagged 'news'")
    assert not cw.home.exists()
