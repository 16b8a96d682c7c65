"""word_diff: passages added and removed, merged per run, trimmed."""

from __future__ import annotations

from archive.text import TextDiff, word_diff


def test_identical_texts() -> None:
    diff = word_diff("a b c", "a  b\nc")
    assert diff == TextDiff(added=(), removed=(), similarity=1.0)
    assert not diff.changed


def test_changed_number_is_one_passage_each_side() -> None:
    diff = word_diff("101 civilians were killed", "91 civilians were killed")
    assert diff.removed == ("101",) and diff.added == ("91",)
    assert 0.5 < diff.similarity < 1.0


def test_nearby_changes_merge_into_one_passage() -> None:
    diff = word_diff("killed on 3 May in Halvar", "killed on 4 June in Halvar")
    assert diff.removed == ("3 May",) and diff.added == ("4 June",)


def test_distant_changes_stay_separate() -> None:
    diff = word_diff("one two three four five six seven", "ONE two three four five six SEVEN")
    assert diff.removed == ("one", "seven") and diff.added == ("ONE", "SEVEN")


def test_pure_insertion_has_no_removed_passage() -> None:
    diff = word_diff("a b c d e f", "a b X c d Y e f")
    assert diff.removed == ()
    assert diff.added == ("X c d Y",)


def test_long_passages_are_trimmed() -> None:
    diff = word_diff("start end", "start " + "word " * 200 + "end")
    assert len(diff.added[0]) <= 300 and diff.added[0].endswith("…")
