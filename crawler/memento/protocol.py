"""The Memento protocol (RFC 7089) as plain functions: asking a TimeGate, reading its answer.

A TimeGate is asked ``GET {timegate}{original URL}`` with ``Accept-Datetime``; it answers with a
redirect to the memento closest to that time (the RFC's pattern, and the Wayback Machine's), or
with ``200`` and the memento itself, naming its URI in ``Content-Location`` (pywb's default), or
only in a ``Link: <…>; rel="memento"`` entry (pywb's framed replay).  Wayback-like archives
(pywb, the Wayback Machine, OpenWayback) serve a memento's bytes as archived, without the
rewritten links and the injected banner, under the ``id_`` modifier of its timestamp:
``…/20200301100000id_/http://example.org/``; that raw form is what is worth keeping.

Link headers are read with `archive.links` (the same RFC 8288 reader the UI's Memento routes are
tested with).  The TimeGate is asked through the crawler rather than by a client library: the
one Memento client on PyPI (``memento_client`` 0.6, unmaintained since 2018) asks with blocking
``requests`` calls, which a crawl must not make (the fetches go through the crawler, its address
guard, size limits and politeness).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

from archive.links import Link, MalformedLinks, parse_links
from archive.links.memento import parse_http_date

# A wayback-style memento URI: …/{14-digit timestamp}{modifier}/{original}.
_WAYBACK = re.compile(r"^(?P<head>https?://[^?#]*?/)(?P<ts>\d{14})(?P<mod>[a-z]{2}_)?/(?P<original>.+)$")


@dataclass(frozen=True)
class Negotiated:
    """What a TimeGate answered: the URI of the memento it chose, and the evidence of it."""

    uri_m: str
    link: str  # the TimeGate's Link header, as received ("" when it sent none)
    datetime: datetime | None  # the memento's datetime as the Link header gave it, if it did


def timegate_url(timegate: str, url: str) -> str:
    """The URL that asks ``timegate`` for ``url`` (TimeGates take the original URL appended)."""
    return f"{timegate}{url}"


def negotiate(status: int, headers: list[tuple[str, str]], base_url: str) -> Negotiated | None:
    """The memento a TimeGate's answer points to, or None if it found none (404, no URI).

    3xx: ``Location``.  200: ``Content-Location``, else the ``rel="memento"`` entry of its Link
    header (pywb's framed TimeGate answers with a frame page and names the memento only there).
    Relative URIs are resolved against the TimeGate's URL.
    """

    def header(name: str) -> str | None:
        return next((v for k, v in headers if k.lower() == name), None)

    link = ", ".join(v for k, v in headers if k.lower() == "link")
    mementos = [entry for entry in _links(link) if "memento" in entry.rels]
    if 300 <= status < 400:
        uri = header("location")
    elif 200 <= status < 300:
        uri = header("content-location") or (mementos[0].uri if mementos else None)
    else:
        return None
    if not uri:
        return None
    uri_m = urljoin(base_url, uri.strip())
    named = next((m for m in mementos if urljoin(base_url, m.uri) == uri_m), None)
    chosen = named or (mementos[0] if len(mementos) == 1 else None)
    moment = parse_http_date(chosen.param("datetime")) if chosen is not None else None
    return Negotiated(uri_m=uri_m, link=link, datetime=moment)


def _links(value: str) -> list[Link]:
    """The entries of a Link header; none when it is malformed (it is evidence, not a requirement)."""
    try:
        return parse_links(value) if value else []
    except MalformedLinks:
        return []


def raw_memento_url(uri_m: str) -> str | None:
    """The ``id_`` (as archived, unrewritten) form of a wayback-style memento URI, or None for an
    archive whose URIs do not look like ``…/{14 digits}[mod_]/{original}``."""
    match = _WAYBACK.match(uri_m)
    if match is None:
        return None
    return f"{match['head']}{match['ts']}id_/{match['original']}"


def wayback_timestamp(uri_m: str) -> datetime | None:
    """The 14-digit timestamp of a wayback-style memento URI, as a datetime (None if it has none)."""
    match = _WAYBACK.match(uri_m)
    if match is None:
        return None
    try:
        return datetime.strptime(match["ts"], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None
