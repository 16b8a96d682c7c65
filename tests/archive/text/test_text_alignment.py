"""align(): difflib-shaped opcodes, computed in bounded time on long and hostile texts."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from archive.text.alignment import MAX_REGION, align, matched
from archive.text.diff import word_diff

WORDS = st.lists(st.sampled_from(["the", "minister", "said", "101", "civilians.", "\n", "left", "a", "b."]))


def assert_covers(old: list[str], new: list[str], opcodes: list[tuple[str, int, int, int, int]]) -> None:
    i = j = 0
    for tag, i1, i2, j1, j2 in opcodes:
        assert (i1, j1) == (i, j), opcodes
        if tag == "equal":
            assert old[i1:i2] == new[j1:j2]
        i, j = i2, j2
    assert (i, j) == (len(old), len(new))


@given(WORDS, WORDS)
def test_opcodes_cover_both_sequences_and_equal_runs_are_equal(old: list[str], new: list[str]) -> None:
    opcodes = align(old, new)
    assert_covers(old, new, opcodes)
    assert all(a[0] != "equal" or b[0] != "equal" for a, b in itertools.pairwise(opcodes))


def test_a_local_edit_is_found_between_long_equal_runs() -> None:
    before = [f"w{n}" for n in range(10_000)]
    after = [*before[:5000], "changed", *before[5001:]]
    assert align(before, after) == [
        ("equal", 0, 5000, 0, 5000),
        ("replace", 5000, 5001, 5000, 5001),
        ("equal", 5001, 10_000, 5001, 10_000),
    ]
    assert matched(align(before, after)) == 9999


def finishes(work: Callable[[], object], seconds: float = 60) -> object:
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(work()), daemon=True)
    worker.start()
    worker.join(timeout=seconds)
    assert not worker.is_alive(), "the alignment did not finish"
    return result[0]


def test_a_changed_ten_megabyte_single_line_page_is_diffed_in_bounded_time() -> None:
    # difflib alone would compare two million identical words with each other.
    before = ("word " * 1_000_000) + "101 civilians " + ("word " * 1_000_000)
    after = ("word " * 999_000) + "91 people " + ("word " * 1_000_999)
    diff = finishes(lambda: word_diff(before, after))
    assert diff.changed  # type: ignore[attr-defined]


def test_a_page_of_one_sentence_repeated_is_diffed_in_bounded_time() -> None:
    before = "Yes. " * 200_000 + "The minister resigned. " + "No. " * 200_000
    after = "No. " * 200_000 + "The minister stayed. " + "Yes. " * 200_000
    diff = finishes(lambda: word_diff(before, after))
    assert diff.changed  # type: ignore[attr-defined]


def test_a_region_too_long_to_align_word_by_word_is_replaced_whole() -> None:
    old = [f"a{n}" for n in range(MAX_REGION + 10)]
    new = [f"b{n}" for n in range(MAX_REGION + 10)]
    assert align(old, new) == [("replace", 0, len(old), 0, len(new))]
