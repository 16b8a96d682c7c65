"""Ignore patterns: catastrophic regular expressions are refused, and none can hang detection."""

from __future__ import annotations

import threading

import pytest

from archive.text.patterns import InvalidPattern, check_pattern, remove_matches

CATASTROPHIC = [r"(a+)+$", r"^(\w+\s?)*$", r"(a|aa)+$", r"(\d+)+$", r"\s*(\d+\s*)+;"]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_catastrophic_patterns_are_refused_with_a_reason(pattern: str) -> None:
    with pytest.raises(InvalidPattern, match="nested repetition"):
        check_pattern(pattern)


@pytest.mark.parametrize(
    "pattern", [r"Visitors today: \d+", r"^Weather:.*$", r"updated \d+ minutes ago", r"\(\d+ comments\)"]
)
def test_ordinary_patterns_are_accepted(pattern: str) -> None:
    check_pattern(pattern)


def test_a_pattern_that_does_not_compile_is_refused() -> None:
    with pytest.raises(InvalidPattern, match="does not compile"):
        check_pattern("([")


def test_a_stored_catastrophic_pattern_is_skipped_not_run_forever() -> None:
    # Rules stored before the check existed still run, with a time limit: this one on this text
    # would take longer than the universe with Python's re.
    hostile = "a" * 100_000 + "!\nVisitors today: 12"
    result: list[str] = []
    worker = threading.Thread(
        target=lambda: result.append(remove_matches(hostile, [r"(a+)+$", r"Visitors today: \d+"])),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "remove_matches hung on a catastrophic pattern"
    assert result == ["a" * 100_000 + "!\n"]


def test_patterns_work_per_line_and_bad_ones_are_skipped() -> None:
    assert remove_matches("Weather: sunny\nText", (r"^Weather:.*$", "([")) == "\nText"
