"""Rendering an alert: vanished quotes first, then what happened, the diff, the articles, the evidence."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from archive.catalog import ChangeView, CitingArticle
from scheduler.alerts import render_alert

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
URL = "https://gov.example/statement"


def change(**kw: object) -> ChangeView:
    base = ChangeView(
        id=7, url=URL, kind="edited", detected_at=T1, before=T0, after=T1, before_capture_id=3,
        after_capture_id=9, summary="2 passages removed, 1 added",
        added=("The ministry will review the policy.",),
        removed=("The ministry will not raise fees.", "Effective immediately."),
        removed_quotes=("will not raise fees",),
        articles=(CitingArticle(1, "Fees frozen, says ministry", "https://news.example/fees"),),
    )  # fmt: skip
    return replace(base, **kw)  # type: ignore[arg-type]


def test_title_names_kind_and_url() -> None:
    title, _ = render_alert(change(kind="deleted"))
    assert title == f"citewatch: deleted — {URL}"


def test_body_puts_removed_quotes_first_then_summary_diff_articles_and_evidence() -> None:
    _, body = render_alert(change(), ui_base_url="http://127.0.0.1:8000/")
    lines = body.splitlines()
    assert lines[0] == "Quoted passages no longer on the page:"
    assert lines[1] == '> "will not raise fees"'
    order = [
        body.index('"will not raise fees"'),
        body.index(f"Edited: {URL}\n2 passages removed, 1 added"),
        body.index("- The ministry will not raise fees."),
        body.index("+ The ministry will review the policy."),
        body.index("- Fees frozen, says ministry (https://news.example/fees)"),
        body.index(f"Before: {T0.isoformat()} (capture #3)"),
        body.index(f"After: {T1.isoformat()} (capture #9)"),
        body.index("Details: http://127.0.0.1:8000/changes/7"),
    ]
    assert order == sorted(order)


def test_no_quotes_no_earlier_capture_no_link() -> None:
    _, body = render_alert(change(removed_quotes=(), before=None, before_capture_id=None, articles=()))
    assert body.startswith(f"Edited: {URL}")
    assert "Quoted passages" not in body and "Cited by" not in body and "Details:" not in body
    assert "Before: no earlier capture" in body


def test_diff_excerpt_is_capped() -> None:
    removed = tuple(f"passage {i} " + "x" * 400 for i in range(20))
    _, body = render_alert(change(removed=removed, added=("new " * 500,)))
    excerpt = body[body.index("Changes:") : body.index("Cited by:")]
    assert len(excerpt) < 1700
    assert "more passage(s)" in excerpt
    assert all(len(line) <= 305 for line in excerpt.splitlines())


def test_alerts_carry_no_control_characters_and_no_live_bidi_overrides() -> None:
    hostile = "Minister\x01 resigns\x1b[2J \u202efdp.exe \ud800"
    title, body = render_alert(
        change(url="https://gov.example/\u202estatement", summary=hostile, removed_quotes=(hostile,),
               added=(hostile,), articles=(CitingArticle(1, hostile, "https://news.example/x"),))
    )  # fmt: skip
    for text in (title, body):
        text.encode("utf-8")  # a lone surrogate would raise here
        assert not any(c in text for c in ("\x01", "\x1b", "\u202e", "\ud800"))
    assert "Minister resigns[2J [U+202E]fdp.exe" in body
    assert "https://gov.example/[U+202E]statement" in title


def test_a_browser_capture_with_a_screenshot_links_it_next_to_the_details() -> None:
    shown = change(after_mode="browser", after_screenshot=True)
    _, body = render_alert(shown, ui_base_url="https://archive.example/")
    lines = body.splitlines()
    details = lines.index("Details: https://archive.example/changes/7")
    assert lines[details + 1] == "Screenshot: https://archive.example/captures/9/screenshot.png"
    # No link without a UI to point at, nor for captures that kept no screenshot.
    assert "Screenshot" not in render_alert(shown)[1]
    for other in (change(), change(after_mode="browser"), change(after_screenshot=True)):
        assert "Screenshot" not in render_alert(other, ui_base_url="https://archive.example/")[1]
