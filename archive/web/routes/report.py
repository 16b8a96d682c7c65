"""Link-health reports: an article's page, its JSON, its WACZ, and an Atom digest per tag."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Path, Request
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, HTMLResponse, Response

from archive.report.build import build_report
from archive.report.document import report_json
from archive.report.model import ArticleReport
from archive.report.sources import article_ids_tagged
from archive.web.context import Web, WebContext
from archive.web.feed import FEED_SIZE, FeedEntry, atom_document
from archive.web.params import Id
from archive.web.paths import diff_path, replay_path

router = APIRouter()
Tag = Annotated[str, Path(min_length=1, max_length=200, description="an article tag")]


def _report(web: WebContext, article_id: int) -> ArticleReport:
    if web.read_payload is None:
        raise HTTPException(404, "link-health reports are not available on this server")
    report = build_report(web.catalog.engine, article_id, read_payload=web.read_payload, now=web.clock())
    if report is None:
        raise HTTPException(404, f"article #{article_id} does not exist")
    return report


@router.get("/articles/{article_id}/report", response_class=HTMLResponse, include_in_schema=False)
def report_page(request: Request, web: Web, article_id: Id) -> HTMLResponse:
    """An article's citations worst first: each source's state and each quote's fate."""
    report = _report(web, article_id)
    return web.render(request, "report.html", report=report, diff_path=diff_path, replay_path=replay_path)


@router.get("/api/articles/{article_id}/report", tags=["api"])
def report_api(web: Web, article_id: Id) -> dict[str, Any]:
    """An article's link-health report (the shape of `citewatch report --json`), links absolute."""
    return report_json(_report(web, article_id), base_url=web.hosts.root)


@dataclass(frozen=True)
class _Range:
    warc_name: str
    offset: int
    length: int


@router.get("/articles/{article_id}/report.wacz", include_in_schema=False)
def report_wacz(web: Web, article_id: Id) -> Response:
    """A WACZ with exactly the captures the article's report points to (and what they need to replay)."""
    from archive.export.errors import ExportError, SigningKeyError
    from archive.export.wacz import export_wacz

    report = _report(web, article_id)

    def read_range(name: str, offset: int, length: int) -> bytes:
        data = web.read_record(_Range(name, offset, length))
        if data is None:  # pragma: no cover - a located record always has bytes
            raise HTTPException(404, f"WARC {name} cannot be read")
        return data

    work = FilePath(tempfile.mkdtemp(prefix="citewatch-report-"))
    path = work / f"article-{article_id}-report.wacz"
    try:
        export_wacz(
            web.catalog,
            article_id=article_id,
            read_range=read_range,
            out_path=path,
            clock=web.clock,
            capture_ids=report.capture_ids(),
            signing_key=web.signing_key() if web.signing_key is not None else None,
        )
    except SigningKeyError as exc:  # e.g. a key file others can read: say so, sign nothing
        shutil.rmtree(work, ignore_errors=True)
        raise HTTPException(503, str(exc)) from exc
    except ExportError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise HTTPException(404, str(exc)) from exc
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return FileResponse(
        path,
        media_type="application/wacz",
        filename=path.name,
        background=BackgroundTask(shutil.rmtree, work, ignore_errors=True),
    )


@router.get("/tags/{tag}/report.atom", include_in_schema=False)
def tag_report_feed(web: Web, tag: Tag) -> Response:
    """One entry per article of the tag whose report has problems; an entry is updated when the
    newest change among its problems is."""
    site = web.hosts.root
    entries = []
    for article_id in article_ids_tagged(web.catalog.engine, tag, limit=FEED_SIZE):
        report = _report(web, article_id)
        if report.problems:
            entries.append(_entry(report, site))
    feed_url = f"{site}/tags/{quote(tag, safe='')}/report.atom"
    body = atom_document(
        entries,
        title=f"citewatch: link health of the articles tagged {tag}",
        feed_url=feed_url,
        site_url=f"{site}/articles?{urlencode({'tag': tag})}",
        now=web.clock(),
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def _entry(report: ArticleReport, site: str) -> FeedEntry:
    problems = report.problems
    lines = []
    for c in problems:
        gone = sum(1 for q in c.quotes if q.status == "gone")
        changed = sum(1 for q in c.quotes if q.status == "changed")
        quotes = f"; quotes gone {gone}, changed {changed}" if gone or changed else ""
        lines.append(f"{c.severity_label}: {c.url} ({c.state}{quotes})")
    page = f"{site}/articles/{report.article_id}/report"
    return FeedEntry(
        # One entry per article, its id the report page: a reader sees it updated, not repeated.
        id=page,
        title=f"{len(problems)} citation(s) need a look: {report.title or report.origin}",
        updated=report.changed_at or report.ingested_at,
        link=page,
        summary="\n".join(lines),
    )
