"""The detection-cost benchmark runs end to end and judges each case as its name says."""

from __future__ import annotations

import json

import pytest

from benchmarks import detect_cost


def test_each_case_is_what_it_says(capsys: pytest.CaptureFixture[str]) -> None:
    assert detect_cost.main(["-n", "2", "--json"]) == 0  # it asserts each verdict itself
    out = json.loads(capsys.readouterr().out)
    assert out["pages"] == 2 and set(out["cases"]) == {"first", "unchanged", "changed"}
    # The unchanged case reads no text: far cheaper than comparing two pages.
    assert out["cases"]["unchanged"]["median_ms"] < out["cases"]["changed"]["median_ms"]


def test_the_edit_changes_one_sentence() -> None:
    page = detect_cost.page_html("bench", ["/news/1"], 1, seed=1)
    after = detect_cost.edited(page)
    assert after != page and b"Officials later withdrew this account of events" in after
    assert abs(len(after) - len(page)) < 200
