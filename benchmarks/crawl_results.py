"""The crawl benchmark's results: one timed run, and the table and the issue's checks over many runs.

Ratios to plain Scrapy are *paired*: each run is divided by plain Scrapy's run at the same latency in
the same repeat (run back to back on the same machine), and the median and range of those ratios are
reported, so a machine that gets busier halfway through shifts both sides of a ratio alike.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

SCRAPY = "plain Scrapy"
WGET = "wget --warc-file"
INGEST = "citewatch ingest"
CRAWL_ALL = "citewatch crawl --all"
COMMANDS: tuple[str, ...] = (SCRAPY, WGET, INGEST, CRAWL_ALL)
CITEWATCH_COMMANDS = (INGEST, CRAWL_ALL)

# The targets, (command, bound): pages/s ratio to plain Scrapy at least, CPU/page ratio at most.
SPEED_TARGETS = ((INGEST, 0.8), (CRAWL_ALL, 0.9))
CPU_TARGETS = ((INGEST, 2.0), (CRAWL_ALL, 1.5))


@dataclass
class Run:
    """One timed command."""

    command: str
    latency_ms: int
    repeat: int
    pages: int
    wall_s: float
    pages_per_s: float
    cpu_s: float
    cpu_ms_per_page: float
    max_rss_mb: float | None  # None without GNU time (see childrun.py)
    exit_code: int
    killed: str | None
    requests_served: int
    pages_ok: int  # pages fetched with a 200 (Scrapy) or archived with a 200 record (the others)
    warc_files: int
    warc_bytes: int
    warc_check_ok: bool | None  # None: nothing archived by design (plain Scrapy)
    server_cpu_ms_per_page: float
    crawl_phase_per_s: float | None = None  # citewatch's own "N responses in Xs" line
    loadavg_1m: float = 0.0
    stderr_tail: str = ""

    @property
    def failed(self) -> bool:
        return (
            self.exit_code != 0
            or self.killed is not None
            or self.pages_ok != self.pages
            or self.warc_check_ok is False
        )


@dataclass
class Spread:
    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread | None:
        return cls(statistics.median(values), min(values), max(values)) if values else None


@dataclass
class Row:
    """One command at one latency, over the repeats."""

    command: str
    latency_ms: int
    runs: int
    failed: int
    pages_per_s: Spread | None
    ratio_to_scrapy: Spread | None  # paired: this run's pages/s ÷ plain Scrapy's in the same repeat
    cpu_ms_per_page: Spread | None
    cpu_ratio_to_scrapy: Spread | None  # paired, like ratio_to_scrapy
    max_rss_mb: Spread | None
    warc_bytes: Spread | None
    warc_check: str
    crawl_phase_per_s: Spread | None
    server_cpu_ms_per_page: Spread | None
    repeats: list[int] = field(default_factory=list)


def summarise(runs: Sequence[Run], latencies: Sequence[int]) -> list[Row]:
    scrapy = {(r.latency_ms, r.repeat): r for r in runs if r.command == SCRAPY and not r.failed}
    rows = []
    for latency in latencies:
        for command in COMMANDS:
            mine = [r for r in runs if r.command == command and r.latency_ms == latency and r.repeat >= 1]
            good = [r for r in mine if not r.failed]
            paired = [(r, scrapy[(latency, r.repeat)]) for r in good if (latency, r.repeat) in scrapy]
            checks = [r.warc_check_ok for r in mine if r.warc_check_ok is not None]
            rows.append(
                Row(
                    command=command,
                    latency_ms=latency,
                    runs=len(mine),
                    failed=len(mine) - len(good),
                    pages_per_s=Spread.of([r.pages_per_s for r in good]),
                    ratio_to_scrapy=Spread.of([r.pages_per_s / s.pages_per_s for r, s in paired]),
                    cpu_ms_per_page=Spread.of([r.cpu_ms_per_page for r in good]),
                    cpu_ratio_to_scrapy=Spread.of(
                        [r.cpu_ms_per_page / s.cpu_ms_per_page for r, s in paired if s.cpu_ms_per_page > 0]
                    ),
                    max_rss_mb=Spread.of([r.max_rss_mb for r in good if r.max_rss_mb is not None]),
                    warc_bytes=Spread.of([r.warc_bytes for r in good]) if command != SCRAPY else None,
                    warc_check=f"{sum(checks)}/{len(checks)} ok" if checks else "n/a",
                    crawl_phase_per_s=Spread.of([r.crawl_phase_per_s for r in good if r.crawl_phase_per_s]),
                    server_cpu_ms_per_page=Spread.of([r.server_cpu_ms_per_page for r in good]),
                    repeats=[r.repeat for r in mine],
                )
            )
    return rows


def _fmt(s: Spread | None, digits: int = 1, unit: str = "") -> str:
    if s is None:
        return "—"
    if s.low == s.high:
        return f"{s.median:,.{digits}f}{unit}"
    return f"{s.median:,.{digits}f}{unit} ({s.low:,.{digits}f}–{s.high:,.{digits}f})"


def markdown_table(rows: Sequence[Row]) -> str:
    lines = [
        "| command | latency | pages/s | × Scrapy | CPU ms/page | CPU × Scrapy | peak RSS MB "
        "| WARC bytes | `warcio check` | crawl phase /s | runs ok |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.command} | {r.latency_ms} ms | {_fmt(r.pages_per_s)} "
            f"| {_fmt(r.ratio_to_scrapy, 2, '×')} | {_fmt(r.cpu_ms_per_page, 2)} "
            f"| {_fmt(r.cpu_ratio_to_scrapy, 2, '×')} | {_fmt(r.max_rss_mb, 0)} "
            f"| {_fmt(r.warc_bytes, 0) if r.command != SCRAPY else '—'} | {r.warc_check} "
            f"| {_fmt(r.crawl_phase_per_s)} | {r.runs - r.failed}/{r.runs} |"
        )
    return "\n".join(lines)


@dataclass
class Check:
    latency_ms: int
    command: str
    what: str
    bound: float
    measured: float | None
    passed: bool

    def line(self) -> str:
        got = f"{self.measured:.2f}×" if self.measured is not None else "not measured"
        verdict = "PASS" if self.passed else "FAIL"
        return f"{verdict}  {self.latency_ms:>3} ms  {self.command}: {self.what} (measured {got})"


def target_checks(rows: Sequence[Row]) -> list[Check]:
    """The issue's targets on the paired medians: speed ratios at least, CPU ratios at most."""
    by_key = {(r.command, r.latency_ms): r for r in rows}
    checks = []
    for latency in sorted({r.latency_ms for r in rows}):
        for command, bound in SPEED_TARGETS:
            ratio = by_key[(command, latency)].ratio_to_scrapy
            got = ratio.median if ratio else None
            checks.append(
                Check(latency, command, f"pages/s ≥ {bound} × plain Scrapy's", bound, got,
                      got is not None and got >= bound)
            )  # fmt: skip
        for command, bound in CPU_TARGETS:
            ratio = by_key[(command, latency)].cpu_ratio_to_scrapy
            got = ratio.median if ratio else None
            checks.append(
                Check(latency, command, f"CPU/page ≤ {bound} × plain Scrapy's", bound, got,
                      got is not None and got <= bound)
            )  # fmt: skip
    return checks
