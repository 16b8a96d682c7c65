#!/usr/bin/env python3
"""A browser crawl through the command line (issue 10): N single-page-app sources captured with the
browser beside M server-rendered ones captured by Scrapy, in one `citewatch crawl --all`.

A loopback site (127.0.0.2) serves N SPA pages (each loads its own statement by ``fetch()``) and M
plain pages.  An article citing them all is ingested with ``--no-crawl``, the SPA sources are set to
``browser`` (`citewatch mode --tag`), and one ``crawl --all`` captures everything, while this script
samples the memory (PSS, /proc/PID/smaps_rollup, so Chromium's shared pages count once) of the crawl
process and everything under it (Playwright's driver, Chromium, warcprox) every 0.5 s.  The site's
own log says when the last plain page and the last SPA were fetched: the HTTP pages finish long
before the browser ones when they run side by side.  Prints one JSON document.

    .venv/bin/python benchmarks/browser_crawl.py              # 500 browser + 500 HTTP sources
    .venv/bin/python benchmarks/browser_crawl.py -n 50 -m 50  # a quick run
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.browser_capture import memory_mb  # noqa: E402
from tests.fixtures.site import TestSite  # noqa: E402
from tests.integration.test_browser_sources import APP_JS, SERVER_RENDERED, SHELL, STATEMENT  # noqa: E402

HOST = "127.0.0.2"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--browser", type=int, default=500, help="SPA sources (browser)")
    parser.add_argument("-m", "--http", type=int, default=500, help="server-rendered sources (HTTP)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-browser-crawl-"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CITEWATCH_")},
        "CITEWATCH_HOME": str(work / "home"),
        "CITEWATCH_ALLOW_PRIVATE": "1",
        "CITEWATCH_BROWSER_ALLOW_PRIVATE": "0",
        "CITEWATCH_BROWSER_ALLOW_ADDRESSES": HOST,
        "CITEWATCH_AUTOTHROTTLE": "0",
        "CITEWATCH_CONCURRENT_PER_DOMAIN": "8",
        "CITEWATCH_OBEY_ROBOTS": "0",
    }

    def citewatch(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "citewatch", *argv], env=env, capture_output=True, text=True, check=True
        )

    with TestSite(hosts=(HOST,)) as site:
        site.set_page("/app.js", APP_JS.replace("/api/statement.json", "/api' + location.pathname + '.json"),
                      content_type="application/javascript")  # fmt: skip
        links = []
        for n in range(args.browser):
            site.set_page(f"/spa/{n}", SHELL)
            body = json.dumps({"title": f"Statement {n}", "body": f"{STATEMENT} (number {n})"})
            site.set_page(f"/api/spa/{n}.json", body, content_type="application/json")
            links.append(f"* [statement {n}]({site.url(f'/spa/{n}')})")
        plain = []
        for n in range(args.http):
            site.set_page(f"/press/{n}", SERVER_RENDERED.replace("Bridge reopens", f"Bridge {n} reopens"))
            plain.append(f"* [press {n}]({site.url(f'/press/{n}')})")
        (work / "spa.md").write_text("\n".join(links) + "\n", encoding="utf-8")
        (work / "plain.md").write_text("\n".join(plain) + "\n", encoding="utf-8")
        citewatch("ingest", "--no-crawl", "--tag", "spa", str(work / "spa.md"))
        citewatch("ingest", "--no-crawl", str(work / "plain.md"))
        citewatch("mode", "--tag", "spa", "browser")

        started = time.monotonic()
        crawl = subprocess.Popen(
            [sys.executable, "-m", "citewatch", "crawl", "--all", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        samples: list[dict[str, float]] = []

        def sample() -> None:
            while crawl.poll() is None:
                samples.append(memory_mb(crawl.pid, root_name="citewatch"))
                time.sleep(0.5)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        out, err = crawl.communicate()
        wall = time.monotonic() - started
        sampler.join()
        if crawl.returncode != 0:
            sys.exit(f"crawl failed ({crawl.returncode}): {err[-2000:]}")
        log = site.requests

    def last(prefix: str, browser: bool) -> float | None:
        times = [
            r.time
            for r in log
            if r.path.startswith(prefix) and ("Chrome/" in (r.header("User-Agent") or "")) == browser
        ]
        return round(max(times) - started_wall, 1) if times else None

    started_wall = min(r.time for r in log if r.path.startswith(("/spa/", "/press/")))
    totals = [sum(s.values()) for s in samples]
    peak = max(range(len(totals)), key=totals.__getitem__)
    report = {
        "browser_sources": args.browser,
        "http_sources": args.http,
        "crawl": json.loads(out),
        "wall_seconds": round(wall, 1),
        "browser_pages_per_second": round(args.browser / wall, 2),
        "last_http_page_fetched_after_s": last("/press/", browser=False),
        "last_spa_fetched_by_the_browser_after_s": last("/spa/", browser=True),
        "pss_mb_peak_total": round(totals[peak], 1),
        "pss_mb_at_peak": {k: round(v, 1) for k, v in sorted(samples[peak].items())},
        "pss_mb_median_total": round(sorted(totals)[len(totals) // 2], 1),
        "samples": len(samples),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
