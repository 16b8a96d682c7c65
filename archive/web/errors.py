"""Why the browsing UI refuses to start (its configuration would make it unsafe), and requests it
refuses."""

from __future__ import annotations

from starlette.exceptions import HTTPException


class WebConfigError(ValueError):
    """Base class: the UI cannot be built as configured; the message says what to change."""


class WeakAdminToken(WebConfigError):
    """The admin token is too short (or only spaces) to guard the actions that change state."""

    def __init__(self, variable: str, length: int, minimum: int) -> None:
        super().__init__(
            f"{variable} is too short ({length} characters without surrounding spaces; at least "
            f"{minimum} are needed): set a long random one, e.g. the output of "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(24))'`, or unset it to keep "
            "the web UI read-only"
        )


class InvalidBaseUrl(WebConfigError):
    """The UI's base URL is not an absolute http(s) URL."""

    def __init__(self, value: str) -> None:
        super().__init__(
            f"the UI base URL {value!r} is not an absolute http(s) URL: set CITEWATCH_UI_BASE_URL to "
            "the address readers use, e.g. https://archive.example.org/"
        )


class IngestQueueFull(Exception):
    """Too many ingests asked for from the UI are waiting already."""

    def __init__(self, waiting: int) -> None:
        super().__init__(f"{waiting} ingests are waiting already: try again when some have finished")


class PageTooDeep(HTTPException):
    """A page number past the rows reachable by number: deeper pages are reached by cursor."""

    def __init__(self, page: int, window: int) -> None:
        super().__init__(
            400,
            f"page {page} starts past the first {window:,} rows, which is as deep as page numbers go: "
            "follow the list's next and previous links instead (they use ?after=ID and ?before=ID)",
        )


class StatusUnavailable(Exception):
    """The deployment's status cannot be read now (its Redis is down): the message says why."""


class MalformedLinks(ValueError):
    """A ``Link`` header or link-format document that does not follow RFC 8288's syntax."""

    def __init__(self, text: str, position: int, problem: str) -> None:
        excerpt = text[max(0, position - 20) : position + 20]
        super().__init__(f"not a valid list of links at character {position} ({excerpt!r}): {problem}")


class InvalidAcceptDatetime(HTTPException):
    """A TimeGate request whose ``Accept-Datetime`` is not an RFC 1123 date."""

    def __init__(self, value: str) -> None:
        super().__init__(
            400,
            f"Accept-Datetime {value!r} is not an RFC 1123 date: send one like "
            "'Wed, 25 Nov 2026 15:30:00 GMT', or none for the newest memento",
        )


class NoMementos(HTTPException):
    """A TimeGate or TimeMap request for a URL the archive holds no memento of."""

    def __init__(self, url: str) -> None:
        super().__init__(
            404, f"no memento of {url}: it is not archived here (see /sources for the watched URLs)"
        )
