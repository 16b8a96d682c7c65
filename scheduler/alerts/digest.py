"""The link-health digest of a tag: one message per tag for the articles whose quotes a recent change
broke or altered, sent to the tag's Apprise URLs (``alert_tag_urls``).

It keeps no state of its own (the catalog has no table for it): each digest covers one period of
fixed length, ``[start, start + period)``, aligned on multiples of the period since the Unix epoch
(a day: UTC midnight to midnight).  The daemon runs the job often (every ``alert_seconds``); a run
falling in the first ``window`` seconds of a period sends the digest of the period before, any
other run does nothing.  So each period is sent once while the daemon runs through its end; one
that ends while the daemon is down is not sent (its changes were alerted one by one anyway).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from archive.report import ArticleReport, CitationHealth, PayloadReader, build_report
from archive.report.model import CHANGED, DEAD_STATES, GONE
from archive.report.sources import tagged_articles_changed_between
from archive.text.characters import inert
from scheduler.alerts.deliver import Notifier
from scheduler.alerts.errors import DeliveryError

log = logging.getLogger(__name__)
QUOTE_MAX = 300


@dataclass(frozen=True)
class TagDigest:
    """One tag's digest for a period: its message and the articles it names."""

    tag: str
    title: str
    body: str
    article_ids: tuple[int, ...]


def due_period(now: datetime, *, period: timedelta, window: timedelta) -> tuple[datetime, datetime] | None:
    """The period whose digest a run at ``now`` sends, as ``(start, end)``, or None (see the module doc)."""
    seconds = period.total_seconds()
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    elapsed = (now - epoch).total_seconds()
    end = epoch + timedelta(seconds=elapsed - elapsed % seconds)
    if now - end >= window:
        return None
    return end - period, end


def _newly_broken(citation: CitationHealth, start: datetime, end: datetime) -> bool:
    """A citation whose source changed in the period and now fails the article: a quote gone or
    changed, or the source dead."""
    changed_at = citation.changed_at
    if changed_at is None or not start <= changed_at < end:
        return False
    return citation.state in DEAD_STATES or any(q.status in (GONE, CHANGED) for q in citation.quotes)


def tag_digests(
    engine: Engine,
    tags: Sequence[str],
    *,
    start: datetime,
    end: datetime,
    read_payload: PayloadReader,
    now: datetime,
    ui_base_url: str | None = None,
) -> list[TagDigest]:
    """The digest of each tag that has articles with citations newly broken in ``[start, end)``."""
    touched = tagged_articles_changed_between(engine, tags, start, end)
    reports: dict[int, ArticleReport | None] = {}
    digests = []
    for tag in tags:
        sections: list[str] = []
        named: list[int] = []
        for article_id in touched.get(tag, ()):
            if article_id not in reports:
                reports[article_id] = build_report(engine, article_id, read_payload=read_payload, now=now)
            report = reports[article_id]
            if report is None:
                continue
            broken = [c for c in report.citations if _newly_broken(c, start, end)]
            if broken:
                named.append(article_id)
                sections.append(_section(report, broken, ui_base_url))
        if sections:
            title = f"citewatch: {len(named)} article(s) tagged {tag} need a correction"
            period = f"Changes detected {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC.\n\n"
            digests.append(TagDigest(tag, title, period + "\n\n".join(sections), tuple(named)))
    return digests


def _section(report: ArticleReport, broken: list[CitationHealth], ui_base_url: str | None) -> str:
    lines = [inert(report.title or report.origin)]
    if ui_base_url:
        lines.append(f"{ui_base_url.rstrip('/')}/articles/{report.article_id}/report")
    for c in broken:
        lines.append(f"- {c.state}: {inert(c.url)}")
        for q in c.quotes:
            if q.status in (GONE, CHANGED):
                text = inert(q.text if len(q.text) <= QUOTE_MAX else q.text[: QUOTE_MAX - 1] + "…")
                lines.append(f'  {q.status}: "{text}"')
    return "\n".join(lines)


def send_digests(
    digests: Sequence[TagDigest], tag_urls: Mapping[str, Sequence[str]], notifier: Notifier
) -> tuple[int, int]:
    """Send each digest to its tag's URLs once (no retry: the next period brings the next digest);
    returns (sent, failed)."""
    sent = failed = 0
    for digest in digests:
        for target in dict.fromkeys(tag_urls.get(digest.tag, ())):
            try:
                notifier.send(target, digest.title, digest.body)
            except DeliveryError as exc:
                failed += 1
                log.warning("the %s digest was not delivered: %s", digest.tag, exc)
            else:
                sent += 1
    return sent, failed
