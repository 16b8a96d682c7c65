#!/usr/bin/env python3
"""Time per page and memory of browser captures (issue 10): one Chromium, N captures in a row.

A loopback site (127.0.0.2) serves the single-page app of the browser tests (its statement arrives
by ``fetch('/api/statement.json')``); a `BrowserCapturer` through a real warcprox sidecar captures
it N times (a fresh context each time: load, scroll, settle, full-page screenshot, rendered text).
Memory is the proportional set size (PSS, /proc/PID/smaps_rollup) of this process and every
process under it, by name: summed RSS would count Chromium's shared pages once per process.
Prints one JSON document.

    .venv/bin/python benchmarks/browser_capture.py            # 20 captures
    .venv/bin/python benchmarks/browser_capture.py -n 100
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from crawler.browser.capture import BrowserCapturer, BrowserLimits  # noqa: E402
from crawler.browser.recorder import WarcproxSidecar  # noqa: E402
from tests.fixtures.site import TestSite  # noqa: E402
from tests.integration.test_browser_recorder import APP_JS, CHROMIUM, SPA, STATEMENT  # noqa: E402

HOST = "127.0.0.2"


def pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(parent, []).append(int(entry))
    return tree


def process_kind(pid: int) -> str:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "gone"
    if "sidecar_main" in cmdline:
        return "warcprox"
    if "chrom" in comm:
        return "chromium"
    if "node" in comm or "playwright" in cmdline:
        return "playwright-driver"
    return "python" if pid == os.getpid() else comm


def memory_mb(root: int | None = None, *, root_name: str | None = None) -> dict[str, float]:
    """PSS in MB of ``root`` (this process by default) and every process under it, by kind."""
    root = os.getpid() if root is None else root
    tree = children()
    todo, seen = [root], []
    while todo:
        pid = todo.pop()
        seen.append(pid)
        todo += tree.get(pid, [])
    kinds: dict[str, float] = {}
    for pid in seen:
        kind = root_name if pid == root and root_name else process_kind(pid)
        kinds[kind] = kinds.get(kind, 0.0) + pss_kb(pid) / 1024
    return {kind: round(mb, 1) for kind, mb in sorted(kinds.items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--captures", type=int, default=20)
    args = parser.parse_args()
    if CHROMIUM is None:
        sys.exit("error: chromium is not installed: apt-get install chromium")
    work = Path(tempfile.mkdtemp(prefix="bench-browser-"))
    with TestSite(hosts=(HOST,)) as site:
        site.set_page("/", SPA)
        site.set_page(
            "/app.js",
            gzip.compress(APP_JS.encode(), mtime=0),
            headers=[("Content-Encoding", "gzip")],
            content_type="text/javascript",
        )
        site.set_page("/api/statement.json", json.dumps({"text": STATEMENT}), content_type="application/json")
        with (
            WarcproxSidecar(work / "warcs", work / "state", allow_addresses=[HOST]) as sidecar,
            BrowserCapturer(sidecar, limits=BrowserLimits(), executable=CHROMIUM) as capturer,
        ):
            started = time.monotonic()
            results = [capturer.capture(site.url("/"), page_id=f"bench-{i}") for i in range(args.captures)]
            wall = time.monotonic() - started
            memory = memory_mb()
            version = capturer.browser_version
    failed = [r.page_id for r in results if r.text is None or STATEMENT not in r.text or r.screenshot is None]
    totals = [r.timings.total for r in results]
    report = {
        "captures": len(results),
        "failed": failed,
        "chromium": version,
        "wall_seconds": round(wall, 2),
        "per_page_seconds": {
            "median": round(statistics.median(totals), 3),
            "max": round(max(totals), 3),
            **{
                step: round(statistics.mean(getattr(r.timings, step) for r in results), 3)
                for step in ("load", "settle", "screenshot", "text")
            },
        },
        "pss_mb_after": memory,
        "pss_mb_total": round(sum(memory.values()), 1),
    }
    print(json.dumps(report, indent=2))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
