#!/usr/bin/env python3
"""Crawl benchmark (issue 8, `make bench`): citewatch side by side with plain Scrapy and wget.

A local site (``latency_site.py``) serves 20 loopback hosts × 50 pages of ~20 kB prose with a chosen
per-response latency (0 ms and 50 ms by default).  Four commands fetch the same 1,000 URLs, each in a
fresh temporary directory, interleaved (the order rotates every repeat):

* **plain Scrapy**: ``benchmarks/scrapy_baseline.py`` with the Scrapy settings citewatch's own crawl
  uses for this ``citewatch.toml`` (minus citewatch's components), bodies discarded, no archiving;
* **wget**: ``wget --warc-file -i urls.txt`` (sequential, one connection), for reference;
* **citewatch ingest**: ``citewatch ingest article.md`` of an article citing the 1,000 URLs (first
  captures), in a fresh home;
* **citewatch crawl --all**: on a copy of a home that already holds first captures of the same,
  unchanged pages (made once, untimed, before the timed runs), so every repeat measures the same thing.

Each command is timed whole (process start to exit).  Per command and latency: pages/s, ratio to
plain Scrapy's pages/s in the same repeat, CPU ms/page (user + system of the process tree, from
``wait4``), peak RSS, WARC bytes written and ``warcio check`` of every WARC.  Prints a Markdown table
and the issue's target checks, writes JSON to ``benchmarks/results/``.  The exit status is non-zero
only if a run failed (error, watchdog, a page not fetched or archived) or a WARC is invalid; the
targets are reported, not enforced.

    .venv/bin/python benchmarks/crawl_bench.py            # R = 3, N = 1,000, 0 and 50 ms: ~15 minutes
    .venv/bin/python benchmarks/crawl_bench.py --quick    # 4 hosts × 10 pages, R = 1: ~30 s
"""

from __future__ import annotations

import argparse
import io
import json
import os
import pstats
import re
import shutil
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
if str(REPO) not in sys.path:  # run as a script: `python benchmarks/NAME.py`
    sys.path.insert(0, str(REPO))

from benchmarks.childrun import ChildRun, child_env, run_watched  # noqa: E402
from benchmarks.crawl_results import (  # noqa: E402
    CITEWATCH_COMMANDS,
    COMMANDS,
    CRAWL_ALL,
    INGEST,
    SCRAPY,
    WGET,
    Run,
    markdown_table,
    summarise,
    target_checks,
)
from benchmarks.latency_site import LatencySite, hosts_for  # noqa: E402
from benchmarks.machine import load_average, machine_info  # noqa: E402
from benchmarks.warcs import find_warcs, pages_recorded, warc_sizes, warcio_check, written_since  # noqa: E402

WGET_ARGS = ("--no-proxy", "-q", "-O", "/dev/null")
# Rich wraps stderr at 80 columns when it is not a terminal, so allow any whitespace between words.
CRAWL_PHASE_RE = re.compile(r"(\d+)\s+responses\s+in\s+([0-9.]+)s\s+\(([0-9.]+)/s\)")
PROJECT_PACKAGES = ("citewatch.", "crawler.", "archive.", "scheduler.")


def citewatch_toml(concurrent_requests: int) -> str:
    """The settings every citewatch run gets: the same politeness as the plain Scrapy run."""
    return (
        "obey_robots = false\n"
        "requisites = false\n"
        "autothrottle = false\n"
        "concurrent_per_domain = 2\n"
        f"concurrent_requests = {concurrent_requests}\n"
    )


def article_markdown(urls: Sequence[str]) -> str:
    """An article citing every URL once, one sentence per citation."""
    lines = ["# Benchmark article: what the councils said", ""]
    for i, url in enumerate(urls, 1):
        lines.append(f"Source {i}: the council confirmed it in [a published report]({url}) that week.")
        lines.append("")
    return "\n".join(lines)


def baseline_scrapy_settings(home: Path) -> dict[str, Any]:
    """The Scrapy settings citewatch's crawl uses with ``home``'s citewatch.toml, without its components.

    Derived from citewatch's own code (settings → CrawlConfig → Scrapy settings), so the plain Scrapy
    run keeps the same concurrency, timeouts, retries, headers and cookies when those change.  Dropped:
    citewatch's middlewares, its DNS resolver (an address guard) and its own ``CITEWATCH_*`` keys.
    """
    from citewatch.app import App
    from citewatch.config import load_settings
    from crawler.settings import scrapy_settings

    saved = os.environ.get("CITEWATCH_HOME")
    os.environ["CITEWATCH_HOME"] = str(home)  # where Settings looks for citewatch.toml
    try:
        application = App(load_settings(home=home), read_only=True)
        config = application.crawl_config()
    finally:
        if saved is None:
            del os.environ["CITEWATCH_HOME"]
        else:
            os.environ["CITEWATCH_HOME"] = saved

    def ours(value: Any) -> bool:
        return isinstance(value, str) and value.startswith(PROJECT_PACKAGES)

    settings: dict[str, Any] = {}
    for key, value in scrapy_settings(config).items():
        if key.startswith("CITEWATCH_") or ours(value):
            continue
        if isinstance(value, dict):
            value = {k: v for k, v in value.items() if not ours(k)}
        settings[key] = value
    return settings


