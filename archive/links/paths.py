"""Paths of the browsing UI that parts below it link to (the report's JSON, robust links): replay
and diff pages.  Pure, like `archive.links.memento`: the CLI's report imports no web framework."""

from __future__ import annotations

from datetime import datetime

from archive.links.memento import SCRIPTED_REPLAY_PATH, memento_url, timestamp14


def replay_path(captured_at: datetime, url: str, *, scripts: bool = False) -> str:
    """The path replaying ``url`` as captured at ``captured_at``: ``/replay/{timestamp14}/{url}``,
    or ``/replay/scripts/{timestamp14}/{url}`` for a view that runs the archived page's scripts.

    The URL is appended raw (not percent-encoded), the way pywb and the Wayback Machine do it.
    """
    if scripts:
        return f"/{SCRIPTED_REPLAY_PATH}{timestamp14(captured_at)}/{url}"
    return memento_url("/", captured_at, url)


def diff_path(before_capture_id: int | None, after_capture_id: int) -> str:
    """The diff page of two captures, or the after capture's page when there is nothing before it."""
    if before_capture_id is None:
        return f"/captures/{after_capture_id}"
    return f"/diff/{before_capture_id}/{after_capture_id}"
