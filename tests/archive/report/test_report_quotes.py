"""A quote's fate in a page's text (present, changed with its diff, gone), and the report's order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from archive.report import quote_health
from archive.report.model import CaptureRef, ChangeRef, CitationHealth, QuoteHealth, worst_first
from archive.text.quotes import rewordings

PAGE = (
    "The spokesperson said the operation evacuated 99 civilians from the northern district on 3 May. "
    "Buses were provided by the regional authority. The agency thanks all partners."
)


def test_a_quote_still_on_the_page_is_present() -> None:
    # Case, punctuation and typographic quotes do not matter (change detection's own test).
    assert quote_health(PAGE, "“buses were provided by the Regional Authority”").status == "present"


def test_a_reworded_quote_is_changed_with_its_diff() -> None:
    health = quote_health(PAGE, "the operation evacuated 101 civilians from the northern district")
    assert health.status == "changed"
    assert health.removed == ("101",) and health.added == ("99",)
    assert health.passage == "the operation evacuated 99 civilians from the northern district"


def test_a_negated_quote_is_changed_not_present() -> None:
    page = "The minister said the convoy will not leave at dawn with 70 buses."
    health = quote_health(page, "the convoy will leave at dawn with 70 buses")
    assert health.status == "changed" and health.added == ("not",) and health.removed == ()


def test_a_quote_without_a_close_passage_is_gone() -> None:
    assert quote_health(PAGE, "all civilians who wished to leave were able to do so safely").status == "gone"
    # A few shared words do not make a close passage.
    assert quote_health(PAGE, "the agency will keep its office open all week").status == "gone"


def test_a_cut_quote_changed_in_one_part() -> None:
    quote = "the operation evacuated 101 civilians […] Buses were provided by the regional authority"
    [part] = rewordings(PAGE, quote)
    assert part.part == "the operation evacuated 101 civilians"
    assert quote_health(PAGE, quote).status == "changed"


def test_passages_keep_the_case_of_the_page() -> None:
    [part] = rewordings(
        "The Minister of Health resigned on Monday.", "the minister of health resigned on tuesday"
    )
    assert part.passage == "The Minister of Health resigned on Monday"


T = datetime(2026, 11, 30, tzinfo=UTC)


def _citation(position: int, state: str, *statuses: str) -> CitationHealth:
    capture = CaptureRef(position, f"http://example.org/{position}", T, 200, "response")
    change = ChangeRef(position, state, T, "", None, position) if state != "live" else None
    return CitationHealth(
        position=position,
        source_id=position,
        url=capture.url,
        label="",
        state=state,
        change=change,
        redirected_to=None,
        capture=capture,
        quotes=tuple(QuoteHealth(f"quote {n}", s) for n, s in enumerate(statuses)),
    )


@pytest.mark.parametrize(
    ("state", "statuses", "severity"),
    [
        ("live", ("present",), "ok"),
        ("edited", ("present",), "source changed"),
        ("redirected", (), "source changed"),
        ("live", ("present", "changed"), "quote changed"),
        ("edited", ("changed", "gone"), "broken"),
        ("deleted", (), "broken"),
        ("unreachable", ("present",), "broken"),
        ("never_captured", (), "broken"),
    ],
)
def test_severity(state: str, statuses: tuple[str, ...], severity: str) -> None:
    assert _citation(0, state, *statuses).severity_label == severity


def test_worst_first_then_article_order() -> None:
    citations = [
        _citation(0, "live", "present"),
        _citation(1, "redirected", "present"),
        _citation(2, "live", "changed"),
        _citation(3, "edited", "gone"),
        _citation(4, "deleted"),
    ]
    assert [c.position for c in worst_first(citations)] == [3, 4, 2, 1, 0]
