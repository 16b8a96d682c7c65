#!/usr/bin/env python3
"""Peak memory of a large crawl: `citewatch crawl --all` over N watched sources (default 100,000).

Issue 8's target: a 100,000-URL crawl peaks under 300 MB RSS, because the targets are read
from the catalog page by page as the crawl has room for them, not loaded as one list.  A local
site (`latency_site.LatencySite`, no latency) serves tiny pages (``/news/N``, ~200 bytes, made
on the fly so the site itself stays small) on a few loopback hosts; the N sources are put in a
fresh catalog directly (one article citing them all, as `ingest --no-crawl` would), then one
`citewatch crawl --all --json` runs in a child process under GNU time, which gives its peak
RSS.  Prints one JSON document: pages, wall and CPU seconds, peak RSS, exit status.

    .venv/bin/python benchmarks/crawl_memory.py                 # 100,000 sources on 4 hosts
    .venv/bin/python benchmarks/crawl_memory.py -n 20000 --hosts 8
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.childrun import child_env, run_watched  # noqa: E402
from benchmarks.latency_site import LatencySite, hosts_for  # noqa: E402

TOML = "autothrottle = false\nrequisites = false\nconcurrent_per_domain = 8\nconcurrent_requests = 32\n"


class TinySite(LatencySite):
    """The latency site with ~200-byte pages made per request: 100,000 of them cost no memory."""

    def __init__(self, hosts: tuple[str, ...], pages_per_host: int) -> None:
        super().__init__(hosts, 0)
        self.pages_per_host = pages_per_host

    def lookup(self, host: str, path: str) -> tuple[str, bytes]:
        if path.startswith("/news/") and path[6:].isdigit() and 1 <= int(path[6:]) <= self.pages_per_host:
            n = path[6:]
            head = f"<!DOCTYPE html><html><head><title>{host} {n}</title></head>"
            return "200 OK", f"{head}<body><p>Statement {n} of {host}.</p></body></html>".encode()
        return super().lookup(host, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--sources", type=int, default=100_000)
    parser.add_argument("--hosts", type=int, default=4)
    args = parser.parse_args()
    from archive.catalog.db import open_catalog
    from archive.catalog.views import CitationRecord

    per_host = -(-args.sources // args.hosts)
    with TinySite(hosts_for(args.hosts), per_host) as site, tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        (home / "citewatch.toml").write_text(TOML, encoding="utf-8")
        urls = site.urls()[: args.sources]
        catalog = open_catalog(f"sqlite:///{home / 'catalog.db'}")
        catalog.add_article(
            origin="sources.md",
            title="Sources",
            kind="markdown",
            citations=[CitationRecord(u, f"s{n}", f"Source {n}.", (), n) for n, u in enumerate(urls)],
        )
        del catalog
        env = child_env({"CITEWATCH_HOME": str(home), "CITEWATCH_ALLOW_PRIVATE": "1"})
        run = run_watched(
            [sys.executable, "-m", "citewatch", "crawl", "--all", "--json"],
            cwd=REPO,
            env=env,
            served=lambda: site.pages_served + site.requests,
            budget=10 * args.sources,
            timeout=3 * 3600,
        )
        doc = {
            "sources": args.sources,
            "hosts": args.hosts,
            "exit": run.exit_code,
            "killed": run.killed,
            "requests_served": run.requests_served,
            "wall_s": round(run.wall_s, 1),
            "cpu_s": round(run.cpu_s, 1),
            "peak_rss_mb": round(run.max_rss_kb / 1024, 1) if run.max_rss_kb else None,
            "summary": json.loads(run.stdout) if run.ok and run.stdout.strip() else run.stderr_tail(5),
            "loadavg": os.getloadavg(),
        }
        print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
