"""What a memento recovered for a source dead at ingest means (Memento in, `crawler.memento`).

The source was dead when the article was ingested (404, 410, a soft 404, no DNS entry), and a
Memento archive held a copy of it.  What a user expects then: the source stays dead (its state
does not move to "live" or "restored" because an archive had it), the recovered text is what the
article's quotes are checked against from now on, and later crawls finding it still dead are not
news.  So the memento becomes the source's baseline (the next live capture is compared with it:
still 404 is "still deleted", back with another text is "restored" with the quotes it lost), and
its verdict reports a change only when a quote the article relies on is not in it: a deletion
whose quoted passages are the ones the archived page does not hold, so an editor knows which
sentences no surviving version of the source supports.
"""

from __future__ import annotations

from collections.abc import Sequence

from archive.text import contains_quote
from scheduler.detect.classify import page_text, shorten_quote
from scheduler.detect.model import (
    DELETED,
    EDITED,
    LIVE,
    REDIRECTED,
    UNREACHABLE,
    IgnoreRules,
    Observation,
    Verdict,
)

_JUDGED_STATES = (LIVE, EDITED, DELETED, REDIRECTED, UNREACHABLE)


def recovered_verdict(
    current: Observation,
    *,
    previous_state: str,
    quotes: Sequence[str],
    rules: IgnoreRules,
) -> Verdict:
    """The verdict on a recovered capture: the source's state as the dead capture left it (a host
    that did not resolve, judged nothing yet, becomes unreachable), and a change only when quotes
    are missing from the memento."""
    state = previous_state if previous_state in _JUDGED_STATES else UNREACHABLE
    archive = current.recovered_from or "an archive"
    if current.status is None or not 200 <= current.status < 300 or current.body is None:
        shown = f"HTTP {current.status}" if current.status is not None else "no response"
        return Verdict(None, state, f"not recovered: {archive} answered {shown}")
    text = page_text(current, rules)
    missing = tuple(q for q in quotes if not contains_quote(text, q))
    when = current.memento_datetime.strftime("%Y-%m-%d") if current.memento_datetime else "undated"
    found = f"{len(quotes) - len(missing)} of {len(quotes)} quoted passages in it"
    if not missing:
        return Verdict(None, state, f"recovered from {archive} ({when}): the baseline text; {found}")
    shown_quotes = ", ".join(f'"{shorten_quote(q)}"' for q in missing)
    return Verdict(
        UNREACHABLE if state == UNREACHABLE else DELETED,
        state,
        f"dead at ingest, recovered from {archive} ({when}) without {_plural(len(missing))}: {shown_quotes}",
        removed_quotes=missing,
    )


def _plural(count: int) -> str:
    return "a quoted passage" if count == 1 else f"{count} quoted passages"
