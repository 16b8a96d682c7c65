"""Change detection on real pages: how many scripted edits are reported, how many noise-only pairs alert.

    .venv/bin/python benchmarks/eval_detection.py                 # the whole set (make eval-detection)
    .venv/bin/python benchmarks/eval_detection.py --package htmldate --misses

The pages are real web pages shipped as test data by three PyPI packages (downloaded and cached on
first use, see tests/fixtures/realworld/corpus.py); the edits and the noise are scripted and seeded,
so two runs judge the same pairs. trafilatura's pages were used while tuning detection; htmldate's
and newspaper4k's were held out. Prints a Markdown table, the misses and false alerts (with
``--misses``), the median CPU time per judged pair, and writes the figures to
benchmarks/results/eval_detection-<UTC time>.json. Exits 1 if recall is under 95 % or any
noise-only pair alerts.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.fixtures.realworld.corpus import SDISTS, RealPage, load_pages  # noqa: E402
from tests.fixtures.realworld.evaluation import Outcome, Tally, articles, judge, pairs_of  # noqa: E402

TARGET_RECALL = 0.95


def _commit() -> str:
    """The commit measured (with "+changes" if the work tree differs from it)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        )
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True)
    except OSError:
        return "unknown"
    return (
        head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
        if head.returncode == 0
        else "unknown"
    )


def _first(pages: list[RealPage], limit: int) -> list[RealPage]:
    """The first ``limit`` pages of each package."""
    seen: Counter[str] = Counter()
    kept = []
    for page in pages:
        if seen[page.package] < limit:
            kept.append(page)
            seen[page.package] += 1
    return kept


def _describe(outcome: Outcome) -> str:
    pair, verdict = outcome.pair, outcome.verdict
    edit = pair.edit
    what = f"{edit.removed[:90]!r} -> {edit.added[:60]!r}" if edit is not None else ""
    return f"{pair.page.key} [{pair.kind}] {what}\n      verdict: {verdict.kind} — {verdict.summary[:160]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--package", action="append", help="only this package's pages (repeatable)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N article pages per package")
    parser.add_argument("--noise-pairs", type=int, default=2, help="noise-only pairs per page (default 2)")
    parser.add_argument("--misses", action="store_true", help="list every miss and false alert")
    parser.add_argument("--results-dir", type=Path, default=REPO / "benchmarks" / "results")
    args = parser.parse_args(argv)

    started = time.monotonic()
    pages = articles(load_pages(tuple(args.package) if args.package else None))
    if args.limit:
        kept: dict[str, int] = {}
        pages = [
            p
            for p in pages
            if kept.setdefault(p.package, 0) < args.limit
            and not kept.update({p.package: kept[p.package] + 1})
        ]
    tally = Tally()
    for page in pages:
        for pair in pairs_of(page, noise_pairs=args.noise_pairs):
            tally.add(judge(pair))
    elapsed = time.monotonic() - started

    print(tally.table())
    recall, alerts = tally.recall(), len(tally.false_alerts())
    print(
        f"\nrecall {recall:.1%} ({tally.edits()[0]}/{tally.edits()[1]} edits), false alerts {alerts} "
        f"of {len(tally.noise_pairs())} noise-only pairs; median CPU per judged pair "
        f"{tally.median_cpu_ms():.1f} ms; {elapsed:.0f} s in all"
    )
    if args.misses:
        for outcome in tally.misses():
            print("MISS  " + _describe(outcome))
        for outcome in tally.false_alerts():
            print("ALERT " + _describe(outcome))

    args.results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    figures = {
        "when": stamp,
        "command": " ".join(sys.argv),
        "commit": _commit(),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "sdists": [f"{s.label} sha256:{s.sha256}" for s in SDISTS],
        "pages": {p: tally.pages(p) for p in tally.packages()},
        "pairs": len(tally.outcomes),
        "edits": {
            package or "all": {
                kind or "all": tally.edits(package, kind) for kind in [*sorted(tally.kinds()), None]
            }
            for package in [*tally.packages(), None]
        },
        "false_alerts": [o.pair.page.key for o in tally.false_alerts()],
        "noise_pairs": len(tally.noise_pairs()),
        "misses": [f"{o.pair.page.key} [{o.pair.kind}]" for o in tally.misses()],
        "median_cpu_ms_per_pair": round(tally.median_cpu_ms(), 2),
        "seconds": round(elapsed, 1),
    }
    (args.results_dir / f"eval_detection-{stamp}.json").write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if recall >= TARGET_RECALL and alerts == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
