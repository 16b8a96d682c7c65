"""Wayback-style replay of archived captures, sandboxed: ``GET /replay/{timestamp}/{url}``.

Build the router with `build_replay_router(engine=..., read_record=...)`; the rewriting of HTML
and CSS into replay space is pure and lives in `archive.web.replay.rewrite`.  Archived scripts run
only in a frame of ``/replay/scripts/...`` (the capture page's per-view switch, honoured only when
followed on the UI's own page: `capture_scripts`); a top-level
navigation to a replay URL goes to the capture page (`archive.web.replay.navigation`).  In a
scripted frame a shim maps the page's fetch() and XHR into the scripted replay space
(`archive.web.replay.shim`), the only place its policy lets it connect to.
"""

from archive.web.replay.errors import InvalidTimestamp, NotArchived, RecordUnavailable, ReplayError
from archive.web.replay.headers import (
    CONTENT_SECURITY_POLICY,
    SCRIPTED_CONTENT_SECURITY_POLICY,
    connect_source,
    scripted_content_security_policy,
)
from archive.web.replay.lookup import CaptureLookup, CaptureRow
from archive.web.replay.navigation import Answer, CaptureScripts, answer_for, capture_scripts
from archive.web.replay.replayer import ReadRecord, Replayer, Reply
from archive.web.replay.rewrite import ReplaySpace, rewrite_css, rewrite_html, rewrite_refresh, rewrite_srcset
from archive.web.replay.router import build_replay_router
from archive.web.replay.timestamps import parse_timestamp

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "SCRIPTED_CONTENT_SECURITY_POLICY",
    "Answer",
    "CaptureLookup",
    "CaptureRow",
    "CaptureScripts",
    "InvalidTimestamp",
    "NotArchived",
    "ReadRecord",
    "RecordUnavailable",
    "ReplayError",
    "ReplaySpace",
    "Replayer",
    "Reply",
    "answer_for",
    "build_replay_router",
    "capture_scripts",
    "connect_source",
    "parse_timestamp",
    "rewrite_css",
    "rewrite_html",
    "rewrite_refresh",
    "rewrite_srcset",
    "scripted_content_security_policy",
]
