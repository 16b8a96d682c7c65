"""URLs the browsing UI builds for archived material: replay paths and their timestamps."""

from __future__ import annotations

from datetime import datetime

from archive.links.memento import timestamp14


def replay_path(captured_at: datetime, url: str, *, scripts: bool = False) -> str:
    """The path replaying ``url`` as captured at ``captured_at``: ``/replay/{timestamp14}/{url}``,
    or ``/replay/scripts/{timestamp14}/{url}`` for a view that runs the archived page's scripts.

    The URL is appended raw (not percent-encoded), the way pywb and the Wayback Machine do it.
    """
    space = "/replay/scripts/" if scripts else "/replay/"
    return f"{space}{timestamp14(captured_at)}/{url}"


def diff_path(before_capture_id: int | None, after_capture_id: int) -> str:
    """The diff page of two captures, or the after capture's page when there is nothing before it."""
    if before_capture_id is None:
        return f"/captures/{after_capture_id}"
    return f"/diff/{before_capture_id}/{after_capture_id}"