# --------------------------------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------------------------------


@dataclass
class Bench:
    """Everything a run needs: the site, the workload files, the tools and limits."""

    site: LatencySite
    urls: list[str]
    workdir: Path
    article: Path
    url_list: Path
    toml: str
    scrapy_settings: Path
    pristine_home: Path
    python: Path
    citewatch: Path
    wget: Path
    warcio: Path
    timeout: float
    keep: bool

    @property
    def budget(self) -> int:
        # N pages, plus room for a retry each and a few odd requests; a crawler following links trips it.
        return 2 * len(self.urls) + 50

    def is_page(self, uri: str) -> bool:
        return uri in self._url_set

    def __post_init__(self) -> None:
        self._url_set = frozenset(self.urls)

    def run(self, cmd: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[ChildRun, float]:
        """Run ``cmd``; return its measures and the server's CPU seconds meanwhile."""
        cpu0 = self.site.cpu_seconds()
        child = run_watched(
            cmd, cwd=cwd, env=env, served=lambda: self.site.requests, budget=self.budget, timeout=self.timeout
        )
        return child, self.site.cpu_seconds() - cpu0

    def citewatch_env(self, home: Path) -> dict[str, str]:
        return child_env({"CITEWATCH_HOME": str(home), "CITEWATCH_ALLOW_PRIVATE": "1"})

    def tempdir(self, prefix: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=prefix, dir=self.workdir))

    def cleanup(self, path: Path) -> None:
        if not self.keep:
            shutil.rmtree(path, ignore_errors=True)


def _run(
    bench: Bench,
    command: str,
    latency_ms: int,
    repeat: int,
    child: ChildRun,
    server_cpu_s: float,
    *,
    pages_ok: int,
    warcs: Sequence[Path] = (),
    warc_bytes: int = 0,
    check: bool | None = None,
) -> Run:
    n = len(bench.urls)
    phase = CRAWL_PHASE_RE.search(child.stderr)
    return Run(
        command=command,
        latency_ms=latency_ms,
        repeat=repeat,
        pages=n,
        wall_s=round(child.wall_s, 4),
        pages_per_s=round(n / child.wall_s, 2),
        cpu_s=round(child.cpu_s, 3),
        cpu_ms_per_page=round(1000 * child.cpu_s / n, 3),
        max_rss_mb=round(child.max_rss_kb / 1024, 1) if child.max_rss_kb is not None else None,
        exit_code=child.exit_code,
        killed=child.killed,
        requests_served=child.requests_served,
        pages_ok=pages_ok,
        warc_files=len(warcs),
        warc_bytes=warc_bytes,
        warc_check_ok=check,
        server_cpu_ms_per_page=round(1000 * server_cpu_s / n, 3),
        crawl_phase_per_s=float(phase.group(3)) if phase else None,
        loadavg_1m=load_average()[0],
        stderr_tail="" if child.ok else child.stderr_tail(5),
    )


def run_scrapy(bench: Bench, latency_ms: int, repeat: int) -> Run:
    tmp = bench.tempdir("scrapy-")
    try:
        cmd = [
            str(bench.python),
            str(BENCH_DIR / "scrapy_baseline.py"),
            str(bench.url_list),
            str(bench.scrapy_settings),
        ]
        child, server_cpu = bench.run(cmd, tmp, child_env({}))
        try:
            fetched = int(json.loads(child.stdout.strip().splitlines()[-1])["statuses"].get("200", 0))
        except (IndexError, ValueError, KeyError):
            fetched = 0
        return _run(bench, SCRAPY, latency_ms, repeat, child, server_cpu, pages_ok=fetched)
    finally:
        bench.cleanup(tmp)


