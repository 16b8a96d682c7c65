"""The labelled before/after set: every real edit found, no alert on noise; precision/recall printed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fpdf import FPDF

from scheduler.detect import Observation, Verdict, detect

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "detect"
URL = "https://www.example.gov/news/statement-halvar"
PROBE_URL = "https://www.example.gov/news/zz-8f3kq1-does-not-exist"


@dataclass(frozen=True)
class Case:
    name: str
    before: Observation
    after: Observation
    expected: str | None
    quotes: tuple[str, ...] = ()
    removed_quotes: tuple[str, ...] = ()
    probe: Observation | None = None


def observation(body: bytes, content_type: str = "text/html; charset=utf-8", url: str = URL) -> Observation:
    return Observation(
        url=url,
        status=200,
        final_url=url,
        redirects=(),
        payload_digest="sha1:" + hashlib.sha1(body).hexdigest(),
        content_type=content_type,
        body=body,
        error_kind=None,
    )


def pdf(paragraphs: list[str], footer: str = "") -> bytes:
    document = FPDF()
    document.set_creation_date(datetime(2026, 5, 5, tzinfo=UTC))  # same bytes for the same text
    document.add_page()
    document.set_font("helvetica", size=11)
    for paragraph in paragraphs:
        document.multi_cell(0, 6, paragraph)
        document.ln(3)
    if footer:
        document.set_font("helvetica", size=8)
        document.multi_cell(0, 5, footer)
    return bytes(document.output())


PDF_TEXT = [
    "Office of the Prime Minister - Press statement",
    "The Prime Minister met the families of the victims of the Halvar strike on 5 May 2026.",
    "The government will pay compensation of 10,000 euros to each affected family.",
    "A memorial will be built in the central square before the end of the year.",
]


def pdf_cases() -> list[Case]:
    before = observation(pdf(PDF_TEXT, "Generated on 25 November 2026 14:03"), "application/pdf")

    def after(paragraphs: list[str], footer: str = "Generated on 25 November 2026 14:03") -> Observation:
        return observation(pdf(paragraphs, footer), "application/pdf")

    changed = [*PDF_TEXT[:2], PDF_TEXT[2].replace("10,000", "1,000"), PDF_TEXT[3]]
    return [
        Case("pdf-number-changed", before, after(changed), "edited"),
        Case("pdf-sentence-removed", before, after(PDF_TEXT[:3]), "edited"),
        Case(
            "pdf-noise-generated-stamp", before, after(PDF_TEXT, "Generated on 26 November 2026 09:30"), None
        ),
    ]


def html_cases() -> list[Case]:
    cases = []
    for entry in json.loads((FIXTURES / "labels.json").read_text(encoding="utf-8")):
        folder = FIXTURES / entry["name"]
        probe = None
        if "probe" in entry:
            probe = observation((folder / entry["probe"]).read_bytes(), url=PROBE_URL)
        cases.append(
            Case(
                name=entry["name"],
                before=observation((folder / "before.html").read_bytes()),
                after=observation((folder / "after.html").read_bytes()),
                expected=entry["expected"],
                quotes=tuple(entry["quotes"]),
                removed_quotes=tuple(entry["removed_quotes"]),
                probe=probe,
            )
        )
    return cases


ALL_CASES = html_cases() + pdf_cases()


def run(case: Case) -> Verdict:
    return detect(
        case.before,
        case.after,
        previous_state="live",
        consecutive_failures=0,
        probe=case.probe,
        quotes=case.quotes,
    )


def test_the_labelled_set_is_big_enough() -> None:
    assert sum(1 for c in ALL_CASES if c.expected == "edited") >= 12
    assert sum(1 for c in ALL_CASES if c.expected is None) >= 12


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.name)
def test_case(case: Case) -> None:
    verdict = run(case)
    assert verdict.kind == case.expected, verdict.summary
    if case.expected == "edited":
        assert verdict.added or verdict.removed
    assert set(case.removed_quotes) <= set(verdict.removed_quotes)
    if case.expected == "edited" and not case.removed_quotes:
        assert verdict.removed_quotes == ()


def test_precision_and_recall() -> None:
    true_positive = false_positive = false_negative = 0
    noise_alerts: list[str] = []
    for case in ALL_CASES:
        kind = run(case).kind
        if case.expected is None:
            if kind is not None:
                false_positive += 1
                noise_alerts.append(case.name)
        elif kind == case.expected:
            true_positive += 1
        else:
            false_negative += 1
            if kind is not None:
                false_positive += 1  # a change reported as the wrong kind is a false alert too
    precision = true_positive / (true_positive + false_positive) if true_positive + false_positive else 1.0
    recall = true_positive / (true_positive + false_negative) if true_positive + false_negative else 1.0
    changes = sum(1 for c in ALL_CASES if c.expected is not None)
    noise = sum(1 for c in ALL_CASES if c.expected is None)
    print(
        f"\ndetection on {len(ALL_CASES)} labelled cases ({changes} changes, {noise} noise-only): "
        f"precision={precision:.3f} recall={recall:.3f} "
        f"(TP={true_positive} FP={false_positive} FN={false_negative})"
    )
    assert noise_alerts == []
    assert recall == 1.0
    assert precision == 1.0
