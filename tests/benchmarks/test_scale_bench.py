"""The scale-out benchmark end to end on a few pages (2 hosts x 3 pages, 1 and 2 workers, 1 repeat).

It measures nothing (the numbers come from `make bench`): it checks that both rows are printed and
written, that every run archived every page in valid WARCs, and that the CPU of every process of a
run (the daemon, each worker) was counted.  The catalog is PostgreSQL under `make test`
(CITEWATCH_TEST_PG_URL), SQLite otherwise, as in the benchmark itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PAGES = 2 * 3


def test_scale_bench_runs_one_and_two_workers_and_reports_both_rows(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "scale_bench.py"),
            "--quick",
            "--hosts=2",
            "--pages-per-host=3",
            "--latency-ms=0",
            f"--results-dir={tmp_path}",
            "--timeout=120",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]

    table = [line for line in proc.stdout.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert [line.split(" | ")[0].removeprefix("| ") for line in table] == ["1", "2"], proc.stdout
    for line in table:
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert float(cells[1].split()[0].replace(",", "")) > 0, line  # pages/s
        assert cells[-2:] == ["1/1 ok", "1/1"], line

    [result] = list(tmp_path.glob("scale_bench-*-quick.json"))
    doc = json.loads(result.read_text(encoding="utf-8"))
    runs = {r["workers"]: r for r in doc["runs"]}
    assert sorted(runs) == [1, 2] and len(doc["runs"]) == 2
    for workers, run in runs.items():
        assert not run["error"] and run["pages"] == run["pages_ok"] == PAGES, run
        assert run["warc_check_ok"] is True and run["warc_files"] >= 1, run
        assert sorted(run["cpu_by_process"]) == ["daemon", *(f"w{i}" for i in range(1, workers + 1))], run
        assert all(cpu > 0 for cpu in run["cpu_by_process"].values()), run
        assert run["wall_s"] > 0 and run["redis_commands_per_page"] > 0, run
