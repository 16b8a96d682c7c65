#!/usr/bin/env python3
"""What the catalog side of the capture path costs per page: commits and CPU of the sink.

A local site (tests/fixtures/site.py) serves N distinct pages on four loopback hosts; a Markdown
article cites them all.  In a fresh data directory, `citewatch ingest ARTICLE` (first captures)
and then `citewatch crawl --all` (unchanged re-crawl) run in child processes, each instrumented
from the inside:

* every SQL transaction committed (a SQLAlchemy ``commit`` event on all engines), in all and
  during the crawl phase (`App._run`), and those committed from inside the sink's methods;
* the CPU time (``time.thread_time`` of the reactor thread) spent inside the sink's methods
  (`CatalogSink.on_capture`, ``on_article``, ``previous``, ``has_earlier_capture`` and, where it
  exists, ``flush``), nested calls counted once;
* the CPU time (user+sys) of the whole command and of its crawl phase.

    .venv/bin/python benchmarks/catalog_sink.py               # N = 400 pages, 3 rounds
    .venv/bin/python benchmarks/catalog_sink.py -n 200 -r 1 --profile /tmp/ingest.prof

Prints one JSON document per run on stderr and a Markdown table (medians) on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")
TOML = "autothrottle = false\nconcurrent_per_domain = 8\nrequisites = false\n"
SINK_METHODS = ("on_capture", "on_article", "previous", "has_earlier_capture", "flush")


def page(n: int) -> bytes:
    prose = " ".join(
        f"Paragraph {k} of statement {n}: the ministry said item {n * 7 + k} stands." for k in range(40)
    )
    head = f"<!DOCTYPE html><html><head><title>Statement {n}</title></head>"
    return f"{head}<body><h1>Statement {n}</h1><p>{prose}</p></body></html>".encode()


def child(argv: list[str]) -> None:
    """Run one citewatch command in this process, instrumented; print the measurements as JSON."""
    command, profile = json.loads(argv[0]), argv[1] or None
    from sqlalchemy import Engine, event

    import citewatch.app as app_module
    import citewatch.sink as sink_module
    from citewatch.cli import main

    counts = {"commits": 0, "crawl_commits": 0, "sink_commits": 0}
    state = {"depth": 0, "in_crawl": False, "sink_cpu": 0.0, "crawl_cpu": 0.0}

    def on_commit(_conn: Any) -> None:
        counts["commits"] += 1
        counts["crawl_commits"] += state["in_crawl"]
        counts["sink_commits"] += state["depth"] > 0

    event.listen(Engine, "commit", on_commit)

    def timed(method: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            outer = state["depth"] == 0
            state["depth"] += 1
            started = time.thread_time() if outer else 0.0
            try:
                return method(*args, **kwargs)
            finally:
                state["depth"] -= 1
                if outer:
                    state["sink_cpu"] += time.thread_time() - started

        return wrapper

    for name in SINK_METHODS:
        if hasattr(sink_module.CatalogSink, name):
            setattr(sink_module.CatalogSink, name, timed(getattr(sink_module.CatalogSink, name)))
    original_run = app_module.App._run

    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        state["in_crawl"] = True
        started = time.process_time()
        try:
            return original_run(self, *args, **kwargs)
        finally:
            state["crawl_cpu"] = time.process_time() - started
            state["in_crawl"] = False

    app_module.App._run = run  # type: ignore[method-assign]
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    code = 0
    try:
        main(command)
    except SystemExit as exc:
        code = int(exc.code or 0)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    doc = {
        "exit": code,
        **counts,
        "sink_cpu_s": state["sink_cpu"],
        "crawl_cpu_s": state["crawl_cpu"],
        "process_cpu_s": usage.ru_utime + usage.ru_stime,
        "max_rss_mb": usage.ru_maxrss / 1024,
    }
    Path(os.environ["CITEWATCH_BENCH_RESULT"]).write_text(json.dumps(doc), encoding="utf-8")


def run_child(home: Path, command: list[str], profile: str | None) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITEWATCH_", "AWS_"))}
    env |= {"CITEWATCH_HOME": str(home), "CITEWATCH_ALLOW_PRIVATE": "1", "NO_PROXY": "*"}
    for var in ("http_proxy", "https_proxy", "all_proxy"):
        env.pop(var, None)
    result = home.parent / "result.json"
    result.unlink(missing_ok=True)
    env["CITEWATCH_BENCH_RESULT"] = str(result)
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", json.dumps(command), profile or ""],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    _, stderr = proc.communicate(timeout=600)
    out = result.read_text(encoding="utf-8") if result.exists() else ""
    if proc.returncode != 0 or not out.strip():
        raise SystemExit(
            f"citewatch {' '.join(command)} failed ({proc.returncode}):\n{stderr.decode()[-3000:]}"
        )
    doc: dict[str, Any] = json.loads(out)
    return doc


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--pages", type=int, default=400)
    parser.add_argument("-r", "--repeats", type=int, default=3)
    parser.add_argument("--profile", help="write the cProfile stats of the ingest child here (first round)")
    args = parser.parse_args()
    from tests.fixtures.site import TestSite

    rows: dict[str, list[dict[str, Any]]] = {"ingest (first captures)": [], "crawl --all (unchanged)": []}
    with TestSite(hosts=HOSTS) as site:
        site.robots_txt = "User-agent: *\nAllow: /\n"
        urls = []
        for n in range(args.pages):
            host = HOSTS[n % len(HOSTS)]
            site.set_page(f"/s/{n}", page(n), host=host)
            urls.append(site.url(f"/s/{n}", host=host))
        for repeat in range(args.repeats):
            with tempfile.TemporaryDirectory(prefix="citewatch-sink-") as tmp:
                home = Path(tmp) / "home"
                home.mkdir()
                (home / "citewatch.toml").write_text(TOML, encoding="utf-8")
                article = Path(tmp) / "article.md"
                article.write_text("".join(f"- [s{i}]({u})\n" for i, u in enumerate(urls)), encoding="utf-8")
                profile = args.profile if repeat == 0 else None
                for label, command in (
                    ("ingest (first captures)", ["ingest", str(article), "--json"]),
                    ("crawl --all (unchanged)", ["crawl", "--all", "--json"]),
                ):
                    doc = run_child(home, command, profile if command[0] == "ingest" else None)
                    doc |= {
                        "run": label,
                        "repeat": repeat,
                        "pages": args.pages,
                        "loadavg": os.getloadavg()[0],
                    }
                    print(json.dumps(doc), file=sys.stderr)
                    rows[label].append(doc)
    print(f"\nN = {args.pages} pages, {args.repeats} round(s); medians\n")
    print(
        "| run | commits/page (all) | commits/page (crawl phase) | commits/page (sink) "
        "| sink CPU ms/page | crawl-phase CPU ms/page | command CPU ms/page |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, docs in rows.items():

        def med(key: str, scale: float = 1.0, docs: list[dict[str, Any]] = docs) -> float:
            return statistics.median(d[key] for d in docs) * scale / args.pages

        print(
            f"| {label} | {med('commits'):.2f} | {med('crawl_commits'):.2f} | {med('sink_commits'):.2f} | "
            f"{med('sink_cpu_s', 1000):.2f} | {med('crawl_cpu_s', 1000):.2f} "
            f"| {med('process_cpu_s', 1000):.2f} |"
        )


if __name__ == "__main__":
    main()
