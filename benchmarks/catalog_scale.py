#!/usr/bin/env python3
"""The catalog at scale: 1,000,000 sources, 3,000,000 captures, 1,000,000 citations, 100,000 changes.

Builds such a catalog by plain SQL (`catalog_scale_data.py`: realistic shapes and distributions),
once, at catalog revision 0003, and keeps it in a cache (SQLite: a file; PostgreSQL: a template
database); every run copies it, opens the copy with the code under test (which migrates it to that
code's head: the time is reported), runs ANALYZE, then times:

* the due query (the dispatcher's "anything due?" and the first batch of due sources) and
  `App.due_targets` (first target, and all of them);
* every page and API route of the browsing UI, through the FastAPI app in-process (httpx's
  TestClient), including deep pages, filters, a diff and the Atom feed;
* replay lookups: a captured URL, a revisit (its payload found by digest), a page requisite shared
  by a whole host, and a URL never captured; the Memento TimeGate and TimeMap of the hot source;
* every CLI listing as a child process (`sources`, `changes`, `alerts`, `captures URL`, as tables and
  ``--json``): time to the first byte on stdout, total time, CPU and peak RSS.

Before/after: run it twice, once with ``--code`` pointing at a checkout of the older commit, then
``--compare`` the two JSON files (see benchmarks/README.md).

    .venv/bin/python benchmarks/catalog_scale.py                       # 1 M sources, SQLite
    .venv/bin/python benchmarks/catalog_scale.py --scale 0.01          # a smoke run in seconds
    tools/with-postgres.sh .venv/bin/python benchmarks/catalog_scale.py --backend postgresql
    .venv/bin/python benchmarks/catalog_scale.py --compare before.json after.json
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import select
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# The built catalogs are kept between runs here (SQLite: one file per scale, 2.3 GB at scale 1).
DEFAULT_CACHE = Path(
    os.environ.get("CITEWATCH_BENCH_CACHE", Path(tempfile.gettempdir()) / "citewatch-catalog-scale")
)
PG_ENV = "CITEWATCH_TEST_PG_URL"
REAL_WARC = "bench-real-20260101000000000-00001.warc.gz"
REAL_URI = "https://www.bench-sample.example/statement"
TARGET_MS = {"ui": 100.0, "api": 100.0, "replay": 100.0, "due": 50.0}
CHUNK = 20_000
TIME = "/usr/bin/time"  # GNU time


# -- building ---------------------------------------------------------------------------------


def real_records(store: Path) -> dict[str, Any]:
    """Write the real WARC the sample source's captures point at; return where each record is."""
    from catalog_scale_data import RealRecord
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    paragraphs = [
        "The minister said: We will act within 30 days to protect the coast.",
        "The budget for the programme is 5 million euros.",
        "Further details will follow next week.",
    ]
    versions = {
        "v0": paragraphs,
        "v1": ["The minister said the government will consider acting.", *paragraphs[1:]],
    }
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    out: dict[str, Any] = {}
    headers = [("Content-Type", "text/html; charset=utf-8")]
    for key, paras in versions.items():
        body = "<html><head><title>Statement</title></head><body><main>"
        body += "".join(f"<p>{p}</p>" for p in paras) + "</main></body></html>"
        at = buf.tell()
        record = writer.create_warc_record(
            REAL_URI,
            "response",
            payload=io.BytesIO(body.encode()),
            http_headers=StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1"),
        )
        writer.write_record(record)
        out[key] = RealRecord(REAL_WARC, at, buf.tell() - at)
    at = buf.tell()
    revisit = writer.create_revisit_record(
        REAL_URI,
        digest="sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        refers_to_uri=REAL_URI,
        refers_to_date="2026-01-01T00:00:00Z",
        http_headers=StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1"),
    )
    writer.write_record(revisit)
    out["revisit"] = RealRecord(REAL_WARC, at, buf.tell() - at)
    (store / "warcs").mkdir(parents=True, exist_ok=True)
    (store / "warcs" / REAL_WARC).write_bytes(buf.getvalue())
    return out


