"""Real pages through the real crawl: served on loopback, ingested, edited (with new noise), re-crawled.

Eight pages of the real-world set (tests/fixtures/realworld), from all three packages: four get
one scripted edit each (one of every kind) and new noise, four get new noise only. After
``citewatch crawl --all`` exactly the four edited pages are reported as edited, each change shows
its edit, and the noise-only pages are not reported.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.detect import Verdict
from tests.fixtures.realworld.corpus import SDISTS, load_pages
from tests.fixtures.realworld.edits import KINDS
from tests.fixtures.realworld.evaluation import CONTENT_TYPE, NOISE_ONLY, Pair, articles, pairs_of, shows
from tests.fixtures.site import TestSite
from tests.integration.conftest import Citewatch

pytestmark = pytest.mark.integration

PAGES = 8
# Pages of at most this size keep the crawl quick (the set also holds 2.5 MB CNN pages).
MAX_BYTES = 400_000


def _chosen_pairs() -> list[Pair]:
    candidates = []
    for sdist in SDISTS:
        pages = [p for p in articles(load_pages((sdist.name,))) if len(p.body) <= MAX_BYTES]
        candidates.append(pages[:: max(1, len(pages) // 3)][:3])
    chosen = [page for group in zip(*candidates, strict=False) for page in group][:PAGES]
    pairs: list[Pair] = []
    for index, page in enumerate(chosen):
        wanted = KINDS[index // 2] if index % 2 == 0 else NOISE_ONLY
        pair = next((p for p in pairs_of(page, noise_pairs=1) if p.kind == wanted), None)
        if pair is None:  # a page without a number: it gets another edit
            pair = next(p for p in pairs_of(page) if p.edit is not None)
        pairs.append(pair)
    return pairs


def test_edits_on_real_pages_are_reported_through_the_crawl(
    tmp_path: Path, site: TestSite, cw: Citewatch
) -> None:
    pairs = _chosen_pairs()
    assert len(pairs) == PAGES and {p.page.package for p in pairs} == {s.name for s in SDISTS}
    cw.config(autothrottle=False, download_timeout=10.0, concurrent_per_domain=4, requisites=False)
    site.robots_txt = "User-agent: *\nAllow: /\n"
    urls = []
    for index, pair in enumerate(pairs):
        host = site.hosts[index % len(site.hosts)]
        path = f"/real/{index}/{pair.page.name}"
        site.set_page(path, pair.before, content_type=CONTENT_TYPE, host=host)
        urls.append(site.url(path, host=host))
    article = tmp_path / "article.md"
    article.write_text("\n".join(f"- [source {i}]({u})" for i, u in enumerate(urls)) + "\n", encoding="utf-8")
    cw.json("ingest", str(article))
    assert not cw.json("changes")

    for index, pair in enumerate(pairs):
        host = site.hosts[index % len(site.hosts)]
        site.set_page(f"/real/{index}/{pair.page.name}", pair.after, content_type=CONTENT_TYPE, host=host)
    cw.json("crawl", "--all")

    changes = {c["url"]: c for c in cw.json("changes")}
    edited = {url for url, pair in zip(urls, pairs, strict=True) if pair.edit is not None}
    print(f"\nreal pages through the crawl: {len(edited)} edited, {len(urls) - len(edited)} noise only; "
          f"reported {sorted(changes)}")  # fmt: skip
    assert set(changes) == edited, {url: c["summary"] for url, c in changes.items()}
    for url, pair in zip(urls, pairs, strict=True):
        if pair.edit is None:
            continue
        change = changes[url]
        assert change["kind"] == "edited"
        verdict = Verdict(
            change["kind"], "edited", change["summary"], tuple(change["added"]), tuple(change["removed"])
        )
        assert shows(pair.edit, verdict), (pair.page.key, pair.kind, change["removed"], change["added"])
