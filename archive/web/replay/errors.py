"""Why a replay request cannot be answered; each error carries the HTTP status to answer with."""

from __future__ import annotations


class ReplayError(Exception):
    """Base class: ``status`` is the HTTP status of the error page, ``title`` its heading."""

    status = 500
    title = "Replay failed"


class InvalidTimestamp(ReplayError):
    """The timestamp in a replay URL is not a 14-digit UTC ``YYYYmmddHHMMSS`` moment."""

    status = 400
    title = "Invalid timestamp"

    def __init__(self, value: str) -> None:
        super().__init__(
            f"{value!r} is not a replay timestamp: use 14 digits of UTC time, YYYYmmddHHMMSS "
            "(e.g. 20261125153000)"
        )


class NotArchived(ReplayError):
    """No response or revisit capture of the URL (or of its http/https, trailing-slash variants)."""

    status = 404
    title = "Not in the archive"

    def __init__(self, url: str) -> None:
        super().__init__(
            f"{url} is not in the archive. citewatch only replays what it captured and never "
            "fetches the live web from here; cite the page in an article or crawl it to archive it."
        )
        self.url = url


class RecordUnavailable(ReplayError):
    """The catalog knows the capture but its WARC record cannot be read or parsed."""

    status = 503
    title = "Archived record unavailable"

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(
            f"the capture of {url} is catalogued but its record cannot be read ({reason}); "
            "check that the WARC file is in the spool or the store (`citewatch` fixity audit)"
        )
        self.url = url
