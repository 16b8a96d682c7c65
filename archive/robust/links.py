"""The three Robust Links attributes of one link, and the memento URL (URI-M) they point to."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

from archive.links.memento import iso_datetime, memento_url

# The attributes the Robust Links spec defines for a link to an original resource, in the order
# they are written.
ORIGINAL = "data-originalurl"
VERSION_URL = "data-versionurl"
VERSION_DATE = "data-versiondate"
ATTRIBUTE_NAMES = (ORIGINAL, VERSION_URL, VERSION_DATE)
_SCHEME = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.-]*:")


def original_url(href: str, base: str | None) -> str:
    """``data-originalurl`` of a link: its URL as written when that is absolute, else resolved
    against ``base`` (a reader of the attribute has no document to resolve it against)."""
    if _SCHEME.match(href) or not base:
        return href.strip()
    return urljoin(base, href.strip())


@dataclass(frozen=True)
class Version:
    """Our capture of a cited source that its robust links point to.

    ``url`` is the URL replay finds the capture by (`archive.links.memento.replayed_url`: for a
    source recovered from a Memento archive, the memento's URL, not the source's); for such a
    source, ``recovered_from`` names that archive and ``memento_datetime`` is when the archive saw
    the page.
    """

    capture_id: int
    url: str
    captured_at: datetime
    recovered_from: str | None = None
    memento_datetime: datetime | None = None

    @property
    def version_date(self) -> datetime:
        """The moment the archived content stands for: the archive's Memento-Datetime for a
        recovered source (other archives' TimeGates are asked for that moment when ours fails),
        else when we captured it."""
        return self.memento_datetime or self.captured_at

    def uri_m(self, base_url: str) -> str:
        return memento_url(base_url, self.captured_at, self.url)

    def attributes(self, original_url: str, base_url: str) -> RobustAttributes:
        return RobustAttributes(original_url, self.uri_m(base_url), iso_datetime(self.version_date))


@dataclass(frozen=True)
class RobustAttributes:
    """The values of ``data-originalurl``, ``data-versionurl`` and ``data-versiondate``."""

    original_url: str
    version_url: str
    version_date: str

    def pairs(self) -> tuple[tuple[str, str], ...]:
        return (
            (ORIGINAL, self.original_url),
            (VERSION_URL, self.version_url),
            (VERSION_DATE, self.version_date),
        )


# Which links to decorate: given a link's URL as written (entities and escapes decoded) and the
# document's base URL (its <base href>, else None), the attributes to give it, or None to leave it.
Decide = Callable[[str, str | None], RobustAttributes | None]


@dataclass(frozen=True)
class Decorated:
    """An article with its cited links decorated: the bytes, and the links decorated, in order
    (the URL as written and the attributes given)."""

    data: bytes
    links: tuple[tuple[str, RobustAttributes], ...]
