"""`make bench` end to end on a few pages (2 hosts x 3 pages, 1 repeat, 0 ms), so it cannot rot.

It measures nothing (performance is read from `make bench` itself): it checks that all four commands
run, that the printed table and the JSON in the results directory have a row for each, that every
WARC written passes `warcio check`, and that the issue's target lines are printed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COMMANDS = ("plain Scrapy", "wget --warc-file", "citewatch ingest", "citewatch crawl --all")
ARCHIVERS = COMMANDS[1:]
PAGES = 2 * 3


def test_crawl_bench_runs_every_command_and_reports_every_row(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "crawl_bench.py"),
            "--quick",
            "--hosts=2",
            "--pages-per-host=3",
            "--latency-ms=0",
            "--repeats=1",
            f"--results-dir={tmp_path}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]

    # The Markdown table: one row per command at 0 ms, each with its one run ok.
    table = [line for line in proc.stdout.splitlines() if line.startswith("| ") and " ms | " in line]
    assert [line.split(" | ")[0].removeprefix("| ") for line in table] == list(COMMANDS)
    for line in table:
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[1] == "0 ms" and cells[-1] == "1/1", line
        assert float(cells[2].replace(",", "")) > 0, line  # pages/s
        expected_check = "n/a" if cells[0] == "plain Scrapy" else "1/1 ok"
        assert cells[8] == expected_check, line
    verdicts = [line for line in proc.stdout.splitlines() if re.match(r"(PASS|FAIL)  ", line)]
    assert len(verdicts) == 4, proc.stdout

    # The JSON: every row, every run complete, every WARC valid.
    [result] = list(tmp_path.glob("crawl_bench-*.json"))
    doc = json.loads(result.read_text(encoding="utf-8"))
    assert [(r["command"], r["latency_ms"], r["runs"], r["failed"]) for r in doc["rows"]] == [
        (c, 0, 1, 0) for c in COMMANDS
    ]
    runs = {r["command"]: r for r in doc["runs"]}
    assert sorted(runs) == sorted(COMMANDS) and len(doc["runs"]) == len(COMMANDS)
    for command, run in runs.items():
        assert run["exit_code"] == 0 and run["killed"] is None, run
        assert run["pages"] == run["pages_ok"] == PAGES, run
        assert run["requests_served"] == PAGES, run  # robots.txt off, requisites off: pages only
        assert run["cpu_s"] > 0 and run["max_rss_mb"] > 0, run
        if command in ARCHIVERS:
            assert run["warc_check_ok"] is True and run["warc_files"] >= 1 and run["warc_bytes"] > 0, run
        else:
            assert run["warc_check_ok"] is None and run["warc_bytes"] == 0, run
    assert len(doc["checks"]) == 4
    assert re.fullmatch(r"[0-9a-f]{40}", doc["machine"]["git"]["commit"])
    assert len(doc["machine"]["loadavg_before"]) == len(doc["machine"]["loadavg_after"]) == 3
    assert doc["settings"]["plain_scrapy"]["ROBOTSTXT_OBEY"] is False
    assert doc["settings"]["plain_scrapy"]["CONCURRENT_REQUESTS_PER_DOMAIN"] == 2
    assert doc["settings"]["plain_scrapy"]["AUTOTHROTTLE_ENABLED"] is False
