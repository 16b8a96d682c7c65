"""What the hash-linked capture log costs the hot path, and how fast `verify --log` walks it.

Records N captures (default 10,000) in batches of 100, as the crawl's sink writes them
(`Catalog.record_captures`, one transaction per batch), into a fresh catalog: once as shipped
(each batch appends its log entries: one locked read of the head row, one insert per capture,
one head update) and once with the append turned off, R times each (alternating, so drift in
the machine's load hits both alike).  Reports the median time per capture of each and the
difference, which is the log's cost; then the time `check_log` takes to walk the chain and hold
it against the rows.  SQLite by default; ``--pg-url`` (or CITEWATCH_TEST_PG_URL, e.g. under
`tools/with-postgres.sh`) runs it on PostgreSQL too.

    .venv/bin/python benchmarks/capture_log.py [-n 10000 -r 3] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from archive.catalog import CaptureRecord, NewCapture, open_catalog  # noqa: E402
from archive.catalog import batches as batches_module  # noqa: E402
from archive.fixity.chain import check_log  # noqa: E402
from archive.fixity.problems import AuditReport  # noqa: E402
from benchmarks.machine import machine_info  # noqa: E402

BATCH = 100
T0 = datetime(2026, 11, 30, tzinfo=UTC)


def captures(n: int, source_id: int) -> list[NewCapture]:
    """Source captures shaped like a crawl's: a record, digests, a redirect now and then."""
    return [
        NewCapture(
            capture=CaptureRecord(
                role="source",
                url=f"https://news{i % 20}.example/article/{i}",
                final_url=f"https://news{i % 20}.example/article/{i}",
                captured_at=T0 + timedelta(milliseconds=i),
                status=200,
                content_type="text/html; charset=utf-8",
                payload_digest=f"sha1:{i:032d}",
                warc_name=f"citewatch-20261130-{i // 5000:05d}.warc.gz",
                offset=21_000 * (i % 5000),
                length=20_500,
                record_id=f"<urn:uuid:{i:08x}-0000-4000-8000-000000000000>",
                body_length=20_000,
                source_id=source_id,
            ),
            scheduled_at=T0 + timedelta(milliseconds=i),
        )
        for i in range(n)
    ]


def wipe_pg(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def one_run(url: str, n: int, *, log: bool) -> dict[str, float]:
    catalog = open_catalog(url)
    try:
        from archive.catalog import CitationRecord

        catalog.add_article(
            origin="bench.md",
            title="bench",
            kind="markdown",
            citations=[CitationRecord("https://s/", "s", "")],
        )
        source_id = catalog.sources_for_urls(["https://s/"])[0].id
        entries = captures(n, source_id)
        saved: Callable[..., None] = batches_module.capturelog.append
        if not log:
            batches_module.capturelog.append = lambda *_a, **_k: None  # type: ignore[assignment]
        try:
            started, cpu = time.perf_counter(), time.process_time()
            for start in range(0, n, BATCH):
                catalog.record_captures(entries[start : start + BATCH], next_due=lambda _f, now: now)
            recorded, cpu = time.perf_counter() - started, time.process_time() - cpu
        finally:
            batches_module.capturelog.append = saved  # type: ignore[assignment]
        result = {
            "record_s": recorded,
            "us_per_capture": recorded / n * 1e6,
            # This process's CPU (SQLite works in it; PostgreSQL's server is not counted): steadier
            # than wall time on a busy machine.
            "cpu_us_per_capture": cpu / n * 1e6,
        }
        if log:
            report = AuditReport()
            started = time.perf_counter()
            check_log(catalog, report)
            result["walk_s"] = time.perf_counter() - started
            result["walk_problems"] = len(report.bad)
        return result
    finally:
        catalog.close()


def bench(backend: str, make_url: Callable[[], str], n: int, repeats: int) -> dict[str, Any]:
    runs: dict[str, list[dict[str, float]]] = {"with log": [], "without log": []}
    for r in range(repeats):
        for label in ("without log", "with log") if r % 2 else ("with log", "without log"):
            result = one_run(make_url(), n, log=label == "with log")
            runs[label].append(result)
            print(
                f"{backend} {label} #{r + 1}: {result['us_per_capture']:.1f} µs/capture, "
                f"{result['cpu_us_per_capture']:.1f} µs CPU",
                file=sys.stderr,
            )
    with_us = statistics.median(x["us_per_capture"] for x in runs["with log"])
    without_us = statistics.median(x["us_per_capture"] for x in runs["without log"])
    with_cpu = statistics.median(x["cpu_us_per_capture"] for x in runs["with log"])
    without_cpu = statistics.median(x["cpu_us_per_capture"] for x in runs["without log"])
    walk = statistics.median(x["walk_s"] for x in runs["with log"])
    assert all(x["walk_problems"] == 0 for x in runs["with log"]), "the benchmark's chain must verify"
    return {
        "backend": backend,
        "captures": n,
        "batch": BATCH,
        "repeats": repeats,
        "us_per_capture_with_log": round(with_us, 1),
        "us_per_capture_without_log": round(without_us, 1),
        "log_cost_us_per_capture": round(with_us - without_us, 1),
        "log_cost_percent": round(100 * (with_us - without_us) / without_us, 1),
        "cpu_us_per_capture_with_log": round(with_cpu, 1),
        "cpu_us_per_capture_without_log": round(without_cpu, 1),
        "log_cost_cpu_us_per_capture": round(with_cpu - without_cpu, 1),
        "loadavg": os.getloadavg(),
        "verify_log_walk_s": round(walk, 2),
        "verify_log_entries_per_s": round((n + 1) / walk),
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--captures", type=int, default=10_000)
    parser.add_argument("-r", "--repeats", type=int, default=5)
    parser.add_argument("--pg-url", default=os.environ.get("CITEWATCH_TEST_PG_URL"))
    parser.add_argument("--results-dir", type=Path, default=REPO / "benchmarks" / "results")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(1_000_000))
        rows.append(
            bench("sqlite", lambda: f"sqlite:///{tmp}/c{next(counter)}.db", args.captures, args.repeats)
        )
    if args.pg_url:
        pg_url: str = args.pg_url

        def fresh_pg() -> str:
            wipe_pg(pg_url)
            return pg_url

        rows.append(bench("postgresql", fresh_pg, args.captures, args.repeats))
    print(
        "| backend | captures | wall µs/capture with log | without | log's cost (wall) "
        "| CPU µs/capture with log | without | log's cost (CPU) | verify --log walk |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['backend']} | {row['captures']:,} | {row['us_per_capture_with_log']} | "
            f"{row['us_per_capture_without_log']} | {row['log_cost_us_per_capture']} µs "
            f"({row['log_cost_percent']} %) | {row['cpu_us_per_capture_with_log']} | "
            f"{row['cpu_us_per_capture_without_log']} | {row['log_cost_cpu_us_per_capture']} µs | "
            f"{row['verify_log_walk_s']} s "
            f"({row['verify_log_entries_per_s']:,} entries/s) |"
        )
    args.results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.results_dir / f"capture_log-{stamp}.json"
    doc = {"machine": machine_info(REPO, packages=("sqlalchemy", "psycopg")), "results": rows}
    out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
