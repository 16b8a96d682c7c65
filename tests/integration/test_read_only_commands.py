"""Commands that only look never create anything (issue 7, item 13).

`sources`, `captures`, `changes`, `alerts` and `export` on a data directory that does not exist, or
holds no catalog, say that nothing is archived there (exit 0 with the empty document of their
contract, or the usual "not a watched source" / "no article" error) and leave the file system
exactly as it was; on an existing archive they change no file, and they can read an archive in a
directory they cannot write.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import REPO, Citewatch

NOTHING = "nothing archived in"
WATCHED = "https://example.org/statement"


def snapshot(root: Path) -> dict[str, tuple[str, int, str]]:
    """Every entry under ``root`` (itself included): kind, mode, and a file's size, mtime and content hash."""
    entries: dict[str, tuple[str, int, str]] = {}
    if not root.exists():
        return entries
    for path in [root, *sorted(root.rglob("*"))]:
        info = path.lstat()
        if path.is_dir():
            entries[str(path)] = ("dir", info.st_mode, str(info.st_mtime_ns))
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            entries[str(path)] = ("file", info.st_mode, f"{info.st_size} {info.st_mtime_ns} {digest}")
    return entries


def files_only(snap: dict[str, tuple[str, int, str]]) -> dict[str, tuple[str, int, str]]:
    # SQLite keeps its lock state in -wal/-shm files beside the catalog while a connection is open
    # and removes them on close: the directory's own mtime moves, no file does.
    return {k: v for k, v in snap.items() if v[0] == "file"}


def assert_one_line_error(proc: subprocess.CompletedProcess[str], needle: str) -> None:
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr
    assert lines[0].startswith("citewatch: error: ") and needle in lines[0]


def check_nothing_there(cw: Citewatch, tmp_path: Path, *, every_command: bool = True) -> None:
    """The read-only commands on a data directory without a catalog (``every_command``: each
    command and output form; else one of each kind of answer)."""
    proc = cw.run("sources")
    assert proc.stdout.strip() == "", proc.stdout
    assert NOTHING in proc.stderr and str(cw.home) in proc.stderr
    listings = (["sources"], ["changes"], ["changes", "--uncompared"], ["alerts"])
    for args in listings if every_command else listings[1:2]:
        proc = cw.run(*args, "--json")
        assert json.loads(proc.stdout) == [], args
        assert NOTHING in proc.stderr
    assert_one_line_error(cw.run("captures", WATCHED, "--json", check=False), "is not a watched source")
    if not every_command:
        return
    wacz = tmp_path / "out" / "article.wacz"
    assert_one_line_error(cw.run("export", "1", "--wacz", str(wacz), check=False), "there is no article 1")
    assert not wacz.parent.exists()
    # Adding an ignore rule changes state, but to a source that cannot be watched yet: an error
    # before anything is created.
    assert_one_line_error(
        cw.run("ignore", WATCHED, "--regex", "[0-9]+", check=False), "is not a watched source"
    )


def test_a_missing_data_directory_is_not_created(tmp_path: Path) -> None:
    cw = Citewatch(home=tmp_path / "no-such-home")
    before = snapshot(tmp_path)

    check_nothing_there(cw, tmp_path)

    assert not cw.home.exists()
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("catalog_file", [False, True], ids=["empty-home", "empty-catalog-file"])
def test_a_home_without_a_catalog_stays_as_it_was(tmp_path: Path, catalog_file: bool) -> None:
    cw = Citewatch(home=tmp_path / "home")
    cw.config(download_timeout=3.0)
    if catalog_file:
        (cw.home / "catalog.db").touch()  # e.g. left by a failed first run
    before = snapshot(cw.home)

    check_nothing_there(cw, tmp_path, every_command=False)

    assert snapshot(cw.home) == before


@pytest.fixture
def archive(tmp_path: Path) -> Citewatch:
    """A data directory with one article and its source in the catalog (no crawl needed)."""
    cw = Citewatch(home=tmp_path / "home")
    article = tmp_path / "article.md"
    article.write_text(f"The ministry [said so]({WATCHED}).\n", encoding="utf-8")
    cw.run("ingest", "--no-crawl", str(article))
    return cw


def check_reads(cw: Citewatch, run: object = None) -> None:
    runner = run if run is not None else cw.run
    assert [s["url"] for s in json.loads(runner("sources", "--json").stdout)] == [WATCHED]  # type: ignore[operator]
    assert json.loads(runner("captures", WATCHED, "--json").stdout) == []  # type: ignore[operator]
    assert json.loads(runner("changes", "--json").stdout) == []  # type: ignore[operator]
    assert json.loads(runner("alerts", "--json").stdout) == []  # type: ignore[operator]


def test_reading_an_archive_changes_no_file(archive: Citewatch) -> None:
    before = snapshot(archive.home)

    check_reads(archive)
    assert "pending" in archive.run("sources").stdout

    assert files_only(snapshot(archive.home)) == files_only(before)
    assert set(snapshot(archive.home)) == set(before), "no file or directory created or removed"


def read_only_view(cw: Citewatch) -> object:
    """Runs the CLI with the data directory read-only: a read-only bind mount in a private mount
    namespace when root (root ignores permission bits), the permission bits otherwise."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "citewatch", *args]
        if os.geteuid() == 0:
            home = shlex.quote(str(cw.home))
            script = f"mount --bind -o ro {home} {home} && exec {shlex.join(command)}"
            command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script]
        proc = subprocess.run(
            command, env=cw.environ(), capture_output=True, text=True, timeout=120, cwd=REPO
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc

    return run


def test_an_archive_in_a_read_only_directory_can_be_read(archive: Citewatch) -> None:
    before = snapshot(archive.home)
    if os.geteuid() != 0:
        for path in [archive.home, *archive.home.rglob("*")]:
            path.chmod(path.stat().st_mode & ~0o222)

    check_reads(archive, read_only_view(archive))

    assert snapshot(archive.home) == before
