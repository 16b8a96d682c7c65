"""Replay timestamps: 14-digit UTC ``YYYYmmddHHMMSS``, as in Wayback URLs (written by
`archive.links.memento.timestamp14`), and HTTP dates."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from archive.links.memento import http_date
from archive.web.replay.errors import InvalidTimestamp

_DIGITS14 = re.compile(r"[0-9]{14}")
_FORMAT = "%Y%m%d%H%M%S"


def parse_timestamp(value: str) -> datetime:
    """The aware UTC moment a 14-digit timestamp names; `InvalidTimestamp` otherwise."""
    if not _DIGITS14.fullmatch(value):
        raise InvalidTimestamp(value)
    try:
        return datetime.strptime(value, _FORMAT).replace(tzinfo=UTC)
    except ValueError as exc:  # month 13, February 30, ...
        raise InvalidTimestamp(value) from exc


__all__ = ["http_date", "parse_timestamp"]