class _Rows:
    """Buffers rows per table and writes them in chunks."""

    def __init__(self, write: Callable[[str, list[tuple[Any, ...]]], None]) -> None:
        self._write = write
        self._buf: dict[str, list[tuple[Any, ...]]] = {}
        self.count: dict[str, int] = {}

    def emit(self, table: str, row: tuple[Any, ...]) -> None:
        rows = self._buf.setdefault(table, [])
        rows.append(row)
        if len(rows) >= CHUNK:
            self.flush(table)

    def flush(self, table: str | None = None) -> None:
        for name in [table] if table else list(self._buf):
            rows = self._buf.get(name) or []
            if rows:
                self._write(name, rows)
                self.count[name] = self.count.get(name, 0) + len(rows)
            self._buf[name] = []


def _sqlite_value(v: Any) -> Any:
    if isinstance(v, datetime):
        u = v.astimezone(UTC)
        return f"{u:%Y-%m-%d %H:%M:%S}.{u.microsecond:06d}"
    if isinstance(v, bool):
        return int(v)
    return v


def build_sqlite(path: Path, store: Path, scale: Any) -> dict[str, Any]:
    """Build the catalog file at revision 0003 (schema by the catalog's own migrations, rows by SQL)."""
    from catalog_scale_data import TABLE_COLUMNS, generate

    from archive.catalog.db import make_engine, migrate

    tmp = path.with_suffix(".building")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{tmp}")
    migrate(engine, "0003")
    engine.dispose()
    conn = sqlite3.connect(tmp, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1000000")
    indexes = [
        (name, sql)
        for name, sql in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL"
        )
    ]
    for name, _sql in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    conn.execute("BEGIN")

    def write(table: str, rows: list[tuple[Any, ...]]) -> None:
        cols = TABLE_COLUMNS[table]
        sql = f'INSERT INTO "{table}" ({", ".join(cols)}) VALUES ({", ".join("?" * len(cols))})'
        conn.executemany(sql, ([_sqlite_value(v) for v in row] for row in rows))

    rows = _Rows(write)
    marks = generate(scale, real_records(store), rows.emit)
    rows.flush()
    _post_build(conn.execute, marks.counts["capture"])
    conn.execute("COMMIT")
    for name, sql in indexes:
        started = time.monotonic()
        conn.execute(sql)
        print(f"  index {name}: {time.monotonic() - started:.1f}s", file=sys.stderr)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    tmp.rename(path)
    return {"counts": rows.count, "landmarks": asdict(marks)}


def _post_build(execute: Callable[..., Any], last_capture: int) -> None:
    # The newest source captures wait for change detection, as right after a crawl.
    execute(f"UPDATE capture SET judged_at = NULL WHERE role = 'source' AND id > {max(0, last_capture - 60)}")


def build_postgresql(admin_url: str, database: str, store: Path, scale: Any) -> dict[str, Any]:
    """Build the catalog in a new database (then renamed to ``database``) with COPY."""
    import psycopg
    from catalog_scale_data import TABLE_COLUMNS, generate
    from sqlalchemy import make_url

    from archive.catalog.db import make_engine, migrate

    building = f"{database}_building"
    _pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{building}"', f'CREATE DATABASE "{building}"')
    url = make_url(admin_url).set(database=building)
    engine = make_engine(url.render_as_string(hide_password=False))
    migrate(engine, "0003")
    engine.dispose()
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint)"
        ).fetchall()
        for name, _sql in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        conn.execute("SET session_replication_role = replica")  # no FK triggers while loading

        def write(table: str, rows: list[tuple[Any, ...]]) -> None:
            cols = ", ".join(f'"{c}"' for c in TABLE_COLUMNS[table])
            with conn.cursor().copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)

        rows = _Rows(write)
        marks = generate(scale, real_records(store), rows.emit)
        rows.flush()
        _post_build(conn.execute, marks.counts["capture"])
        for name, sql in indexes:
            started = time.monotonic()
            conn.execute(sql)
            print(f"  index {name}: {time.monotonic() - started:.1f}s", file=sys.stderr)
        for table in ("article", "source", "citation", "capture", "change", "alert", "delivery"):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM \"{table}\"))"
            )
        conn.execute("VACUUM ANALYZE")
    _pg_admin(admin_url, f'ALTER DATABASE "{building}" RENAME TO "{database}"')
    return {"counts": rows.count, "landmarks": asdict(marks)}


