"""A first reading of what a source capture says about its source, before change detection."""

from __future__ import annotations

from archive.catalog.views import CaptureRecord


def source_outcome(capture: CaptureRecord, source_url: str) -> tuple[str, bool]:
    """Return (state, counts as a failure) for a capture of the source at ``source_url``.

    Change detection refines the state later (edited, soft 404, redirect to a generic page…).
    5xx counts as a failure, like a network error, so that "unreachable only after N failures
    in a row" can be decided from ``consecutive_failures``.
    """
    status = capture.status
    if status is None or capture.error_kind is not None or status >= 500:
        return "unreachable", True
    if status in (404, 410):
        return "deleted", False
    if 300 <= status < 400 or (capture.final_url is not None and capture.final_url != source_url):
        return "redirected", False
    if 200 <= status < 300:
        return "live", False
    # Other 4xx (401, 403, 429…): the page cannot be read; only rate limiting is worth retrying.
    return "unreachable", status == 429
