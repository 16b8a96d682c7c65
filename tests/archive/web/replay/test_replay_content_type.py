"""Hostile archived Content-Type headers: replay rewrites for, and serves, the type a browser reads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from archive.web.replay import build_replay_router
from tests.archive.web.replay.replay_archive import ReplayArchive

T1 = datetime(2026, 11, 25, 15, 30, 0, tzinfo=UTC)
TS1 = "20261125153000"
SITE = "http://news.example"
PAGE = b'<html><body><p>archived</p><img src="/static/logo.png"></body></html>'
REWRITTEN_LOGO = f"/replay/{TS1}/{SITE}/static/logo.png"

# (archived Content-Type header lines, Content-Type served, whether the body is rewritten as HTML)
CASES = {
    "plain-then-html": (["text/plain, text/html"], "text/html; charset=utf-8", True),
    "two-header-lines": (["text/plain", "text/html"], "text/html; charset=utf-8", True),
    "html-then-plain": (["text/html, text/plain"], "text/plain", False),
    "html-then-any": (["text/html, */*"], "text/html; charset=utf-8", True),
    "html-then-junk": (['text/html, bogus, "text/plain"'], "text/html; charset=utf-8", True),
    "quoted-comma": (['text/html;x=", text/plain"'], "text/html; charset=utf-8", True),
    "open-quote-swallows": (['text/html;", text/plain'], "text/html; charset=utf-8", True),
    "xhtml-last": (["image/png, application/xhtml+xml"], "text/html; charset=utf-8", True),
    "shouting": (["TEXT/HTML ; CHARSET=UTF-8"], "text/html; charset=utf-8", True),
    "css-then-html": (["text/css, text/html"], "text/html; charset=utf-8", True),
    "html-then-image": (["text/html, image/png"], "image/png", False),
    "invalid-only-html-body": (["html"], "text/html; charset=utf-8", True),
    "any-only-html-body": (["*/*"], "text/html; charset=utf-8", True),
    "params-normalised": (['text/plain ;  A=1;a=2; b="x y"'], 'text/plain;a=1;b="x y"', False),
}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    archive = ReplayArchive.open(tmp_path)
    for name, (lines, _, _) in CASES.items():
        extra = [("Content-Type", line) for line in lines[1:]]
        archive.capture(f"{SITE}/{name}", T1, PAGE, content_type=lines[0], headers=extra)
    big5 = "<html><body><p>中文頁面</p></body></html>".encode("big5")
    archive.capture(f"{SITE}/big5", T1, big5, content_type="text/html;charset=big5, text/html")
    archive.capture(f"{SITE}/big5-dropped", T1, big5, content_type="text/plain;charset=big5, text/html")
    archive.writer.close()
    app = FastAPI()
    app.include_router(build_replay_router(engine=archive.catalog.engine, read_record=archive.read_record))
    yield TestClient(app, follow_redirects=False)
    archive.catalog.close()


@pytest.mark.parametrize("name", list(CASES))
def test_served_type_and_rewriting_follow_the_last_valid_value(client: TestClient, name: str) -> None:
    _, served, rewritten = CASES[name]
    r = client.get(f"/replay/{TS1}/{SITE}/{name}")
    assert r.status_code == 200
    assert r.headers["content-type"] == served
    if rewritten:
        img = lxml.html.document_fromstring(r.text).find(".//img")
        assert img.get("src") == REWRITTEN_LOGO
    else:
        assert r.content == PAGE


def test_charset_of_an_earlier_value_of_the_same_type_carries_over(client: TestClient) -> None:
    r = client.get(f"/replay/{TS1}/{SITE}/big5")
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert "中文頁面" in r.text


def test_charset_of_another_type_does_not_carry_over(client: TestClient) -> None:
    r = client.get(f"/replay/{TS1}/{SITE}/big5-dropped")
    assert "中文頁面" not in r.text  # Big5 bytes read as UTF-8, as the browser would
    assert "\ufffd" in r.text
