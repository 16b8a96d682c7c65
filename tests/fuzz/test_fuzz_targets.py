"""The atheris fuzz targets in the suite: every crash fixture replayed, every target run briefly.

A crash fixture is an input a fuzz run once crashed on; replaying it in-process (no atheris) is
its regression test. The brief run starts the instrumented target in a subprocess (atheris must
see the code under test imported, and instrumentation would slow this process) for a fixed number
of executions from the seed corpus and the fixtures, with a fixed seed so CI runs are repeatable.
`make fuzz` runs the same targets for minutes with random seeds.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
FIXTURES = ROOT / "tests" / "fixtures" / "fuzz"
# Executions per target in `make test`: a few seconds each on one core of this machine.
BRIEF_RUNS = {"warc_reader": 1_000, "replay_rewrite": 2_000}


def fixtures() -> list[tuple[str, Path]]:
    return [(target, path) for target in BRIEF_RUNS for path in sorted((FIXTURES / target).iterdir())]


@pytest.mark.parametrize(("target", "path"), fixtures(), ids=lambda v: v.name if isinstance(v, Path) else v)
def test_crash_fixture_no_longer_crashes(target: str, path: Path) -> None:
    check = importlib.import_module(f"tests.fuzz.{target}").check
    check(path.read_bytes())


@pytest.mark.parametrize("target", sorted(BRIEF_RUNS))
def test_brief_fuzz_run_finds_no_crash(target: str, tmp_path: Path) -> None:
    runs = BRIEF_RUNS[target]
    grown = tmp_path / "corpus"  # libFuzzer adds new inputs to the first directory: not the seeds
    grown.mkdir()
    command = [
        sys.executable,
        "-m",
        "tests.fuzz",
        target,
        str(grown),
        str(HERE / "corpus" / target),
        str(FIXTURES / target),
        f"-runs={runs}",
        "-seed=1",
        "-timeout=60",
        f"-artifact_prefix={tmp_path}/",
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, errors="replace", timeout=600)
    tail = "\n".join(result.stderr.splitlines()[-40:])
    assert result.returncode == 0, f"{target} crashed (input saved in {tmp_path}):\n{tail}"
    done = re.search(r"Done (\d+) runs", result.stderr)
    assert done is not None and int(done.group(1)) >= runs, tail
