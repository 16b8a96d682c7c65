#!/usr/bin/env python3
"""Crawl-throughput benchmark: `citewatch ingest` versus GNU wget on the same fetch + WARC job.

A local test site (tests/fixtures/site.py) is served on 127.0.0.1 … 127.0.0.4 (four loopback
addresses standing for four domains, one shared port).  An article in Markdown cites N distinct
statement pages (50 per host by default, N = 200).  Each configuration is run R times, interleaved,
each run in a fresh temporary directory:

* ``citewatch throughput``  – ``citewatch ingest ARTICLE --json`` with a citewatch.toml setting
  ``autothrottle = false``, ``concurrent_per_domain = 8``, ``requisites = false``;
* ``citewatch polite defaults`` – the same command with the default settings (autothrottle on,
  2 requests per domain, page requisites on);
* ``wget`` – ``wget --warc-file=… -i urls.txt -q -O /dev/null`` fetching the same N URLs.

The wall time of the whole command (process start to exit) is measured; pages/s = N / wall time.
For citewatch the "N responses in Xs (Y/s)" line it prints on stderr is parsed too.  Every WARC
written is checked with ``warcio check`` and its response records are counted.

Safety: only loopback addresses are served and fetched (proxy variables are removed from the child
environment), every run has a request budget and a time limit enforced by a watchdog that kills the
child, and the site stops when the benchmark ends.

    .venv/bin/python benchmarks/crawl_throughput.py            # R=5, N=200, ~2-3 minutes
    .venv/bin/python benchmarks/crawl_throughput.py --repeats 1  # quick smoke run
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
if str(REPO) not in sys.path:  # run as a script: `python benchmarks/NAME.py`
    sys.path.insert(0, str(REPO))

from benchmarks.childrun import child_env, run_watched  # noqa: E402
from benchmarks.machine import machine_info  # noqa: E402
from benchmarks.warcs import find_warcs, pages_recorded, warcio_check  # noqa: E402
from tests.fixtures.site import STATEMENT_COUNT, TestSite  # noqa: E402

HOSTS: tuple[str, ...] = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")
THROUGHPUT_TOML = "autothrottle = false\nconcurrent_per_domain = 8\nrequisites = false\n"
POLITE_TOML = "# default (polite) settings: autothrottle on, concurrent_per_domain = 2, requisites on\n"
CITEWATCH_THROUGHPUT = "citewatch throughput"
CITEWATCH_POLITE = "citewatch polite defaults"
CITEWATCH_NO_CRAWL = "citewatch --no-crawl (fixed cost)"
WGET = "wget"
CONFIGS: tuple[str, ...] = (CITEWATCH_THROUGHPUT, CITEWATCH_POLITE, WGET, CITEWATCH_NO_CRAWL)
# Rich wraps stderr at 80 columns when it is not a terminal, so allow any whitespace between the words.
STATS_RE = re.compile(r"(\d+)\s+responses\s+in\s+([0-9.]+)s\s+\(([0-9.]+)/s\)")
CAPTURED_RE = re.compile(r"captured\s+(\d+)\s+source\(s\),\s+(\d+)\s+failed")
CHECK_WORD: dict[bool | None, str] = {True: "ok", False: "BAD", None: "n/a"}


@dataclass
class RunResult:
    config: str
    repeat: int
    wall_s: float
    pages_per_s: float
    exit_code: int
    requests_served: int
    warc_files: int
    warc_bytes: int
    warc_response_records: int
    warc_check_ok: bool | None  # None: no WARC expected (--no-crawl)
    reported_responses: int | None = None
    reported_elapsed_s: float | None = None
    reported_per_s: float | None = None
    captured: int | None = None
    failed: int | None = None
    killed: str | None = None
    stderr_tail: str = ""


@dataclass
class Summary:
    config: str
    runs: int
    median_wall_s: float
    min_wall_s: float
    max_wall_s: float
    median_pages_per_s: float
    wall_ratio_vs_wget: float | None
    median_reported_per_s: float | None
    median_warc_bytes: int
    warc_response_records: list[int] = field(default_factory=list)
    warc_check_ok: str = ""
    requests_served: list[int] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# Workload
# --------------------------------------------------------------------------------------------------


def cited_urls(site: TestSite, per_host: int) -> list[str]:
    """N distinct statement URLs, host-interleaved (1 on .1, 1 on .2, …, 2 on .1, …)."""
    return [site.url(f"/statements/{n}", host=h) for n in range(1, per_host + 1) for h in site.hosts]


def is_statement(uri: str) -> bool:
    return "/statements/" in uri


def article_markdown(urls: Sequence[str]) -> str:
    lines = ["# Benchmark article: what the ministries said", ""]
    for i, url in enumerate(urls, 1):
        lines.append(f"Source {i}: the ministry confirmed it in [an official statement]({url}) on that day.")
        lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# One run of each configuration
# --------------------------------------------------------------------------------------------------


@dataclass
class Tools:
    citewatch: Path
    wget: Path
    warcio: Path
    timeout: float
    keep: bool
    workdir: Path


def run_citewatch(
    config: str, repeat: int, site: TestSite, urls: Sequence[str], tools: Tools, budget: int
) -> RunResult:
    tmp = Path(tempfile.mkdtemp(prefix="cw-", dir=tools.workdir))
    try:
        home = tmp / "home"
        home.mkdir()
        (home / "citewatch.toml").write_text(
            THROUGHPUT_TOML if config == CITEWATCH_THROUGHPUT else POLITE_TOML, encoding="utf-8"
        )
        article = tmp / "article.md"
        article.write_text(article_markdown(urls), encoding="utf-8")
        env = child_env({"CITEWATCH_HOME": str(home), "CITEWATCH_ALLOW_PRIVATE": "1"})
        before = len(site.requests)
        no_crawl = config == CITEWATCH_NO_CRAWL
        cmd = [str(tools.citewatch), "ingest", str(article), "--json", *(["--no-crawl"] if no_crawl else [])]
        proc = run_watched(
            cmd,
            cwd=tmp,
            env=env,
            served=lambda: len(site.requests),
            budget=budget,
            timeout=tools.timeout,
        )
        served = len(site.requests) - before
        warcs = find_warcs(home)
        result = RunResult(
            config=config,
            repeat=repeat,
            wall_s=proc.wall_s,
            pages_per_s=len(urls) / proc.wall_s,
            exit_code=proc.exit_code,
            requests_served=served,
            warc_files=len(warcs),
            warc_bytes=sum(p.stat().st_size for p in warcs),
            warc_response_records=pages_recorded(warcs, is_statement),
            warc_check_ok=None if no_crawl and not warcs else warcio_check(tools.warcio, warcs),
            killed=proc.killed,
            stderr_tail=proc.stderr_tail(),
        )
        if m := STATS_RE.search(proc.stderr):
            result.reported_responses = int(m.group(1))
            result.reported_elapsed_s = float(m.group(2))
            result.reported_per_s = float(m.group(3))
        if m := CAPTURED_RE.search(proc.stderr):
            result.captured, result.failed = int(m.group(1)), int(m.group(2))
        if proc.exit_code == 0:
            doc = json.loads(proc.stdout)
            cited = sum(len(a["sources"]) for a in doc)
            if cited != len(urls):
                result.stderr_tail += f"\n(article JSON lists {cited} sources, expected {len(urls)})"
        return result
    finally:
        if not tools.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def run_wget(repeat: int, site: TestSite, urls: Sequence[str], tools: Tools, budget: int) -> RunResult:
    tmp = Path(tempfile.mkdtemp(prefix="wget-", dir=tools.workdir))
    try:
        (tmp / "urls.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
        out = tmp / "out"
        out.mkdir()
        before = len(site.requests)
        proc = run_watched(
            [
                str(tools.wget),
                "--no-proxy",
                f"--warc-file={out / 'wget'}",
                "-i",
                str(tmp / "urls.txt"),
                "-q",
                "-O",
                "/dev/null",
            ],
            cwd=tmp,
            env=child_env({}),
            served=lambda: len(site.requests),
            budget=budget,
            timeout=tools.timeout,
        )
        served = len(site.requests) - before
        warcs = find_warcs(out)
        return RunResult(
            config=WGET,
            repeat=repeat,
            wall_s=proc.wall_s,
            pages_per_s=len(urls) / proc.wall_s,
            exit_code=proc.exit_code,
            requests_served=served,
            warc_files=len(warcs),
            warc_bytes=sum(p.stat().st_size for p in warcs),
            warc_response_records=pages_recorded(warcs, is_statement),
            warc_check_ok=warcio_check(tools.warcio, warcs),
            killed=proc.killed,
            stderr_tail=proc.stderr_tail(),
        )
    finally:
        if not tools.keep:
            shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------------------------------
# Summary and output
# --------------------------------------------------------------------------------------------------


def check_summary(checks: Sequence[bool | None]) -> str:
    if all(c is None for c in checks):
        return "n/a (no WARC)"
    return f"{sum(c is True for c in checks)}/{len(checks)} ok"


def summarise(results: Sequence[RunResult]) -> list[Summary]:
    by_config = {c: [r for r in results if r.config == c and r.repeat >= 1] for c in CONFIGS}
    wget_walls = [r.wall_s for r in by_config[WGET]]
    wget_median = statistics.median(wget_walls) if wget_walls else None
    summaries = []
    for config, runs in by_config.items():
        if not runs:
            continue
        walls = [r.wall_s for r in runs]
        reported = [r.reported_per_s for r in runs if r.reported_per_s is not None]
        median_wall = statistics.median(walls)
        summaries.append(
            Summary(
                config=config,
                runs=len(runs),
                median_wall_s=median_wall,
                min_wall_s=min(walls),
                max_wall_s=max(walls),
                median_pages_per_s=statistics.median(r.pages_per_s for r in runs),
                wall_ratio_vs_wget=median_wall / wget_median if wget_median else None,
                median_reported_per_s=statistics.median(reported) if reported else None,
                median_warc_bytes=int(statistics.median(r.warc_bytes for r in runs)),
                warc_response_records=[r.warc_response_records for r in runs],
                warc_check_ok=check_summary([r.warc_check_ok for r in runs]),
                requests_served=[r.requests_served for r in runs],
            )
        )
    return summaries


def markdown_table(summaries: Sequence[Summary], n: int) -> str:
    head = (
        "| configuration | runs | median wall (s) | min–max (s) | median pages/s | wall vs wget "
        "| citewatch-reported responses/s (median) | WARC bytes (median) | 200-responses in WARC "
        "| requests served | `warcio check` |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    rows = [head]
    for s in summaries:
        ratio = f"{s.wall_ratio_vs_wget:.2f}×" if s.wall_ratio_vs_wget is not None else "—"
        reported = f"{s.median_reported_per_s:.1f}" if s.median_reported_per_s is not None else "—"
        records = sorted(set(s.warc_response_records))
        pages = "—" if s.config == CITEWATCH_NO_CRAWL else f"{s.median_pages_per_s:.1f}"
        served = sorted(set(s.requests_served))
        rows.append(
            f"| {s.config} | {s.runs} | {s.median_wall_s:.2f} | {s.min_wall_s:.2f}–{s.max_wall_s:.2f} "
            f"| {pages} | {ratio} | {reported} | {s.median_warc_bytes:,} "
            f"| {'/'.join(map(str, records))} of {n} | {'/'.join(map(str, served))} | {s.warc_check_ok} |"
        )
    return "\n".join(rows)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--repeats", "-r", type=int, default=5, help="timed runs per configuration (default 5)")
    p.add_argument("--warmup", type=int, default=1, help="untimed runs per configuration first (default 1)")
    p.add_argument(
        "--per-host",
        type=int,
        default=STATEMENT_COUNT,
        help=f"statement pages cited per host, 1..{STATEMENT_COUNT} (default {STATEMENT_COUNT}; N = 4 × it)",
    )
    p.add_argument("--timeout", type=float, default=120.0, help="per-run time limit in seconds (default 120)")
    p.add_argument("--citewatch", type=Path, default=REPO / ".venv" / "bin" / "citewatch")
    p.add_argument("--warcio", type=Path, default=REPO / ".venv" / "bin" / "warcio")
    p.add_argument("--wget", type=Path, default=Path(shutil.which("wget") or "/usr/bin/wget"))
    p.add_argument("--results-dir", type=Path, default=REPO / "benchmarks" / "results")
    p.add_argument("--keep", action="store_true", help="keep the temporary run directories")
    args = p.parse_args(argv)
    if not 1 <= args.per_host <= STATEMENT_COUNT:
        p.error(f"--per-host must be between 1 and {STATEMENT_COUNT}")
    if args.repeats < 1 or args.warmup < 0:
        p.error("--repeats must be >= 1 and --warmup >= 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="citewatch-bench-"))
    tools = Tools(
        citewatch=args.citewatch,
        wget=args.wget,
        warcio=args.warcio,
        timeout=args.timeout,
        keep=args.keep,
        workdir=workdir,
    )
    results: list[RunResult] = []
    started = time.perf_counter()
    try:
        with TestSite(hosts=HOSTS) as site:
            urls = cited_urls(site, args.per_host)
            n = len(urls)
            # Expected: N pages + one robots.txt per host (citewatch); a generous, bounded budget.
            budget = 2 * n + 4 * len(HOSTS)
            print(
                f"serving {n} pages on {', '.join(HOSTS)} port {site.port}; "
                f"{args.warmup} warm-up + {args.repeats} timed run(s) per configuration",
                file=sys.stderr,
            )
            for repeat in range(1 - args.warmup, args.repeats + 1):
                # Interleave, rotating the order every repeat so no configuration always goes first.
                shift = (repeat - 1) % len(CONFIGS)
                for config in CONFIGS[shift:] + CONFIGS[:shift]:
                    site.reset()  # keep the request log small; robots.txt stays the default
                    if config == WGET:
                        r = run_wget(repeat, site, urls, tools, budget)
                    else:
                        r = run_citewatch(config, repeat, site, urls, tools, budget)
                    results.append(r)
                    tag = "warm-up" if repeat < 1 else f"run {repeat}/{args.repeats}"
                    ok = r.exit_code == 0 and r.killed is None
                    status = "ok" if ok else f"FAILED ({r.killed or r.exit_code})"
                    rate = "—" if config == CITEWATCH_NO_CRAWL else f"{r.pages_per_s:.1f}"
                    print(
                        f"  {tag:>9} {config:<34} {r.wall_s:6.2f}s {rate:>6} pages/s "
                        f"warc={r.warc_bytes:,}B check={CHECK_WORD[r.warc_check_ok]} "
                        f"served={r.requests_served} {status}",
                        file=sys.stderr,
                    )
                    if status != "ok" and r.stderr_tail:
                        print("    " + r.stderr_tail.replace("\n", "\n    "), file=sys.stderr)
    finally:
        if args.keep:
            print(f"run directories kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    summaries = summarise(results)
    table = markdown_table(summaries, n)
    info = machine_info(
        REPO, packages=("citewatch", "scrapy"), commands={"wget": [str(tools.wget), "--version"]}
    )
    command = "python benchmarks/crawl_throughput.py " + " ".join(sys.argv[1:] if argv is None else argv)
    print(f"\nN = {n} pages on {len(HOSTS)} hosts, R = {args.repeats}, {info['date']}, {info['cpus']} CPUs\n")
    print(table)

    args.results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.results_dir / f"crawl_throughput-{stamp}.json"
    doc = {
        "benchmark": "crawl_throughput",
        "command": command.strip(),
        "machine": info,
        "workload": {"pages": n, "hosts": list(HOSTS), "per_host": args.per_host},
        "repeats": args.repeats,
        "warmup": args.warmup,
        "total_runtime_s": round(time.perf_counter() - started, 2),
        "configs": {
            CITEWATCH_THROUGHPUT: {"citewatch.toml": THROUGHPUT_TOML},
            CITEWATCH_POLITE: {"citewatch.toml": POLITE_TOML},
            WGET: {"command": "wget --no-proxy --warc-file=OUT/wget -i urls.txt -q -O /dev/null"},
        },
        "summary": [asdict(s) for s in summaries],
        "runs": [asdict(r) for r in results],
        "markdown_table": table,
    }
    out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(f"\nresults: {out.relative_to(REPO) if out.is_relative_to(REPO) else out}", file=sys.stderr)
    failed = [r for r in results if r.exit_code != 0 or r.killed or r.warc_check_ok is False]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