def run_wget(bench: Bench, latency_ms: int, repeat: int) -> Run:
    tmp = bench.tempdir("wget-")
    try:
        out = tmp / "out"
        out.mkdir()
        cmd = [str(bench.wget), *WGET_ARGS, f"--warc-file={out / 'wget'}", "-i", str(bench.url_list)]
        child, server_cpu = bench.run(cmd, tmp, child_env({}))
        warcs = find_warcs(out)
        return _run(
            bench, WGET, latency_ms, repeat, child, server_cpu,
            pages_ok=pages_recorded(warcs, bench.is_page),
            warcs=warcs,
            warc_bytes=sum(p.stat().st_size for p in warcs),
            check=warcio_check(bench.warcio, warcs),
        )  # fmt: skip
    finally:
        bench.cleanup(tmp)


def _citewatch_run(bench: Bench, command: str, home: Path, latency_ms: int, repeat: int) -> Run:
    before = warc_sizes(home)
    args = ["ingest", str(bench.article), "--json"] if command == INGEST else ["crawl", "--all", "--json"]
    child, server_cpu = bench.run([str(bench.citewatch), *args], home.parent, bench.citewatch_env(home))
    warcs, added = written_since(home, before)
    return _run(
        bench, command, latency_ms, repeat, child, server_cpu,
        # An unchanged page may be archived as a revisit record (same payload digest): it counts.
        pages_ok=pages_recorded(warcs, bench.is_page, ("response", "revisit")),
        warcs=warcs,
        warc_bytes=added,
        check=warcio_check(bench.warcio, warcs),
    )  # fmt: skip


def new_home(bench: Bench) -> Path:
    home = bench.tempdir("cw-") / "home"
    home.mkdir()
    (home / "citewatch.toml").write_text(bench.toml, encoding="utf-8")
    return home


def run_ingest(bench: Bench, latency_ms: int, repeat: int) -> Run:
    home = new_home(bench)
    try:
        return _citewatch_run(bench, INGEST, home, latency_ms, repeat)
    finally:
        bench.cleanup(home.parent)


def run_crawl_all(bench: Bench, latency_ms: int, repeat: int) -> Run:
    tmp = bench.tempdir("cw-all-")
    home = tmp / "home"
    try:
        shutil.copytree(bench.pristine_home, home, symlinks=True)
        return _citewatch_run(bench, CRAWL_ALL, home, latency_ms, repeat)
    finally:
        bench.cleanup(tmp)


