"""Fault injection: a re-crawl killed (SIGKILL) at any point loses no edit and reports none twice.

A site with edits, a deletion, a move, unchanged and noisy pages is captured once; then, for
every trial, a copy of that data directory runs `crawl --all` against the edited site and is
killed: at random moments, and at moments chosen by watching the catalog (during change
detection, and once every capture is judged: the upload and alert phase).  After a restart and
one more crawl, every edit must be reported exactly once, nothing else reported, and every WARC
must pass `warcio check`.  `make test` runs a few trials; `make soak` runs fifty.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fixtures.site import TestSite
from tests.integration.conftest import Citewatch
from tests.integration.test_change_detection import page

WARCIO = str(Path(sys.executable).parent / "warcio")
PAD = 40  # paragraphs of prose per page: detection has real text to read
EDITS = {
    "/k/number": (
        "The ministry evacuated 101 civilians on 3 May.",
        "The ministry evacuated 91 civilians on 3 May.",
    ),
    "/k/word": ("The envoy will arrive on Monday.", "The envoy will arrive on Friday."),
    "/k/sentence": ("Talks resume today. Both sides agreed to a ceasefire.", "Talks resume today."),
    "/k/paragraph": ("Aid reached 30 villages.", ""),
}
UNCHANGED = ("/k/steady-1", "/k/steady-2")


@dataclass(frozen=True)
class World:
    """The captured site (v1) as a data directory, the expected changes after v2, and its URLs."""

    baseline: Path
    expected: dict[str, str]
    urls: list[str]
    env: dict[str, str]


def publish(site: TestSite, version: int) -> None:
    for path, (old, new) in EDITS.items():
        site.set_page(
            path, page(f"Statement {path}", [p for p in [old if version == 1 else new] if p], pad=PAD)
        )
    for path in UNCHANGED:
        site.set_page(path, page(f"Statement {path}", ["Nothing new to report."], pad=PAD))
    site.set_page(
        "/k/noisy",
        page("Daily update", ["Talks continue."], clock=f"0{version}:15", views=f"{version},204", pad=PAD),
    )
    if version == 1:
        site.set_page("/k/deleted", page("Withdrawn", ["Issued on 1 May."], pad=PAD))
        site.set_page("/k/moved", page("Moved", ["The office relocated."], pad=PAD))
    else:
        site.remove_page("/k/deleted")
        site.set_page("/k/moved", b"", status=301, headers=[("Location", "/k/new-home")])
        site.set_page("/k/new-home", page("Moved", ["The office relocated."], pad=PAD))


@pytest.fixture
def world(tmp_path: Path, site: TestSite, cw: Citewatch) -> World:
    site.robots_txt = "User-agent: *\nAllow: /\n"
    cw.config(autothrottle=False, download_timeout=3.0, concurrent_per_domain=4, requisites=False)
    publish(site, 1)
    paths = [*EDITS, *UNCHANGED, "/k/noisy", "/k/deleted", "/k/moved"]
    urls = [site.url(p, host=site.hosts[i % len(site.hosts)]) for i, p in enumerate(paths)]
    article = tmp_path / "article.md"
    article.write_text("\n".join(f"- [source {i}]({u})" for i, u in enumerate(urls)) + "\n", encoding="utf-8")
    cw.json("ingest", str(article))
    assert not cw.json("changes")
    publish(site, 2)
    expected = {u: "edited" for u in urls[: len(EDITS)]}
    expected[urls[paths.index("/k/deleted")]] = "deleted"
    expected[urls[paths.index("/k/moved")]] = "redirected"
    return World(baseline=cw.home, expected=expected, urls=urls, env=cw.env)


def _catalog_counts(home: Path, after_id: int) -> tuple[int, int]:
    """(judged, unjudged) source captures newer than ``after_id``, read while the crawl runs."""
    db = home / "catalog.db"
    if not db.exists():
        return 0, 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.5) as conn:
            judged, unjudged = conn.execute(
                "SELECT count(judged_at), count(*) - count(judged_at) FROM capture "
                "WHERE role = 'source' AND id > ?",
                (after_id,),
            ).fetchone()
    except sqlite3.OperationalError:
        return 0, 0
    return int(judged), int(unjudged)


def _max_capture_id(home: Path) -> int:
    with sqlite3.connect(home / "catalog.db") as conn:
        return int(conn.execute("SELECT max(id) FROM capture").fetchone()[0])


def _crawled_not_judged(home: Path, after_id: int, sources: int) -> bool:
    spool = home / "spool"
    done = not any(p.name.endswith(".open") for p in spool.glob("*.warc.gz*"))
    return done and _catalog_counts(home, after_id) == (0, sources)


def _wait_for(proc: subprocess.Popen[str], ready: object, limit: float = 120.0) -> None:
    deadline = time.monotonic() + limit
    while proc.poll() is None and time.monotonic() < deadline:
        if callable(ready) and ready():
            return
        time.sleep(0.005)


def _phase(home: Path, after_id: int, sources: int) -> str:
    """Where the kill landed, read from what it left behind."""
    judged, unjudged = _catalog_counts(home, after_id)
    spooled = list((home / "spool").glob("*.warc.gz*"))
    if judged + unjudged == 0:
        return "start-up or crawl, before any capture was recorded"
    if judged + unjudged < sources or any(p.name.endswith(".open") for p in spooled):
        return "crawl"
    if unjudged:
        return "change detection"
    if spooled:
        return "upload"
    return "after upload (alerts, exit)"


def run_trial(world: World, home: Path, mode: str, rng: random.Random, reference: float) -> str:
    shutil.copytree(world.baseline, home)
    after_id = _max_capture_id(home)
    cw = Citewatch(home=home, env=dict(world.env))
    proc = cw.popen("crawl", "--all", "--json")
    if mode == "random":
        time.sleep(rng.uniform(0.05, reference))
    elif mode == "detection":
        # The crawl is over (every capture recorded, its WARC closed) and nothing is judged yet:
        # detection commits a batch's verdicts in one transaction, so this is the state it works in.
        _wait_for(proc, lambda: _crawled_not_judged(home, after_id, len(world.urls)))
    else:  # "judged": every capture judged, the command still running (upload, alerts, exit)
        _wait_for(proc, lambda: _catalog_counts(home, after_id) == (len(world.urls), 0))
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    phase = _phase(home, after_id, len(world.urls))

    cw.json("crawl", "--all")  # the restart: recovers the spool, judges what was left, crawls again

    reported = Counter((c["url"], c["kind"]) for c in cw.json("changes"))
    assert reported == Counter(world.expected.items()), (mode, phase, reported)
    assert cw.json("changes", "--uncompared") == []
    warcs = sorted(home.rglob("*.warc.gz"))
    assert warcs and not list(home.rglob("*.warc.gz.open"))
    check = subprocess.run([WARCIO, "check", *map(str, warcs)], capture_output=True, text=True, check=False)
    assert check.returncode == 0, (mode, phase, check.stdout[-2000:], check.stderr[-2000:])
    return phase


def kill_trials(world: World, tmp_path: Path, modes: list[str]) -> Counter[str]:
    reference = 0.0
    if "random" in modes:
        # How long an uninterrupted re-crawl takes here: random kills fall anywhere inside it.
        reference_home = tmp_path / "reference"
        shutil.copytree(world.baseline, reference_home)
        started = time.monotonic()
        Citewatch(home=reference_home, env=dict(world.env)).json("crawl", "--all")
        reference = time.monotonic() - started
    rng = random.Random(20261129)
    phases: Counter[str] = Counter()
    for n, mode in enumerate(modes):
        phases[run_trial(world, tmp_path / f"trial-{n}", mode, rng, reference)] += 1
        shutil.rmtree(tmp_path / f"trial-{n}")
    print(f"\n{len(modes)} kills in a {reference:.1f} s re-crawl, by phase: {dict(phases)}")
    return phases


def test_kills_during_detection_and_after_lose_nothing(world: World, tmp_path: Path) -> None:
    phases = kill_trials(world, tmp_path, ["detection", "judged"])
    assert phases["change detection"] == 1


@pytest.mark.soak
def test_fifty_kills_at_random_points_lose_nothing(world: World, tmp_path: Path) -> None:
    modes = ["random"] * 35 + ["detection"] * 10 + ["judged"] * 5
    phases = kill_trials(world, tmp_path, modes)
    assert phases["change detection"] >= 5 and phases["crawl"] >= 1 and phases["upload"] >= 1
    assert sum(phases.values()) == 50


MANY = 160  # pages: the crawl is killed with captures still held in the sink's batch


def _warc_captures(home: Path) -> set[str]:
    """Record ids of every capture the WARC files hold: response, revisit and failure records,
    less the redirect hops their notes list and the robots.txt fetched to obey it (read with
    warcio here, not with the reindex under test)."""
    from warcio.archiveiterator import ArchiveIterator

    captures: set[str] = set()
    hops: set[str] = set()
    for path in sorted(home.rglob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                record_id = record.rec_headers.get_header("WARC-Record-ID")
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                if record.rec_type in ("response", "revisit") and not uri.endswith("/robots.txt"):
                    captures.add(record_id)
                elif record.rec_type == "metadata":
                    body = record.content_stream().read().decode()
                    if "citewatch-fetch-error:" in body:
                        captures.add(record_id)
                    hops.update(
                        line.split()[1]
                        for line in body.splitlines()
                        if line.startswith("citewatch-redirect:")
                    )
    return captures - hops


def _cataloged(home: Path) -> list[str]:
    with sqlite3.connect(home / "catalog.db") as conn:
        return [r for (r,) in conn.execute("SELECT record_id FROM capture")]


def test_kill_with_captures_held_in_the_batch_loses_none(
    tmp_path: Path, site: TestSite, cw: Citewatch
) -> None:
    site.robots_txt = "User-agent: *\nAllow: /\n"
    cw.config(autothrottle=False, download_timeout=3.0, concurrent_per_domain=4, requisites=False)
    urls = []
    for n in range(MANY):
        host = site.hosts[n % len(site.hosts)]
        site.set_page(f"/m/{n}", page(f"Statement {n}", [f"Item {n} stands."], pad=2), host=host)
        urls.append(site.url(f"/m/{n}", host=host))
    article = tmp_path / "article.md"
    article.write_text("".join(f"- [s{n}]({u})\n" for n, u in enumerate(urls)), encoding="utf-8")
    cw.json("ingest", str(article))
    after_id = _max_capture_id(cw.home)
    put_back = 0
    for trial in range(2):
        proc = cw.popen("crawl", "--all", "--json")
        # A few batches in: the sink holds the captures taken since the last one.
        wanted, since = 20 * (trial + 1), after_id
        _wait_for(proc, lambda: sum(_catalog_counts(cw.home, since)) >= wanted)  # noqa: B023 - read at once
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        assert any(p.name.endswith(".open") for p in (cw.home / "spool").glob("*")), "killed too late"
        recorded = len(_cataloged(cw.home))
        cw.json("crawl", "--due")  # the next command: recovery puts back what the catalog lacks
        cataloged = _cataloged(cw.home)
        put_back += len(cataloged) - recorded
        assert len(cataloged) == len(set(cataloged)), "a capture recorded twice"
        assert set(cataloged) == _warc_captures(cw.home), trial
        assert _catalog_counts(cw.home, after_id)[1] == 0  # and detection judged them
        after_id = _max_capture_id(cw.home)
    assert put_back > 0  # the kills did land with captures held
    assert not cw.json("changes")
