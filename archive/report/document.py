"""The report as one JSON document: what `citewatch report --json` prints and the API answers.

Contract (extend, never rename): ``{"article_id", "citations": [{"url", "state", "changed_at",
"quotes": [{"text", "status"}]}]}``.  Links are paths of the browsing UI, absolute under
``base_url`` when one is given.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from archive.links.paths import diff_path, replay_path
from archive.report.model import ArticleReport, CaptureRef, ChangeRef, CitationHealth, QuoteHealth


def report_json(report: ArticleReport, *, base_url: str = "") -> dict[str, Any]:
    """The report as plain JSON data, citations worst first."""
    base = base_url.rstrip("/")
    return {
        "article_id": report.article_id,
        "title": report.title,
        "origin": report.origin,
        "tags": list(report.tags),
        "generated_at": _iso(report.generated_at),
        "problems": len(report.problems),
        "page": f"{base}/articles/{report.article_id}/report",
        "citations": [_citation(c, base) for c in report.citations],
    }


def _citation(c: CitationHealth, base: str) -> dict[str, Any]:
    capture = c.capture
    return {
        "url": c.url,
        "label": c.label,
        "position": c.position,
        "source_id": c.source_id,
        "state": c.state,
        "severity": c.severity_label,
        "severity_rank": c.severity,
        "changed_at": _iso(c.changed_at),
        "change": _change(c.change, base),
        "redirected_to": c.redirected_to,
        "recovered_from": capture.recovered_from if capture is not None else None,
        "memento_datetime": _iso(capture.memento_datetime) if capture is not None else None,
        "capture": _capture(capture, base),
        "note": c.note,
        "quotes": [_quote(q) for q in c.quotes],
    }


def _quote(q: QuoteHealth) -> dict[str, Any]:
    diff = None
    if q.passage is not None:
        diff = {"passage": q.passage, "removed": list(q.removed), "added": list(q.added)}
    return {"text": q.text, "status": q.status, "diff": diff}


def _capture(capture: CaptureRef | None, base: str) -> dict[str, Any] | None:
    if capture is None:
        return None
    return {
        "id": capture.id,
        "url": capture.url,
        "captured_at": _iso(capture.captured_at),
        "status": capture.status,
        "record_type": capture.record_type,
        "mode": capture.mode,
        "page": f"{base}/captures/{capture.id}",
        "replay": None
        if capture.record_type == "metadata"
        else base + replay_path(capture.captured_at, capture.replay_url),
    }


def _change(change: ChangeRef | None, base: str) -> dict[str, Any] | None:
    if change is None:
        return None
    return {
        "id": change.id,
        "kind": change.kind,
        "detected_at": _iso(change.detected_at),
        "summary": change.summary,
        "before_capture": change.before_capture_id,
        "after_capture": change.after_capture_id,
        "diff_page": base + diff_path(change.before_capture_id, change.after_capture_id),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