def _pg_admin(admin_url: str, *statements: str) -> None:
    import psycopg
    from sqlalchemy import make_url

    conninfo = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _pg_has_database(admin_url: str, name: str) -> bool:
    import psycopg
    from sqlalchemy import make_url

    conninfo = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


# -- measuring --------------------------------------------------------------------------------


@dataclass
class Measurement:
    group: str
    name: str
    wall_ms: float
    wall_ms_max: float
    cpu_ms: float
    detail: str = ""
    ttfb_ms: float | None = None
    rss_mb: float | None = None
    bytes: int | None = None
    status: int | None = None
    samples: list[float] = field(default_factory=list)


def timed(fn: Callable[[], Any], repeats: int) -> tuple[list[float], list[float], Any]:
    """Run ``fn`` once to warm up, then ``repeats`` times: wall and CPU milliseconds, last result."""
    result = fn()
    walls, cpus = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        walls.append((time.perf_counter() - w0) * 1000)
        cpus.append((time.process_time() - c0) * 1000)
    return walls, cpus, result


def measure_due(app: Any, catalog: Any, now: datetime, repeats: int) -> list[Measurement]:
    out = []
    for name, fn in (
        (
            "dispatcher: any source due? (LIMIT 1)",
            lambda: catalog.sources_to_crawl(due_only=True, now=now, limit=1),
        ),
        ("first 1,000 due sources", lambda: catalog.sources_to_crawl(due_only=True, now=now, limit=1000)),
    ):
        walls, cpus, result = timed(fn, repeats)
        out.append(
            Measurement(
                "due",
                name,
                statistics.median(walls),
                max(walls),
                statistics.median(cpus),
                f"{len(result)} rows",
                samples=walls,
            )
        )

    def first() -> Any:
        return next(iter(app.due_targets(due_only=True)))

    walls, cpus, _ = timed(first, repeats)
    out.append(
        Measurement(
            "due",
            "App.due_targets: first target",
            statistics.median(walls),
            max(walls),
            statistics.median(cpus),
            samples=walls,
        )
    )
    import tracemalloc

    tracemalloc.start()
    w0, c0 = time.perf_counter(), time.process_time()
    n = sum(1 for _ in app.due_targets(due_only=True))
    wall, cpu = (time.perf_counter() - w0) * 1000, (time.process_time() - c0) * 1000
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    out.append(
        Measurement(
            "due-all",
            "App.due_targets: every due source",
            wall,
            wall,
            cpu,
            f"{n} targets, peak Python heap {peak:.0f} MB",
        )
    )
    return out


