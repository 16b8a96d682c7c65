"""Commands answer at once (issue 8): `--help`, `--version` and the read-only listings load none of
the libraries that capturing, change detection, alerts, object stores and migrations need.

What a real command imports is read from Python's own import log (``PYTHONPROFILEIMPORTTIME=1``
writes one line per imported module on stderr), never from a stopwatch: the start-up times are
measured by ``benchmarks/startup.py``.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive.catalog import CaptureRecord, ChangeRecord, open_catalog
from tests.fixtures.site import TestSite
from tests.integration.conftest import Citewatch

# Each costs from 50 ms to half a second of imports, and none is needed to list the catalog.
HEAVY = (
    "scrapy",
    "twisted",
    "trafilatura",
    "pypdf",
    "lxml",
    "warcio",
    "boto3",
    "botocore",
    "alembic",
    "apprise",
    "apscheduler",
    "fastapi",
    "uvicorn",
)
# `--help` and `--version` do not even open the catalog or read the settings.
CATALOG = ("sqlalchemy", "pydantic_settings", "citewatch.app", "archive.catalog", "citewatch.config")
IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", re.MULTILINE)
URLS = [f"https://example.org/statement/{n}" for n in range(3)]


def imported(cw: Citewatch, *args: str) -> tuple[str, set[str]]:
    """Run the command; its stdout and the modules it imported."""
    proc = Citewatch(home=cw.home, env={**cw.env, "PYTHONPROFILEIMPORTTIME": "1"}).run(*args)
    modules = set(IMPORT_LINE.findall(proc.stderr))
    assert "citewatch.cli" in modules, proc.stderr[-2000:]  # the log is there and parsed
    return proc.stdout, modules


def loaded(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in packages))


@pytest.fixture(scope="module")
def small_home(tmp_path_factory: pytest.TempPathFactory) -> Citewatch:
    """A data directory with an article, its three sources, two captures and a change."""
    root = tmp_path_factory.mktemp("startup")
    cw = Citewatch(home=root / "home")
    article = root / "article.md"
    article.write_text("".join(f"Said [here]({u}).\n" for u in URLS), encoding="utf-8")
    cw.run("ingest", "--no-crawl", str(article))
    catalog = open_catalog(f"sqlite:///{cw.home / 'catalog.db'}")
    try:
        source_id = catalog.sources_for_urls([URLS[0]])[0].id
        at = datetime(2026, 11, 1, tzinfo=UTC)
        before, after = (
            catalog.record_capture(
                CaptureRecord(
                    role="source", url=URLS[0], source_id=source_id, captured_at=at + timedelta(days=d),
                    status=200, payload_digest=f"sha1:{d}",
                )
            )
            for d in (0, 1)
        )  # fmt: skip
        catalog.record_change(
            ChangeRecord(
                source_id, "edited", at + timedelta(days=1), before, after, summary="a number changed"
            )
        )
    finally:
        catalog.close()
    return cw


@pytest.mark.parametrize("args", [["--help"], ["--version"]], ids=" ".join)
def test_help_and_version_load_neither_the_catalog_nor_the_heavy_libraries(
    tmp_path: Path, args: list[str]
) -> None:
    stdout, modules = imported(Citewatch(home=tmp_path / "home"), *args)
    assert "citewatch" in stdout.lower()
    assert loaded(modules, HEAVY + CATALOG) == []


def test_sources_on_an_empty_home_loads_no_heavy_library(tmp_path: Path) -> None:
    stdout, modules = imported(Citewatch(home=tmp_path / "home"), "sources", "--json")
    assert json.loads(stdout) == []
    assert loaded(modules, HEAVY) == []


@pytest.mark.parametrize(
    "args",
    [
        ["sources", "--json"],
        ["sources"],
        ["changes", "--json"],
        ["changes"],
        ["captures", URLS[0], "--json"],
        ["alerts", "--json"],
        ["status", "--json"],
        ["status"],
    ],
    ids=" ".join,
)
def test_read_only_listings_load_no_heavy_library(small_home: Citewatch, args: list[str]) -> None:
    stdout, modules = imported(small_home, *args)
    if args == ["sources", "--json"]:
        assert sorted(s["url"] for s in json.loads(stdout)) == URLS
    elif args == ["changes", "--json"]:
        assert [c["summary"] for c in json.loads(stdout)] == ["a number changed"]
    elif args[0] == "captures":
        assert [c["payload_digest"] for c in json.loads(stdout)] == ["sha1:0", "sha1:1"]
    elif args == ["status", "--json"]:
        assert json.loads(stdout)["queue"] is None
    assert "sqlalchemy" in modules  # it did read the catalog
    assert loaded(modules, HEAVY) == []
    # A single-machine citewatch (no CITEWATCH_REDIS_URL) needs no Redis, and status says so.
    assert loaded(modules, ("redis", "crawler.cluster")) == []


def test_without_redis_a_crawl_loads_nothing_of_the_scale_out(
    cw: Citewatch, site: TestSite, tmp_path: Path
) -> None:
    """Issue 9: a single-machine citewatch needs no Redis, so its capture path never imports it."""
    site.set_page("/statement", "<html><body><p>The ministry said so.</p></body></html>")
    article = tmp_path / "article.md"
    article.write_text(f"# Story\n\nAs [said]({site.url('/statement')}).\n", encoding="utf-8")
    for args in (["ingest", str(article)], ["crawl", "--all"]):
        _, modules = imported(cw, *args)
        assert "scrapy" in modules  # it did crawl
        assert loaded(modules, ("redis", "scrapy_redis", "crawler.cluster", "citewatch.distributed")) == []
