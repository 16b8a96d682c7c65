"""The small HTML pages replay answers with when there is no archived payload to serve."""

from __future__ import annotations

from html import escape

from archive.web.replay.errors import ReplayError


def error_page(error: ReplayError) -> str:
    """A self-contained page (no scripts, no external resources) explaining ``error``."""
    title = escape(error.title)
    message = escape(str(error))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title} — citewatch replay</title></head>"
        '<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">'
        f"<h1>{title}</h1><p>{message}</p></body></html>\n"
    )
