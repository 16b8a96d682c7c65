"""Crawl progress off a terminal: one whole line per source, requisites left out."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from rich.console import Console

from citewatch.progress import CrawlProgress
from citewatch.sink import CrawlTally
from crawler.model import ROLE_REQUISITE, ROLE_SOURCE, CaptureResult, CaptureTarget

LONG = "http://127.0.0.1:8080/" + "/".join(f"section-{n}" for n in range(12)) + "/a-long-article-name"


def result(
    url: str,
    role: str = ROLE_SOURCE,
    *,
    status: int | None = 200,
    error_kind: str | None = None,
    error: str | None = None,
) -> CaptureResult:
    return CaptureResult(
        target=CaptureTarget(url=url, role=role),
        captured_at=datetime(2026, 11, 30, tzinfo=UTC),
        final_url=url,
        status=status,
        content_type="text/html",
        record=None,
        error_kind=error_kind,
        error=error,
    )


def test_each_source_is_one_whole_line_off_a_terminal() -> None:
    out = io.StringIO()
    console = Console(file=out, width=80)
    with CrawlProgress(console) as progress:
        progress.update(result(LONG), CrawlTally())
        progress.update(result("http://127.0.0.1:8080/style.css", ROLE_REQUISITE), CrawlTally())
        progress.update(
            result("http://127.0.0.2:9/x", status=None, error_kind="refused", error="connection refused"),
            CrawlTally(),
        )

    assert len(LONG) > 80
    assert out.getvalue().splitlines() == [
        f"source {LONG} -> 200",
        "source http://127.0.0.2:9/x -> refused: connection refused",
    ]


def test_disabled_progress_writes_nothing() -> None:
    out = io.StringIO()
    with CrawlProgress(Console(file=out), enabled=False) as progress:
        progress.update(result(LONG), CrawlTally())

    assert out.getvalue() == ""