def profile_citewatch(bench: Bench, out_dir: Path, latency_ms: int, top: int) -> int:
    """cProfile one ``citewatch ingest`` of every page, then one ``crawl --all`` of the same home.

    Where the time goes, not how much: cProfile slows Python code down (1.5-2x here), and it sees
    the citewatch process only, not the workers of a process pool.  Writes ``ingest.prof`` and
    ``crawl-all.prof`` into ``out_dir`` (``python -m pstats FILE`` to explore) and prints the ``top``
    entries of each by own time and by cumulative time.  Returns 1 if a command failed.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    bench.site.latency = latency_ms / 1000
    home = new_home(bench)
    python = bench.citewatch.parent / "python"
    status = 0
    try:
        for name, args in (("ingest", ["ingest", str(bench.article)]), ("crawl-all", ["crawl", "--all"])):
            prof = out_dir / f"{name}.prof"
            cmd = [str(python), "-m", "cProfile", "-o", str(prof), "-m", "citewatch", *args]
            child, _ = bench.run(cmd, home.parent, bench.citewatch_env(home))
            print(
                f"\n## `citewatch {' '.join(args[:2]).replace(str(bench.article), 'article.md')}` "
                f"under cProfile, {len(bench.urls)} pages at {latency_ms} ms: {child.wall_s:.1f} s wall, "
                f"{child.cpu_s:.1f} s CPU, exit {child.exit_code}"
            )
            if not child.ok or not prof.exists():
                print(child.killed or child.stderr_tail(10))
                status = 1
                continue
            for order in ("tottime", "cumulative"):
                report = io.StringIO()
                pstats.Stats(str(prof), stream=report).sort_stats(order).print_stats(top)
                text = report.getvalue()
                prefixes = {p for p in sys.path if p.endswith("-packages")} | {sysconfig.get_path("stdlib")}
                for prefix in sorted(prefixes, key=len, reverse=True):
                    text = text.replace(prefix + "/", "")
                text = text.replace(str(REPO) + "/", "")
                body = text[text.index("   ncalls") :] if "   ncalls" in text else text
                print(f"\n### top {top} by {order}\n\n```\n{body.rstrip()}\n```")
    finally:
        bench.cleanup(home.parent)
    print(f"\nprofiles: {out_dir}")
    return status


RUNNERS: dict[str, Callable[[Bench, int, int], Run]] = {
    SCRAPY: run_scrapy,
    WGET: run_wget,
    INGEST: run_ingest,
    CRAWL_ALL: run_crawl_all,
}


def prepare_pristine_home(bench: Bench) -> Run:
    """First captures of every page, untimed: the home each ``crawl --all`` run starts from a copy of.

    Also the warm-up: the first citewatch command after an install compiles its bytecode.
    """
    home = bench.pristine_home
    home.mkdir(parents=True)
    (home / "citewatch.toml").write_text(bench.toml, encoding="utf-8")
    bench.site.latency = 0.0
    return _citewatch_run(bench, INGEST, home, 0, 0)


# --------------------------------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smoke mode: 4 hosts × 10 pages, 1 repeat")
    p.add_argument("--repeats", "-r", type=int, help="timed runs per command and latency (default 3)")
    p.add_argument("--hosts", type=int, help="loopback hosts served (default 20; --quick 4)")
    p.add_argument("--pages-per-host", type=int, help="pages per host (default 50; --quick 10)")
    p.add_argument(
        "--latency-ms",
        type=int,
        action="append",
        help="per-response server latency (repeatable; default 0 and 50)",
    )
    p.add_argument(
        "--concurrent-requests", type=int, default=16,
        help="CONCURRENT_REQUESTS for citewatch and plain Scrapy alike (default 16, citewatch's default)",
    )  # fmt: skip
    p.add_argument("--only", action="append", choices=COMMANDS, help="run only these commands (repeatable)")
    p.add_argument("--timeout", type=float, default=600.0, help="per-run time limit in seconds (default 600)")
    p.add_argument("--citewatch", type=Path, default=REPO / ".venv" / "bin" / "citewatch")
    p.add_argument("--warcio", type=Path, default=REPO / ".venv" / "bin" / "warcio")
    p.add_argument("--python", type=Path, default=Path(sys.executable), help="Python that runs plain Scrapy")
    p.add_argument("--wget", type=Path, default=Path(shutil.which("wget") or "/usr/bin/wget"))
    p.add_argument("--results-dir", type=Path, default=BENCH_DIR / "results")
    p.add_argument("--keep", action="store_true", help="keep the temporary run directories")
    p.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="instead of the timed runs: cProfile one citewatch ingest and one crawl --all (at the first "
        "--latency-ms, 50 by default) into DIR and print the top entries",
    )
    p.add_argument("--profile-top", type=int, default=25, help="entries printed per profile (default 25)")
    args = p.parse_args(argv)
    args.repeats = args.repeats or (1 if args.quick else 3)
    args.hosts = args.hosts or (4 if args.quick else 20)
    args.pages_per_host = args.pages_per_host or (10 if args.quick else 50)
    args.latency_ms = args.latency_ms or ([50] if args.profile else [0, 50])
    args.only = tuple(c for c in COMMANDS if not args.only or c in args.only)
    if args.repeats < 1 or args.pages_per_host < 1 or not 1 <= args.hosts <= 254:
        p.error("--repeats and --pages-per-host must be ≥ 1, --hosts between 1 and 254")
    if any(ms < 0 for ms in args.latency_ms) or args.concurrent_requests < 1:
        p.error("--latency-ms must be ≥ 0 and --concurrent-requests ≥ 1")
    for tool in (args.citewatch, args.warcio, args.wget, args.python):
        if not tool.exists():
            p.error(f"{tool} not found (run `make install` first, or pass its path)")
    return args


def rotated(items: Sequence[Any], by: int) -> list[Any]:
    by %= len(items)
    return [*items[by:], *items[:by]]


def _progress(run: Run, tag: str) -> None:
    status = "FAILED" if run.failed else "ok"
    check = {True: "ok", False: "BAD", None: "n/a"}[run.warc_check_ok]
    print(
        f"  {tag:>8} {run.latency_ms:>3} ms {run.command:<22} {run.wall_s:7.2f} s "
        f"{run.pages_per_s:7.1f} pages/s cpu {run.cpu_ms_per_page:6.2f} ms/page "
        f"rss {run.max_rss_mb or 0:5.0f} MB warc {run.warc_bytes:>11,} B "
        f"check {check} pages {run.pages_ok}/{run.pages} served {run.requests_served} "
        f"load {run.loadavg_1m:.2f} {status}",
        file=sys.stderr,
    )
    if run.failed:
        reason = run.killed or f"exit {run.exit_code}, {run.pages_ok}/{run.pages} pages, check {check}"
        print(
            f"           {reason}\n           " + run.stderr_tail.replace("\n", "\n           "),
            file=sys.stderr,
        )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    info = machine_info(
        REPO,
        packages=("citewatch", "scrapy", "twisted", "warcio", "trafilatura", "lxml"),
        commands={"wget": [str(args.wget), "--version"]},
    )
    loadavg_before = info["loadavg"]
    workdir = Path(tempfile.mkdtemp(prefix="citewatch-bench-"))
    runs: list[Run] = []
    try:
        with LatencySite(hosts_for(args.hosts), args.pages_per_host) as site:
            urls = site.urls()
            n = len(urls)
            article, url_list, settings_file = (
                workdir / "article.md",
                workdir / "urls.txt",
                workdir / "scrapy.json",
            )
            article.write_text(article_markdown(urls), encoding="utf-8")
            url_list.write_text("\n".join(urls) + "\n", encoding="utf-8")
            bench = Bench(
                site=site, urls=urls, workdir=workdir, article=article, url_list=url_list,
                toml=citewatch_toml(args.concurrent_requests), scrapy_settings=settings_file,
                pristine_home=workdir / "pristine" / "home", python=args.python, citewatch=args.citewatch,
                wget=args.wget, warcio=args.warcio, timeout=args.timeout, keep=args.keep,
            )  # fmt: skip
            print(
                f"serving {n} pages ({site.page_bytes // n:,} B each on average) on {args.hosts} hosts "
                f"127.0.0.1-{args.hosts} port {site.port}; latencies {args.latency_ms} ms; "
                f"R = {args.repeats}; load {' '.join(map(str, loadavg_before))}",
                file=sys.stderr,
            )
            if args.profile:
                return profile_citewatch(bench, args.profile, args.latency_ms[0], args.profile_top)
            pristine = prepare_pristine_home(bench)
            _progress(pristine, "first")
            if pristine.failed:
                print("the untimed first ingest failed: nothing to compare; stopping", file=sys.stderr)
                return 1
            scrapy_settings = baseline_scrapy_settings(bench.pristine_home)
            settings_file.write_text(json.dumps(scrapy_settings, indent=1), encoding="utf-8")
            for repeat in range(1, args.repeats + 1):
                # Interleave, rotating both orders each repeat: no command or latency always goes first.
                for latency in rotated(args.latency_ms, repeat - 1):
                    site.latency = latency / 1000
                    for command in rotated(args.only, repeat - 1):
                        run = RUNNERS[command](bench, latency, repeat)
                        runs.append(run)
                        _progress(run, f"{repeat}/{args.repeats}")
    finally:
        if args.keep:
            print(f"run directories kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    rows = [r for r in summarise(runs, args.latency_ms) if r.runs]
    table = markdown_table(rows)
    checks = target_checks(rows) if {*CITEWATCH_COMMANDS, SCRAPY} <= set(args.only) else []
    loadavg_after = load_average()
    print(
        f"\nN = {n} pages ({site.page_bytes // n:,} B) on {args.hosts} hosts, R = {args.repeats}, "
        f"{info['date']}, {info['cpus']} CPUs, commit {info['git']['commit'][:10]}"
        f"{' (dirty)' if info['git']['dirty'] else ''}; load before {loadavg_before}, after {loadavg_after}\n"
    )
    print(table)
    if checks:
        print("\nTargets (issue 8; paired medians, reported, not enforced):")
        for check in checks:
            print(check.line())

    args.results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.results_dir / f"crawl_bench-{stamp}{'-quick' if args.quick else ''}.json"
    doc = {
        "benchmark": "crawl_bench",
        "command": " ".join(["benchmarks/crawl_bench.py", *(sys.argv[1:] if argv is None else argv)]),
        "machine": {**info, "loadavg_before": loadavg_before, "loadavg_after": loadavg_after},
        "workload": {
            "hosts": args.hosts,
            "pages_per_host": args.pages_per_host,
            "pages": n,
            "mean_page_bytes": site.page_bytes // n,
            "latencies_ms": args.latency_ms,
            "repeats": args.repeats,
        },
        "settings": {
            "citewatch.toml": bench.toml,
            "plain_scrapy": scrapy_settings,
            "wget": ["wget", *WGET_ARGS, "--warc-file=OUT/wget", "-i", "urls.txt"],
        },
        "total_runtime_s": round(time.perf_counter() - started, 1),
        "rows": [asdict(r) for r in rows],
        "checks": [asdict(c) for c in checks],
        "untimed_first_ingest": asdict(pristine),
        "runs": [asdict(r) for r in runs],
        "markdown_table": table,
    }
    out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nresults: {out.relative_to(REPO) if out.is_relative_to(REPO) else out}", file=sys.stderr)
    return 1 if any(r.failed for r in runs) else 0


if __name__ == "__main__":
    raise SystemExit(main())
