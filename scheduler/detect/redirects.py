"""Where a redirect leads: the same page, another page, or a dead end (home, login, search, 404)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from scheduler.detect.model import Observation

# Language sections a site's home may live under ("/en/", "/fr-ca/"): real ISO 639-1 codes only,
# so that "/r2" or "/gz" is not taken for a home page.
_LANGUAGES = (
    "af|am|ar|az|be|bg|bn|bs|ca|cs|cy|da|de|el|en|es|et|fa|fi|fr|ga|gl|he|hi|hr|hu|hy|id|is|it|ja|ka|kk|"
    "km|ko|ky|lt|lv|mk|mn|ms|mt|nb|ne|nl|nn|no|pl|ps|pt|ro|ru|si|sk|sl|so|sq|sr|sv|sw|ta|tg|th|tk|tr|uk|ur|"
    "uz|vi|zh"
)
_HOME = re.compile(
    rf"^(/(?:{_LANGUAGES})(?:[-_][a-z]{{2,4}})?)?"
    r"(/(?:index|default|home|homepage|start|main|welcome|portal)(?:\.[a-z]{2,5})?)?$"
)
_GENERIC = frozenset(
    {"login", "log-in", "logon", "signin", "sign-in", "sso", "auth", "account", "accounts", "register",
     "search", "suche", "recherche", "404", "410", "not-found", "notfound", "page-not-found", "pagenotfound",
     "error", "errors", "gone", "unavailable", "expired", "session-expired"}
)  # fmt: skip
_DEFAULT_PORTS = {"http": 80, "https": 443}


def same_url(first: str | None, second: str | None) -> bool:
    """Whether two URLs name the same page for a reader.

    http and https, "www." or not, a default port, a trailing slash and the fragment do not
    matter: sites move to HTTPS or add a slash without the statement moving anywhere.
    """
    if first is None or second is None:
        return first == second
    return _identity(first) == _identity(second)


def _identity(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{port}"
    return host, parts.path.rstrip("/") or "/", parts.query


def moved(observation: Observation) -> bool:
    """Whether the capture was redirected to a different page than the one requested."""
    return bool(observation.redirects) and not same_url(
        observation.url, observation.final_url or observation.url
    )


def is_home(url: str) -> bool:
    """Whether ``url`` is a site's home page ("/", "/index.html", "/en/", "/home"...)."""
    path = urlsplit(url).path.lower().rstrip("/")
    return bool(_HOME.match(path))


def is_generic(url: str, probe: Observation | None = None) -> bool:
    """Whether ``url`` is a page any missing URL could end on: login, search, a 404 page...

    Also the page a random non-existent URL of the same site (the probe) was redirected to.
    """
    if probe is not None and moved(probe) and same_url(url, probe.final_url):
        return True
    path = urlsplit(url).path.lower()
    segments = [segment.rsplit(".", 1)[0] for segment in path.split("/") if segment]
    # The page itself is a login/search/error page ("/account/login", "/404"); a path that merely
    # passes through such a word ("/accounts/annual-report-2025") is a specific page.
    return bool(segments) and segments[-1] in _GENERIC
