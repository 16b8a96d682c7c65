"""The Atom 1.0 feed of detected changes, built with ElementTree so everything is escaped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from archive.text.characters import xml_safe
from archive.web.rows import ChangeRow

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_summary(change: ChangeRow) -> str:
    """The plain-text summary of a change: its own summary, then each quote the source no longer has."""
    lines = [change.summary or f"{change.kind}: {change.url}"]
    lines += [f"Quote removed: \u201c{quote}\u201d" for quote in change.removed_quotes]
    return "\n".join(lines)


@dataclass(frozen=True)
class FeedEntry:
    """One Atom entry: a stable ``id`` (a URL), a title, when it last changed, a link, a summary."""

    id: str
    title: str
    updated: datetime
    link: str
    summary: str


def atom_feed(
    changes: Sequence[ChangeRow],
    *,
    feed_url: str,
    site_url: str,
    diff_url: Callable[[ChangeRow], str],
    now: datetime,
) -> bytes:
    """An Atom feed (UTF-8 XML) of ``changes``, each entry linking to its diff page.

    Entry ids are the stable URL of the change (``/changes/{id}``); the feed's ``updated`` is the
    newest change's time, or ``now`` for an empty feed.
    """
    entries = [
        FeedEntry(
            id=f"{site_url.rstrip('/')}/changes/{change.id}",
            title=f"{change.kind} \u2014 {change.url}",
            updated=change.detected_at,
            link=diff_url(change),
            summary=entry_summary(change),
        )
        for change in changes
    ]
    return atom_document(
        entries, title="citewatch: changes to cited sources", feed_url=feed_url, site_url=site_url, now=now
    )


def atom_document(
    entries: Sequence[FeedEntry], *, title: str, feed_url: str, site_url: str, now: datetime
) -> bytes:
    """An Atom 1.0 feed (UTF-8 XML) of ``entries``; its ``updated`` is the newest entry's, or ``now``."""

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        # ElementTree writes any character; a control character from an article's quote would
        # make the whole feed ill-formed XML, which readers reject.
        element = ET.SubElement(parent, tag, {name: xml_safe(value) for name, value in attrs.items()})
        if text is not None:
            element.text = xml_safe(text)
        return element

    # A literal default namespace, so the output has no "ns0:" prefixes and no global registration.
    feed = ET.Element("feed", {"xmlns": ATOM_NS})
    sub(feed, "id", feed_url)
    sub(feed, "title", title)
    sub(feed, "updated", _rfc3339(max((e.updated for e in entries), default=now)))
    author = sub(feed, "author")
    sub(author, "name", "citewatch")
    sub(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
    sub(feed, "link", rel="alternate", type="text/html", href=site_url)
    sub(feed, "generator", "citewatch")
    for item in entries:
        entry = sub(feed, "entry")
        sub(entry, "id", item.id)
        sub(entry, "title", item.title)
        sub(entry, "updated", _rfc3339(item.updated))
        sub(entry, "link", rel="alternate", type="text/html", href=item.link)
        sub(entry, "summary", item.summary, type="text")
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document
