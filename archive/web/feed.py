"""The Atom 1.0 feed of detected changes, built with ElementTree so everything is escaped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    sub(feed, "title", "citewatch: changes to cited sources")
    sub(feed, "updated", _rfc3339(max((c.detected_at for c in changes), default=now)))
    author = sub(feed, "author")
    sub(author, "name", "citewatch")
    sub(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
    sub(feed, "link", rel="alternate", type="text/html", href=site_url)
    sub(feed, "generator", "citewatch")
    for change in changes:
        entry = sub(feed, "entry")
        sub(entry, "id", f"{site_url.rstrip('/')}/changes/{change.id}")
        sub(entry, "title", f"{change.kind} \u2014 {change.url}")
        sub(entry, "updated", _rfc3339(change.detected_at))
        sub(entry, "link", rel="alternate", type="text/html", href=diff_url(change))
        sub(entry, "summary", entry_summary(change), type="text")
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document
