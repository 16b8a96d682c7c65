"""Where the archive's mementos, TimeGates and TimeMaps live (RFC 7089): the URL builders every
part of citewatch links with (replay, the Memento routes, robust links, citations, reports).

URI-M (a memento) = the replay URL ``/replay/{14-digit timestamp}/{url}``; URI-G (the TimeGate)
= ``/timegate/{url}``; URI-T (the TimeMap) = ``/timemap/link/{url}`` (as JSON: ``/timemap/json/{url}``).
``base`` is the archive's public base URL (``ui_base_url``) for absolute links, or a root path
(``/``) for links relative to the server.  Pure: importing it loads no web framework.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime


def http_date(moment: datetime) -> str:
    """An RFC 1123 date in GMT (``Wed, 25 Nov 2026 15:30:00 GMT``), as ``Memento-Datetime``,
    ``Accept-Datetime`` and the ``datetime`` link parameter want it; naive datetimes are taken as UTC."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return format_datetime(aware.astimezone(UTC).replace(microsecond=0), usegmt=True)


def iso_datetime(moment: datetime) -> str:
    """``moment`` in UTC as ISO 8601 to the second (``2026-11-30T07:43:13Z``): the Robust Links
    spec allows it for ``data-versiondate`` beside a bare date (seconds keep it equal to the URI-M's
    timestamp), and Time Travel's JSON TimeMap writes mementos' datetimes so."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP-date (``Memento-Datetime``, ``Accept-Datetime``, a Link's ``datetime``) as an aware
    UTC datetime; None when there is none or it is not a date."""
    if not value or not value.strip():
        return None
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:  # "-0000", or no zone: an HTTP-date is always GMT (RFC 7231)
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def timestamp14(moment: datetime) -> str:
    """``moment`` as a 14-digit UTC timestamp (``YYYYmmddHHMMSS``), as Wayback-style replay expects.

    Naive datetimes are taken as UTC.
    """
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y%m%d%H%M%S")


REPLAY_PATH = "replay/"
# The replay view that runs the archived page's scripts (see `archive.web.replay.navigation`).
SCRIPTED_REPLAY_PATH = REPLAY_PATH + "scripts/"
TIMEGATE_PATH = "timegate/"
TIMEMAP_PATH = "timemap/link/"
TIMEMAP_JSON_PATH = "timemap/json/"
LINK_FORMAT = "application/link-format"


def memento_url(base: str, ts: str | datetime, url: str) -> str:
    """The URI-M replaying ``url`` as captured at ``ts`` (a 14-digit timestamp or a datetime)."""
    stamp = ts if isinstance(ts, str) else timestamp14(ts)
    return f"{_root(base)}{REPLAY_PATH}{stamp}/{url}"


def replayed_url(url: str, final_url: str | None, recovered_from: str | None) -> str:
    """The URL a capture is replayed by (the ``{url}`` of its URI-M): the URL it was made of, except
    for a memento recovered from a Memento archive (``recovered_from`` set), which the crawler
    records under the source's URL with the memento's URL as ``final_url``: the source's dead answer
    is usually captured in the same second, and replay of the source's URL at that second (the
    exact second wins) would play the 404, not the memento."""
    return final_url if recovered_from and final_url else url


def timegate_url(base: str, url: str) -> str:
    """The URI-G of ``url``: redirects to its memento closest to the ``Accept-Datetime`` asked for."""
    return f"{_root(base)}{TIMEGATE_PATH}{url}"


def timemap_url(base: str, url: str) -> str:
    """The URI-T of ``url``: every memento of it, as ``application/link-format``."""
    return f"{_root(base)}{TIMEMAP_PATH}{url}"


def timemap_json_url(base: str, url: str) -> str:
    """The TimeMap of ``url`` as JSON (the Memento aggregator's Time Travel format)."""
    return f"{_root(base)}{TIMEMAP_JSON_PATH}{url}"


def _root(base: str) -> str:
    return base if base.endswith("/") else base + "/"
