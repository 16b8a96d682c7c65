"""A page whose charset label is no text encoding (rot13) still has its requisites captured.

Scrapy's `response.text` decodes with any codec Python knows and raised on `charset=rot13` while
the spider looked for the page's images: the page lost its requisites and, with Scrapy logging
the error and carrying on, the command exited 0 one run and (once such errors were counted) 1.
"""

from __future__ import annotations

from pathlib import Path

from tests.fixtures.site import TestSite
from tests.integration.conftest import Citewatch


def test_rot13_page_keeps_its_requisites_and_exit_status(
    tmp_path: Path, site: TestSite, cw: Citewatch
) -> None:
    site.robots_txt = "User-agent: *\nAllow: /\n"
    site.set_page(
        "/s/rot13",
        b"<html><body><main><p>The ministry said so.</p><img src='/img/seal.png'></main></body></html>",
        content_type="text/html; charset=rot13",
    )
    site.set_page("/img/seal.png", b"\x89PNG\r\n\x1a\nfake", content_type="image/png")
    article = tmp_path / "a.md"
    article.write_text(f"See [the statement]({site.url('/s/rot13')}).\n", encoding="utf-8")

    proc = cw.run("ingest", str(article), "--json", check=False)

    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "internal error" not in proc.stderr
    assert len(site.requests_for("/img/seal.png")) == 1
