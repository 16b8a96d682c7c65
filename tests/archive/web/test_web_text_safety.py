"""Text from articles and pages leaves the program clean: control characters and lone surrogates
never reach the Atom feed, the JSON API or the CLI's JSON, and bidi overrides show inertly."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from archive.catalog import ChangeRecord, CitationRecord
from archive.text.characters import inert, xml_safe_data
from archive.web.feed import atom_feed
from archive.web.rows import ChangeRow
from archive.web.schemas import ArticleOut
from tests.archive.web.web_site import T0, Site, site_fixture  # noqa: F401 - fixtures

RLO = "\u202e"
HOSTILE = f"Minister\x01 resigns\x1b[2J {RLO}fdp.exe\x0b\x7f\x9b"
XML_FORBIDDEN = ("\x01", "\x1b", "\x0b")
FORBIDDEN = (*XML_FORBIDDEN, "\x9b")  # and on pages, the C1 controls terminals act on
SURROGATE = "lone \ud800 surrogate"


@pytest.fixture(name="hostile")
def hostile_fixture(site: Site) -> dict[str, int]:
    """An article, a citation and a change whose texts carry control characters and U+202E, stored
    the way a catalog written before ingest cleaned them holds them."""
    article = site.catalog.add_article(
        origin="https://paper.example/hostile",
        title=HOSTILE,
        kind="html",
        tags=["hostile"],
        citations=[
            CitationRecord("http://gov.example/hostile", HOSTILE, f"He said {HOSTILE}", (HOSTILE,), 0)
        ],
    )
    source_id = next(s.id for s in site.catalog.list_sources() if s.url == "http://gov.example/hostile")
    change = site.catalog.record_change(
        ChangeRecord(source_id, "edited", T0 + timedelta(days=9), site.ids["v1"], site.ids["v2"],
                     summary=HOSTILE, removed=(HOSTILE,), added=(HOSTILE,), removed_quotes=(HOSTILE,))
    )  # fmt: skip
    return {"article": article.id, "source": source_id, "change": change}


def test_the_feed_stays_well_formed(site: Site, hostile: dict[str, int]) -> None:
    with TestClient(site.app()) as client:
        body = client.get("/changes.atom").content
    feed = etree.fromstring(body, etree.XMLParser(recover=False))  # strict: no recovery
    assert "Minister resigns[2J" in "".join(feed.itertext())
    assert not any(c.encode() in body for c in ("\x01", "\x1b", "\x0b"))


def test_the_feed_survives_lone_surrogates(site: Site) -> None:
    row = ChangeRow(id=1, source_id=1, url="http://gov.example/s", kind="edited", detected_at=T0,
                    before_capture_id=1, after_capture_id=2, summary=SURROGATE + "\x02", added=(),
                    removed=(), removed_quotes=(SURROGATE,))  # fmt: skip
    body = atom_feed([row], feed_url="http://ui.example/changes.atom", site_url="http://ui.example/",
                     diff_url=lambda c: "http://ui.example/diff/1/2", now=T0)  # fmt: skip
    assert "lone  surrogate" in "".join(etree.fromstring(body).itertext())


def test_the_json_api_is_clean(site: Site, hostile: dict[str, int]) -> None:
    with TestClient(site.app()) as client:
        for path in (f"/api/articles/{hostile['article']}", "/api/articles?tag=hostile",
                     f"/api/changes/{hostile['change']}", f"/api/sources/{hostile['source']}"):  # fmt: skip
            response = client.get(path)
            assert response.status_code == 200, path
            text = response.content.decode("utf-8")
            json.loads(text)
            assert not any(c in text or json.dumps(c).strip('"') in text for c in XML_FORBIDDEN), path
            assert "Minister resigns" in text, path
    dumped = ArticleOut(id=1, title=SURROGATE, origin="o", kind="html", tags=[SURROGATE], ingested_at=T0,
                        sources=0, worst_state=None, states={}).model_dump_json()  # fmt: skip
    assert json.loads(dumped)["title"] == "lone  surrogate"


def test_pages_show_bidi_overrides_inertly(site: Site, hostile: dict[str, int]) -> None:
    with TestClient(site.app()) as client:
        pages = [client.get(f"/articles/{hostile['article']}").text, client.get("/articles?tag=hostile").text,
                 client.get(f"/sources/{hostile['source']}").text, client.get("/changes").text]  # fmt: skip
    for html in pages:
        assert "Minister resigns[2J [U+202E]fdp.exe" in html
        assert RLO not in html
        assert not any(c in html for c in FORBIDDEN)


def test_the_cli_json_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    from citewatch.cli import emit_json

    emit_json([{"title": HOSTILE, "sources": [{"context": {"quotes": [SURROGATE]}}]}])
    out = capsys.readouterr().out
    doc = json.loads(out)
    assert doc[0]["title"] == f"Minister resigns[2J {RLO}fdp.exe\x7f\x9b"
    assert doc[0]["sources"][0]["context"]["quotes"] == ["lone  surrogate"]


def test_the_shared_functions() -> None:
    assert inert(HOSTILE) == "Minister resigns[2J [U+202E]fdp.exe"
    assert inert("\u2067isolate\u2069 \t\n") == "[U+2067]isolate[U+2069] \t\n"
    assert xml_safe_data({"k\x01": [SURROGATE, 1, None]}) == {"k": ["lone  surrogate", 1, None]}
