"""What happens to the demo's sources "a week later": an edit, a deletion, and noise that is not an edit."""

from __future__ import annotations

from citewatch.demo.site import SitePages


def apply_week_later(pages: SitePages) -> list[str]:
    """Change the served pages; return one line per change, for the narration."""
    _, statement, ctype = pages.get("/statements/evacuation")
    pages.set(
        "/statements/evacuation",
        200,
        statement.replace(b"evacuated 101 civilians from the plant.", b"evacuated civilians from the plant."),
        ctype,
    )
    pages.set("/briefings/daily", 404, b"<html><body><h1>Not Found</h1></body></html>")
    _, release, ctype = pages.get("/news/safe-passage")
    pages.set("/news/safe-passage", 200, release.replace(b"Last updated 09:12", b"Last updated 16:47"), ctype)
    return [
        "the ministry quietly removes the number 101 from its statement",
        "the briefing transcript is taken down (404)",
        "the relief committee's newsroom clock ticks (noise: must not alert)",
    ]