def web_routes(marks: dict[str, Any], counts: dict[str, int]) -> list[tuple[str, str, str]]:
    """(group, name, path) of every route timed."""
    per = 25
    hot, small, art = marks["hot_source_id"], marks["small_source_id"], marks["article_id"]
    deep_sources = max(1, counts["source"] // per)
    deep_changes = max(1, counts["change"] // per)
    deep_articles = max(1, counts["article"] // per)
    host = marks["hot_source_url"].split("/")[2]
    ts = "20260601000000"
    return [
        ("ui", "/ (articles)", "/"),
        ("ui", "/articles?page=last", f"/articles?page={deep_articles}"),
        ("ui", "/articles?after=ID (deep, by cursor)", "/articles?after=30"),
        ("ui", "/articles?tag=climate", "/articles?tag=climate"),
        ("ui", "/articles?q=coastal", "/articles?q=coastal"),
        ("ui", "/articles/N (most citations)", f"/articles/{art}"),
        ("ui", "/sources", "/sources"),
        ("ui", "/sources?page=last", f"/sources?page={deep_sources}"),
        ("ui", "/sources?after=ID (deep, by cursor)", f"/sources?after={counts['source'] - 30}"),
        ("ui", "/sources?state=deleted", "/sources?state=deleted"),
        (
            "ui",
            "/sources?state=deleted&page=last",
            f"/sources?state=deleted&page={max(1, deep_sources // 50)}",
        ),
        ("ui", "/sources?q=<host>", f"/sources?q={host}"),
        ("ui", "/sources/N (hot)", f"/sources/{hot}"),
        ("ui", "/sources/N (3 captures)", f"/sources/{small}"),
        ("ui", "/captures/N (hot source)", f"/captures/{marks['hot_capture_id']}"),
        ("ui", "/changes", "/changes"),
        ("ui", "/changes?page=last", f"/changes?page={deep_changes}"),
        ("ui", "/changes?after=ID (deep, by cursor)", "/changes?after=30"),
        ("ui", "/changes?kind=deleted", "/changes?kind=deleted"),
        ("ui", "/changes.atom", "/changes.atom"),
        ("ui", "/changes/N (redirect)", f"/changes/{marks['hot_change_id']}"),
        ("ui", "/diff/A/B (hot source)", f"/diff/{marks['diff_before_id']}/{marks['diff_after_id']}"),
        ("ui", "/alerts", "/alerts"),
        ("ui", "/alerts?page=last", f"/alerts?page={deep_changes}"),
        ("ui", "/alerts?after=ID (deep, by cursor)", "/alerts?after=30"),
        ("api", "/api/articles", "/api/articles"),
        ("api", "/api/articles/N", f"/api/articles/{art}"),
        ("api", "/api/sources", "/api/sources"),
        ("api", "/api/sources?page=last", f"/api/sources?page={deep_sources}"),
        ("api", "/api/sources?after=ID (deep, by cursor)", f"/api/sources?after={counts['source'] - 30}"),
        ("api", "/api/sources/N (hot)", f"/api/sources/{hot}"),
        ("api", "/api/sources/N/captures (3 rows)", f"/api/sources/{small}/captures"),
        ("api", "/api/sources/N/captures (hot)", f"/api/sources/{hot}/captures"),
        ("api", "/api/sources/N/captures (hot, last page)", f"/api/sources/{hot}/captures?page=1000000"),
        (
            "api",
            "/api/sources/N/captures (hot, by cursor)",
            f"/api/sources/{hot}/captures?after={marks['hot_capture_id']}",
        ),
        ("api", "/api/captures/N", f"/api/captures/{marks['hot_capture_id']}"),
        ("api", "/api/changes", "/api/changes"),
        ("api", "/api/changes?page=last", f"/api/changes?page={deep_changes}"),
        ("api", "/api/changes?after=ID (deep, by cursor)", "/api/changes?after=30"),
        ("api", "/api/changes/N", f"/api/changes/{marks['hot_change_id']}"),
        ("api", "/api/alerts", "/api/alerts"),
        ("api", "/api/alerts?page=last", f"/api/alerts?page={deep_changes}"),
        ("api", "/api/alerts?after=ID (deep, by cursor)", "/api/alerts?after=30"),
        ("replay", "replay: captured URL (hot source)", f"/replay/{ts}/{marks['hot_source_url']}"),
        (
            "replay",
            "replay: a revisit (payload by digest)",
            f"/replay/{marks['hot_revisit_at']}/{marks['hot_source_url']}",
        ),
        ("replay", "replay: requisite shared by a host", f"/replay/{ts}/{marks['requisite_url']}"),
        ("replay", "replay: URL never captured", f"/replay/{ts}/{marks['never_captured_url']}"),
        ("replay", "Memento TimeGate (hot source)", f"/timegate/{marks['hot_source_url']}"),
        # Every memento of the hot source (20,000 at scale 1), streamed a page of rows at a time.
        ("memento", "Memento TimeMap (hot source)", f"/timemap/link/{marks['hot_source_url']}"),
        ("memento", "Memento TimeMap (URL never captured)", f"/timemap/link/{marks['never_captured_url']}"),
    ]


def measure_web(app: Any, marks: dict[str, Any], counts: dict[str, int], repeats: int) -> list[Measurement]:
    from fastapi.testclient import TestClient

    out = []
    with TestClient(app.web_app(), base_url="http://127.0.0.1:8080", follow_redirects=False) as client:
        for group, name, path in web_routes(marks, counts):
            walls, cpus, response = timed(lambda p=path: client.get(p), repeats)
            out.append(
                Measurement(
                    group,
                    name,
                    statistics.median(walls),
                    max(walls),
                    statistics.median(cpus),
                    bytes=len(response.content),
                    status=response.status_code,
                    samples=walls,
                )
            )
            print(f"  {name}: {statistics.median(walls):.1f} ms ({response.status_code})", file=sys.stderr)
    return out


def cli_commands(marks: dict[str, Any]) -> list[tuple[str, list[str]]]:
    hot = marks["hot_source_url"]
    return [
        ("sources", ["sources"]),
        ("sources --json", ["sources", "--json"]),
        ("changes", ["changes"]),
        ("changes --json", ["changes", "--json"]),
        ("alerts", ["alerts"]),
        ("alerts --json", ["alerts", "--json"]),
        ("captures HOT", ["captures", hot]),
        ("captures HOT --json", ["captures", hot, "--json"]),
    ]


def run_cli(
    args: list[str], env: dict[str, str], timeout: float
) -> tuple[float | None, float, float, float, int, int]:
    """Run ``citewatch ARGS``: (first byte ms, total ms, CPU ms, peak RSS MB, stdout bytes, exit status)."""
    # GNU time reports the command's own peak RSS: the rusage of a child forked from this big
    # process would count the pages it shared with it before exec.
    with tempfile.TemporaryFile() as stderr, tempfile.NamedTemporaryFile("r") as usage_file:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [TIME, "-f", "%M %U %S", "-o", usage_file.name, sys.executable, "-m", "citewatch", *args],
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
            # `python -m` puts the working directory first on sys.path, before PYTHONPATH: run
            # from the checkout measured, or the command would import this one's code.
            cwd=env["PYTHONPATH"],
            start_new_session=True,
        )
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        first: float | None = None
        total_bytes = 0
        deadline = started + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                _kill_children(proc.pid)  # GNU time then reports the command's usage and exits
                break
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            if first is None:
                first = (time.perf_counter() - started) * 1000
            total_bytes += len(chunk)
        proc.wait()
        wall = (time.perf_counter() - started) * 1000
        usage = usage_file.read().split()
        if len(usage) < 3:  # time itself did not report (killed): no usage figures
            usage = ["0", "nan", "nan"]
        rss_kb, user, system = usage[-3:]
        if proc.returncode != 0:
            stderr.seek(0)
            tail = stderr.read().decode(errors="replace").strip().splitlines()[-1:]
            print(f"  citewatch {' '.join(args)}: exit {proc.returncode} {tail}", file=sys.stderr)
    return first, wall, (float(user) + float(system)) * 1000, int(rss_kb) / 1024, total_bytes, proc.returncode


def _kill_children(pid: int) -> None:
    """SIGKILL the processes ``pid`` started (the timed command under GNU time), by their ids."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(child), signal.SIGKILL)
    if not children:
        os.killpg(pid, signal.SIGKILL)


def measure_cli(marks: dict[str, Any], env: dict[str, str], timeout: float) -> list[Measurement]:
    out = []
    for name, args in cli_commands(marks):
        first, wall, cpu, rss, nbytes, code = run_cli(args, env, timeout)
        detail = "" if code == 0 else f"exit {code}" + (" (timed out)" if wall >= timeout * 1000 else "")
        out.append(
            Measurement(
                "cli", name, wall, wall, cpu, detail, ttfb_ms=first, rss_mb=rss, bytes=nbytes, status=code
            )
        )
        print(
            f"  citewatch {name}: first byte {first and round(first)} ms, total {wall:.0f} ms, {rss:.0f} MB",
            file=sys.stderr,
        )
    return out


# -- the run ----------------------------------------------------------------------------------


def git_commit(code: Path) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(code), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
        dirty = subprocess.run(
            ["git", "-C", str(code), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return done.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()
    except OSError:
        return "?"


def run(args: argparse.Namespace) -> dict[str, Any]:
    from catalog_scale_data import T_REF, Scale

    scale = Scale().scaled(args.scale)
    key = scale.key()
    cache: Path = args.cache_dir
    cache.mkdir(parents=True, exist_ok=True)
    store = cache / f"store-{key}"
    meta_path = cache / f"catalog-{key}.json"
    work = Path(tempfile.mkdtemp(prefix="cw-scale-"))
    pg_url = args.pg or os.environ.get(PG_ENV)
    backend = args.backend or ("postgresql" if args.pg else "sqlite")
    report: dict[str, Any] = {
        "label": args.label,
        "commit": git_commit(args.code),
        "code": str(args.code),
        "backend": backend,
        "scale": asdict(scale),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "sqlite": sqlite3.sqlite_version,
        },
        "loadavg_start": loadavg(),
    }
    run_db = ""
    try:
        started = time.monotonic()
        if backend == "sqlite":
            cached = cache / f"catalog-{key}.db"
            if not cached.exists() or not meta_path.exists() or args.rebuild:
                print(f"building the catalog ({scale}) in {cached} ...", file=sys.stderr)
                meta = build_sqlite(cached, store, scale)
                meta_path.write_text(json.dumps(meta))
                report["build_s"] = round(time.monotonic() - started, 1)
            db = work / "catalog.db"
            shutil.copyfile(cached, db)
            db_url = f"sqlite:///{db}"
        else:
            if not pg_url:
                raise SystemExit(
                    f"--backend postgresql needs --pg URL or {PG_ENV} (tools/with-postgres.sh sets it)"
                )
            from sqlalchemy import make_url

            template = f"cwscale_{key}"
            pg_meta = cache / f"catalog-{key}-pg.json"
            if not _pg_has_database(pg_url, template) or args.rebuild or not pg_meta.exists():
                print(
                    f"building the catalog ({scale}) in PostgreSQL database {template} ...", file=sys.stderr
                )
                _pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{template}"')
                meta = build_postgresql(pg_url, template, store, scale)
                pg_meta.write_text(json.dumps(meta))
                report["build_s"] = round(time.monotonic() - started, 1)
            meta_path = pg_meta
            run_db = f"cwscale_run_{os.getpid()}"
            _pg_admin(pg_url, f'CREATE DATABASE "{run_db}" TEMPLATE "{template}"')
            db_url = make_url(pg_url).set(database=run_db).render_as_string(hide_password=False)
        meta = json.loads(meta_path.read_text())
        marks, counts = meta["landmarks"], {**meta["landmarks"]["counts"], **meta["counts"]}
        report["counts"] = counts
        report["copy_s"] = round(time.monotonic() - started - report.get("build_s", 0), 1)
        home = work / "home"
        home.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CITEWATCH_")}
        env.update(
            CITEWATCH_HOME=str(home),
            CITEWATCH_DB=db_url,
            CITEWATCH_STORE=str(store),
            PYTHONPATH=str(args.code),
            COLUMNS="200",
        )
        os.environ.update({k: env[k] for k in ("CITEWATCH_HOME", "CITEWATCH_DB", "CITEWATCH_STORE")})

        from archive.catalog.db import open_catalog
        from citewatch.app import App
        from citewatch.config import load_settings

        started = time.monotonic()
        catalog = open_catalog(db_url)
        report["migrate_s"] = round(time.monotonic() - started, 2)
        started = time.monotonic()
        with catalog.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        report["analyze_s"] = round(time.monotonic() - started, 2)
        catalog.close()
        print(f"migrated in {report['migrate_s']} s, ANALYZE {report['analyze_s']} s", file=sys.stderr)
        app = App(load_settings(), clock=lambda: T_REF)
        results: list[Measurement] = []
        if "due" in args.only:
            results += measure_due(app, app.catalog, T_REF, args.repeats)
        if "web" in args.only:
            results += measure_web(app, marks, counts, args.repeats)
        app.catalog.close()
        if "cli" in args.only:
            results += measure_cli(marks, env, args.timeout)
        report["results"] = [asdict(m) for m in results]
        report["loadavg_end"] = loadavg()
        return report
    finally:
        if run_db and pg_url:
            try:
                _pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{run_db}" WITH (FORCE)')
            except Exception as exc:
                print(f"could not drop {run_db}: {exc}", file=sys.stderr)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}", file=sys.stderr)


# -- reporting --------------------------------------------------------------------------------


def _fmt_ms(ms: float | None) -> str:
    if ms is None:
        return "—"
    return f"{ms / 1000:.1f} s" if ms >= 10_000 else f"{ms:,.0f} ms" if ms >= 100 else f"{ms:.1f} ms"


def cell(m: dict[str, Any]) -> str:
    if m["group"] == "cli":
        text = f"{_fmt_ms(m['ttfb_ms'])} / {_fmt_ms(m['wall_ms'])} / {m['rss_mb']:.0f} MB"
    else:
        text = _fmt_ms(m["wall_ms"])
        if m.get("status") not in (None, 200):
            text += f" ({m['status']})"
    if m.get("detail"):
        text += f" — {m['detail']}"
    return text


def table(reports: Sequence[dict[str, Any]]) -> str:
    heads = [f"{r['label'] or r['commit']} ({r['backend']}, {r['commit']})" for r in reports]
    lines = ["| measurement | " + " | ".join(heads) + " |", "|---|" + "---:|" * len(reports)]
    extra = [("migrate to head", "migrate_s"), ("ANALYZE", "analyze_s")]
    for title, k in extra:
        lines.append(f"| {title} | " + " | ".join(f"{r.get(k, '—')} s" for r in reports) + " |")
    names: list[tuple[str, str]] = []
    for r in reports:
        for m in r["results"]:
            if (m["group"], m["name"]) not in names:
                names.append((m["group"], m["name"]))
    for group, name in names:
        cells = []
        for r in reports:
            found = next((m for m in r["results"] if (m["group"], m["name"]) == (group, name)), None)
            cells.append(cell(found) if found else "—")
        target = TARGET_MS.get(group)
        label = f"{name}" + (f" (≤ {target:.0f} ms)" if target else "")
        if group == "cli":
            label += " — first byte / total / peak RSS"
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="fraction of the 1 M-source catalog (default 1)"
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default=None)
    parser.add_argument("--pg", default=None, help=f"PostgreSQL admin URL (default ${PG_ENV})")
    parser.add_argument("--code", type=Path, default=REPO, help="the checkout whose code is measured")
    parser.add_argument("--label", default="", help="column title, e.g. before / after")
    parser.add_argument("--repeats", type=int, default=5, help="timed requests per route after a warm-up")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per CLI command")
    parser.add_argument("--only", default="due,web,cli", help="comma-separated: due, web, cli")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--rebuild", action="store_true", help="build the catalog again even if cached")
    parser.add_argument("--keep", action="store_true", help="keep the run's working copy")
    parser.add_argument("--results-dir", type=Path, default=HERE / "results")
    parser.add_argument("--compare", nargs="+", type=Path, help="print one table from these result files")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.compare:
        print(table([json.loads(p.read_text()) for p in args.compare]))
        return 0
    args.code = args.code.resolve()
    args.only = set(args.only.split(","))
    sys.path.insert(0, str(args.code))
    sys.path.insert(0, str(HERE))
    report = run(args)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"catalog_scale-{report['backend']}-{args.label or report['commit']}-{stamp}.json"
    (args.results_dir / name).write_text(json.dumps(report, indent=1) + "\n")
    print(table([report]))
    print(f"\nwrote {args.results_dir / name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
