"""The JSON shapes of the command-line contract (../shared/CLI.md): one function per listed object."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archive.catalog.recoveries import Recovery
    from archive.catalog.views import (
        AlertView,
        ArticleView,
        CaptureView,
        ChangeView,
        SourceMode,
        SourceSummary,
        UncomparedCapture,
    )
    from citewatch.status import ClusterStatus


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def article_json(a: ArticleView) -> dict[str, Any]:
    return {
        "article_id": a.id,
        "title": a.title,
        "origin": a.origin,
        "kind": a.kind,
        "tags": list(a.tags),
        "ingested_at": iso(a.ingested_at),
        "sources": [
            {
                "url": c.url,
                "context": {"label": c.label, "sentence": c.sentence, "quotes": list(c.quotes)},
            }
            for c in a.citations
        ],
    }


def source_json(s: SourceSummary, recovery: Recovery | None = None) -> dict[str, Any]:
    """A source; ``recovery``: its newest memento recovered from a Memento archive (Memento in)."""
    return {
        "url": s.url,
        "state": s.state,
        "captures": s.captures,
        "last_status": s.last_status,
        "last_captured_at": iso(s.last_captured_at),
        "next_due_at": iso(s.next_due_at),
        "articles": s.articles,
        "mode": s.mode,
        "detected_mode": s.detected_mode,
        "capture_mode": s.effective_mode,
        "recovered_from": recovery.archive if recovery is not None else None,
        "memento_datetime": iso(recovery.memento_datetime) if recovery is not None else None,
    }


# What `citewatch mode` says of a mode the user chose (auto says what citewatch found instead).
SET_BY_USER = "set by the user"


def mode_json(m: SourceMode) -> dict[str, Any]:
    return {
        "url": m.url,
        "mode": m.mode,
        "reason": m.reason if m.mode == "auto" else SET_BY_USER,
        "detected_mode": m.detected_mode,
        "effective": m.effective,
        "checked_at": iso(m.checked_at),
    }


def capture_json(c: CaptureView) -> dict[str, Any]:
    return {
        "captured_at": iso(c.captured_at),
        "status": c.status,
        "payload_digest": c.payload_digest,
        "warc": c.warc_name,
        "offset": c.offset,
        "length": c.length,
        "record_type": c.record_type,
        "final_url": c.final_url,
        "content_type": c.content_type,
        "redirects": [{"url": r.url, "status": r.status} for r in c.redirects],
        "error_kind": c.error_kind,
        "error": c.error,
        "could_not_compare": c.judge_error,
        "recovered_from": c.recovered_from,
        "memento_datetime": iso(c.memento_datetime),
    }


def uncompared_json(u: UncomparedCapture) -> dict[str, Any]:
    return {
        "url": u.url,
        "captured_at": iso(u.captured_at),
        "capture_id": u.capture_id,
        "reason": u.reason,
        "attempts": u.attempts,
        "retrying": not u.given_up,
    }


def change_json(c: ChangeView) -> dict[str, Any]:
    return {
        "change_id": c.id,
        "url": c.url,
        "kind": c.kind,
        "detected_at": iso(c.detected_at),
        "before": iso(c.before),
        "after": iso(c.after),
        "before_capture_id": c.before_capture_id,
        "after_capture_id": c.after_capture_id,
        "summary": c.summary,
        "removed_quotes": list(c.removed_quotes),
        "removed": list(c.removed),
        "added": list(c.added),
        "articles": [{"article_id": a[0], "title": a[1], "origin": a[2]} for a in c.articles],
    }


def alert_json(a: AlertView) -> dict[str, Any]:
    return {
        "change_id": a.change_id,
        "url": a.url,
        "kind": a.kind,
        "created_at": iso(a.created_at),
        "channels": [
            {
                "target": ch.target_masked,
                "state": ch.state,
                "attempts": ch.attempts,
                "last_error": ch.last_error,
            }
            for ch in a.channels
        ],
    }


def status_json(s: ClusterStatus) -> dict[str, Any]:
    """``citewatch status --json`` and the web UI's ``/api/status``: the same document.  Without
    Redis the cluster's side is empty (``queue``: null, no dispatcher, workers or hosts)."""
    cluster = s.cluster
    dispatcher = cluster.dispatcher if cluster is not None else None
    return {
        "checked_at": iso(s.checked_at),
        "redis": s.redis,
        "queue": cluster.queue if cluster is not None else None,
        "leased": s.leases.leased,
        "expired": s.leases.expired,
        "overdue": s.leases.overdue,
        "dispatcher": (
            {"owner": dispatcher.owner, "ttl_seconds": dispatcher.ttl_seconds}
            if dispatcher is not None
            else None
        ),
        "workers": [
            {
                "id": w.id,
                "host": w.host,
                "pid": w.pid,
                "seen_at": iso(w.seen_at),
                "age_seconds": round(w.age_seconds, 1),
                "captured": w.captured,
                "state": w.state,
                "started_at": iso(w.started_at),
                "round": w.round,
                "round_started_at": iso(w.round_started_at),
            }
            for w in (cluster.workers if cluster is not None else ())
        ],
        "hosts": [
            {
                "host": h.host,
                "requests_this_minute": h.requests_this_minute,
                "requests_last_minute": h.requests_last_minute,
            }
            for h in (cluster.hosts if cluster is not None else ())
        ],
        "host_count": cluster.host_count if cluster is not None else 0,
    }
