"""What can go wrong in the catalog, each with a message a user can act on."""

from __future__ import annotations


class CatalogError(Exception):
    """Base class for every catalog error."""


class CatalogUnavailable(CatalogError, ConnectionError):
    """The catalog database cannot be opened: bad URL, missing driver, server down, unwritable file."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"cannot open the catalog at {url}: {reason} (check CITEWATCH_DB or CITEWATCH_HOME)")


class UnknownSchema(CatalogError):
    """The catalog's schema revision is not one this code knows: a newer citewatch migrated it."""

    def __init__(self, url: str, revisions: list[str], known: str) -> None:
        self.url = url
        self.revisions = revisions
        found = ", ".join(revisions) or "none"
        super().__init__(
            f"the catalog at {url} is at schema revision {found}, which this citewatch does not know "
            f"(its newest is {known}): a newer citewatch wrote it; upgrade citewatch to use it"
        )


class UnknownSource(CatalogError, LookupError):
    """A source URL or id that the catalog does not watch."""

    def __init__(self, source: str | int) -> None:
        self.source = source
        what = f"source #{source}" if isinstance(source, int) else repr(source)
        super().__init__(
            f"{what} is not a watched source; `citewatch sources` lists them "
            "(URLs are matched exactly, in canonical form)"
        )


class UnknownArticle(CatalogError, LookupError):
    """An article id that the catalog does not hold."""

    def __init__(self, article_id: int) -> None:
        self.article_id = article_id
        super().__init__(f"article #{article_id} does not exist; `citewatch ingest` adds articles")


class UnknownCapture(CatalogError, LookupError):
    """A capture id that the catalog does not hold."""

    def __init__(self, capture_id: int) -> None:
        self.capture_id = capture_id
        super().__init__(f"capture #{capture_id} does not exist")


class UnknownChange(CatalogError, LookupError):
    """A change id that the catalog does not hold."""

    def __init__(self, change_id: int) -> None:
        self.change_id = change_id
        super().__init__(f"change #{change_id} does not exist; `citewatch changes --json` lists them")


class UnknownDelivery(CatalogError, LookupError):
    """A delivery id that the catalog does not hold."""

    def __init__(self, delivery_id: int) -> None:
        self.delivery_id = delivery_id
        super().__init__(f"alert delivery #{delivery_id} does not exist; `citewatch alerts` lists them")


class InvalidValue(CatalogError, ValueError):
    """A value outside the set the catalog accepts (state, role, record type, naive datetime…)."""

    def __init__(self, field: str, value: object, allowed: str) -> None:
        self.field = field
        self.value = value
        super().__init__(f"invalid {field} {value!r}: expected {allowed}")
