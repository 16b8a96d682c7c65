"""`citewatch demo`: capture, edit and delete, re-crawl, changes and alerts; offline, in under a minute.

It serves bundled sample statements on loopback addresses (each address stands for one
"official" site), writes an article citing them, and runs the real `citewatch` commands against
a throwaway data directory, so what it shows is exactly what a user gets.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

from rich.console import Console

from citewatch.demo.edits import apply_week_later
from citewatch.demo.receiver import AlertReceiver
from citewatch.demo.site import DemoSite


def _citewatch(args: list[str], env: dict[str, str], console: Console) -> str:
    console.print(f"[bold]$ citewatch {' '.join(args)}[/bold]", highlight=False)
    proc = subprocess.run(
        [sys.executable, "-m", "citewatch", *args], env=env, capture_output=True, text=True, timeout=300
    )
    if proc.stderr.strip():
        console.print(proc.stderr.rstrip(), markup=False, highlight=False, style="dim")
    if proc.returncode != 0:
        raise RuntimeError(f"`citewatch {' '.join(args)}` failed with exit status {proc.returncode}")
    console.print(proc.stdout.rstrip(), markup=False, highlight=False)
    return proc.stdout


def run_demo(*, keep: bool, console: Console, err: Console) -> int:
    """Run the tour; return the exit status."""
    workdir = Path(tempfile.mkdtemp(prefix="citewatch-demo-"))
    # The demo never touches the user's own catalog or store.
    env = {k: v for k, v in os.environ.items() if k not in ("CITEWATCH_STORE", "CITEWATCH_DB")}
    env["CITEWATCH_HOME"] = str(workdir / "data")
    env["CITEWATCH_ALLOW_PRIVATE"] = "1"  # the demo site lives on loopback
    env["COLUMNS"] = str(max(console.width, 160))  # tables of URLs need room; the child has no terminal
    try:
        with DemoSite() as site, AlertReceiver() as receiver:
            env["CITEWATCH_ALERT_URLS"] = json.dumps([receiver.apprise_url])
            template = resources.files("citewatch.demo").joinpath("article.md").read_text(encoding="utf-8")
            article = workdir / "evacuation-numbers.md"
            article.write_text(
                template.format(
                    ministry=site.base("ministry"), un=site.base("un"), relief=site.base("relief")
                ),
                encoding="utf-8",
            )
            console.rule("1. Ingest an article: find its sources and capture each one now")
            _citewatch(["ingest", str(article)], env, console)
            console.rule("2. What is watched")
            _citewatch(["sources"], env, console)
            console.rule("3. One source's timeline (WARC file, offset, length of each capture)")
            _citewatch(["captures", f"{site.base('ministry')}/statements/evacuation"], env, console)
            console.rule("4. The archive")
            archive = workdir / "data" / "archive"
            for path in sorted(archive.rglob("*")):
                if path.is_file():
                    console.print(
                        f"{path.relative_to(workdir)}  ({path.stat().st_size:,} bytes)", highlight=False
                    )
            warcs = sorted(str(p) for p in (archive / "warcs").glob("*.warc.gz"))
            check = subprocess.run(
                [sys.executable, "-m", "warcio.cli", "check", *warcs],
                capture_output=True,
                text=True,
                timeout=120,
            )
            verdict = "valid" if check.returncode == 0 else f"INVALID: {check.stdout}{check.stderr}"
            console.print(f"\n`warcio check` on {len(warcs)} WARC file(s): {verdict}", highlight=False)
            console.print(f"The catalog is {workdir / 'data' / 'catalog.db'}.", highlight=False)
            if check.returncode != 0:
                return 1
            console.rule("5. A week later")
            for line in apply_week_later(site.pages):
                console.print(f"  - {line}", highlight=False)
            _citewatch(["crawl", "--all"], env, console)
            console.rule("6. What changed")
            _citewatch(["changes"], env, console)
            console.rule("7. The alert the newsroom received (through Apprise, to a local webhook)")
            for title, body in receiver.messages():
                console.print(f"[bold]{title}[/bold]", highlight=False)
                console.print(body, markup=False, highlight=False)
                console.print()
    except RuntimeError as exc:
        err.print(f"citewatch: error: demo failed: {exc}", markup=False)
        return 1
    finally:
        if keep:
            console.print(f"\nDemo data kept in {workdir}", highlight=False)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0
