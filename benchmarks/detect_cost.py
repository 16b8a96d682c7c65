"""What change detection costs per capture, by case, on the crawl benchmark's ~20 kB pages.

Issue 8's target: detection costs nothing where nothing changed, a first capture is read only on a
sign of a soft 404, and a changed page costs at most 20 ms of CPU (median) for extraction and
diff.  This times `scheduler.detect.detect` alone (no catalog, no archive reads), in this process,
one call at a time with `time.process_time`, on three cases per page:

- ``first``: a first capture (no baseline, no probe);
- ``unchanged``: the same payload again, as the recorder sees it (same digest, no bodies read);
- ``changed``: one sentence of the page edited, both texts extracted and compared.

Usage: ``python benchmarks/detect_cost.py [-n PAGES] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.prose import page_html
from scheduler.detect import Observation, Verdict, detect


def observation(url: str, body: bytes | None, digest: str) -> Observation:
    return Observation(
        url=url,
        status=200,
        final_url=url,
        redirects=(),
        payload_digest=digest,
        content_type="text/html; charset=utf-8",
        body=body,
        error_kind=None,
    )


def edited(page: bytes) -> bytes:
    """The page with the first sentence of its third paragraph reworded."""
    start = 0
    for _ in range(3):
        start = page.index(b"<p>", start) + 3
    end = page.index(b".", start)
    return page[:start] + b"Officials later withdrew this account of events" + page[end:]


def timed(previous: Observation | None, current: Observation, state: str) -> tuple[float, Verdict]:
    """The CPU milliseconds of one `detect` call, and its verdict."""
    started = time.process_time()
    verdict = detect(previous, current, previous_state=state, consecutive_failures=0)
    return (time.process_time() - started) * 1000, verdict


def measure(pages: int) -> dict[str, list[float]]:
    paths = [f"/news/{n}" for n in range(1, pages + 1)]
    costs: dict[str, list[float]] = {"first": [], "unchanged": [], "changed": []}
    for n in range(1, pages + 1):
        url = f"http://127.0.0.1/news/{n}"
        before = page_html("bench", paths, n, seed=1)
        after = edited(before)
        first = observation(url, before, "sha1:A")
        ms, verdict = timed(None, first, "pending")
        assert verdict.state == "live", verdict
        costs["first"].append(ms)
        # The recorder reads no bodies for an unchanged payload of a healthy source.
        same = observation(url, None, "sha1:A")
        ms, verdict = timed(same, same, "live")
        assert verdict.kind is None, verdict
        costs["unchanged"].append(ms)
        changed = observation(url, after, "sha1:B")
        ms, verdict = timed(first, changed, "live")
        assert verdict.kind == "edited", verdict
        costs["changed"].append(ms)
    return costs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--pages", type=int, default=200, help="pages (default 200)")
    parser.add_argument("--json", action="store_true", help="print the medians as JSON")
    args = parser.parse_args(argv)
    measure(3)  # warm up: imports, compiled patterns
    costs = measure(args.pages)
    summary = {
        case: {
            "median_ms": round(statistics.median(values), 2),
            "min_ms": round(min(values), 2),
            "max_ms": round(max(values), 2),
        }
        for case, values in costs.items()
    }
    if args.json:
        print(json.dumps({"pages": args.pages, "cases": summary}))
        return 0
    print(f"detection CPU per capture, {args.pages} pages of ~20 kB (median, range):")
    for case, row in summary.items():
        print(f"  {case:<10} {row['median_ms']:7.2f} ms  ({row['min_ms']:.2f}-{row['max_ms']:.2f})")
    target = summary["changed"]["median_ms"] <= 20
    print(f"{'ok  ' if target else 'FAIL'}  changed page ≤ 20 ms CPU median (issue 8)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
