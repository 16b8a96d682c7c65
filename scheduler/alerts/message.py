"""The text of an alert: what a journalist needs to judge a change at a glance.

Vanished quotes come first (they are why the alert matters), then what happened, a short excerpt
of the diff, the citing articles and the evidence (capture times and ids).  Plain text that reads
well as Markdown too, since many Apprise targets render Markdown.
"""

from __future__ import annotations

from datetime import datetime

from archive.catalog import ChangeView
from archive.text.characters import inert

DIFF_BUDGET = 1500
PASSAGE_MAX = 300
HEADLINES = {
    "edited": "Edited",
    "deleted": "Deleted",
    "redirected": "Redirected",
    "unreachable": "Unreachable",
    "restored": "Restored",
}


def render_alert(change: ChangeView, *, ui_base_url: str | None = None) -> tuple[str, str]:
    """(title, body) of the alert for ``change``; with ``ui_base_url``, the body links to the change."""
    title = f"citewatch: {change.kind} — {change.url}"
    sections: list[str] = []
    if change.removed_quotes:
        quoted = "\n".join(f'> "{_clip(q, PASSAGE_MAX)}"' for q in change.removed_quotes)
        sections.append(f"Quoted passages no longer on the page:\n{quoted}")
    headline = f"{HEADLINES.get(change.kind, change.kind)}: {change.url}"
    sections.append(f"{headline}\n{change.summary}" if change.summary else headline)
    excerpt = _diff_excerpt(change.removed, change.added, DIFF_BUDGET)
    if excerpt:
        sections.append(f"Changes:\n{excerpt}")
    if change.articles:
        cited = "\n".join(f"- {a.title} ({a.origin})" for a in change.articles)
        sections.append(f"Cited by:\n{cited}")
    evidence = [f"Before: {_when(change.before)}{_capture(change.before_capture_id)}"]
    evidence.append(f"After: {_when(change.after)}{_capture(change.after_capture_id)}")
    evidence.append(f"Detected: {_when(change.detected_at)}")
    # A stable id: if a crash ever makes us resend (see Catalog.requeue_stale_sending),
    # receivers can drop the duplicate.
    evidence.append(f"Change id: citewatch-change-{change.id}")
    if ui_base_url:
        base = ui_base_url.rstrip("/")
        evidence.append(f"Details: {base}/changes/{change.id}")
        if change.after_mode == "browser" and change.after_screenshot:
            # What a reader saw: the picture needs no replay and runs no archived code.
            evidence.append(f"Screenshot: {base}/captures/{change.after_capture_id}/screenshot.png")
    sections.append("\n".join(evidence))
    # Titles, quotes and diffs come from pages and articles: no control character or bidi
    # override of theirs reaches a chat message or a mail.
    return inert(title), inert("\n\n".join(sections))


def _diff_excerpt(removed: tuple[str, ...], added: tuple[str, ...], budget: int) -> str:
    lines = [f"- {_clip(p, PASSAGE_MAX)}" for p in removed] + [f"+ {_clip(p, PASSAGE_MAX)}" for p in added]
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > budget:
            break
        kept.append(line)
        used += len(line) + 1
    if len(kept) < len(lines):
        kept.append(f"… and {len(lines) - len(kept)} more passage(s)")
    return "\n".join(kept)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _when(at: datetime | None) -> str:
    return "no earlier capture" if at is None else at.isoformat()


def _capture(capture_id: int | None) -> str:
    return "" if capture_id is None else f" (capture #{capture_id})"
