"""The headers of a replay response: ours for safety, and the few archived ones safe to pass on.

Archived content is hostile.  Its headers are passed on by an allow-list, so a Set-Cookie,
Content-Security-Policy, Strict-Transport-Security, Clear-Site-Data, X-Frame-Options,
Access-Control-*, Link preload or framing header from the archive never reaches the browser.
"""

from __future__ import annotations

import re
from datetime import datetime

from archive.web.linkformat import format_links
from archive.web.memento import Memento, memento_response_links
from archive.web.replay.timestamps import http_date

# Both policies: a sandbox without allow-same-origin gives an opaque origin, so a replayed script
# cannot read the UI's cookies or storage; connect-src 'none': no fetch/XHR/WebSocket/beacon (a
# scripted view's: the scripted replay space alone, `scripted_content_security_policy`);
# default-src 'self': nothing is loaded from the live web.
_DEFAULTS = "default-src 'self' data: blob: 'unsafe-inline' 'unsafe-eval'"
_REST = "form-action 'none'; frame-ancestors 'self'; base-uri 'none'"
_CAGE = f"{_DEFAULTS}; connect-src 'none'; {_REST}"
# The default: no scripts at all.  CSP cannot stop WebRTC (an RTCPeerConnection sends STUN packets
# to any host the page names, telling its author when and from where someone looked): only not
# running the scripts does.  The sandbox directive holds even where the document is opened outside
# the UI's iframe; script-src 'none' says it twice for any browser that would ignore the sandbox.
CONTENT_SECURITY_POLICY = f"sandbox allow-forms; script-src 'none'; {_CAGE}"
# A view the user switched to "replay with scripts" (a frame of /replay/scripts/...), and only that,
# when the UI's origin cannot be named (`connect_source`): its scripts connect nowhere.
SCRIPTED_CONTENT_SECURITY_POLICY = f"sandbox allow-scripts allow-forms; {_CAGE}"
# A host-source names a host and port, and may name no IPv6 literal; ';' or ',' in a path would end
# the directive.  What does not fit gets connect-src 'none': replay fails closed.
_CONNECT_SCHEME = re.compile(r"https?")
_CONNECT_HOST = re.compile(r"[A-Za-z0-9.\-]+(?::[0-9]{1,5})?")
_CONNECT_PATH = re.compile(r"/(?:[A-Za-z0-9._~%\-]+/)+")
_OTHER_SECURITY_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"))
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    *_OTHER_SECURITY_HEADERS,
)
SCRIPTED_SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", SCRIPTED_CONTENT_SECURITY_POLICY),
    *_OTHER_SECURITY_HEADERS,
)


def connect_source(scheme: str, host: str | None, path: str) -> str | None:
    """The CSP host-source for ``path`` (the scripted replay space, ending in ``/``) on the origin a
    request was made to (``scheme``, its ``Host`` header), or None when that cannot be written as one.

    From ``Host``, not from the configured base URL: the frame's fetches go to the origin the reader
    typed (``localhost`` or ``127.0.0.1``), which the UI's host check has already allowed.  A proxy
    that rewrites ``Host`` makes the scripted page's fetches fail, never reach further; an ``http``
    source also matches the same host over ``https`` (CSP level 3), for a UI behind TLS.
    """
    scheme, host = scheme.lower(), (host or "").strip()
    if _CONNECT_SCHEME.fullmatch(scheme) and _CONNECT_HOST.fullmatch(host) and _CONNECT_PATH.fullmatch(path):
        return f"{scheme}://{host}{path}"
    return None


def scripted_content_security_policy(connect_to: str | None) -> str:
    """The scripted policy, its scripts let to connect to ``connect_to`` (a `connect_source`) alone.

    A host-source with a path, never 'self': the archived page may fetch what the scripted replay
    space serves (archived copies) but not the UI's API or pages, and nothing on the live web.
    """
    if connect_to is None:
        return SCRIPTED_CONTENT_SECURITY_POLICY
    return f"sandbox allow-scripts allow-forms; {_DEFAULTS}; connect-src {connect_to}; {_REST}"


def scripted_security_headers(connect_to: str | None) -> tuple[tuple[str, str], ...]:
    """`SCRIPTED_SECURITY_HEADERS` with the policy of `scripted_content_security_policy`."""
    return (
        ("Content-Security-Policy", scripted_content_security_policy(connect_to)),
        *_OTHER_SECURITY_HEADERS,
    )


# A replay URL is answered by who loads it (a frame gets the capture, a top-level navigation the
# capture page): a cached frame answer must never be reused for a navigation, or the reverse.
VARY = ("Vary", "Sec-Fetch-Dest")
CAPTURE_CACHE_CONTROL = "private, max-age=3600"
# An error page must not outlive the next crawl, which may archive the missing URL.
ERROR_CACHE_CONTROL = "private, no-store"
# Archived headers passed on as they are (Content-Type and Location are handled separately).
PASSED_ARCHIVED_HEADERS = frozenset({"content-language", "last-modified"})
# Fonts and module scripts are always fetched in CORS mode, and a sandboxed page's origin is opaque:
# without this they would not load in replay.  Only these types get it, and never with credentials
# (in the scripted space every archived answer gets it: `READABLE`).
CORS_CONTENT_TYPES = ("font/", "application/font", "application/x-font", "application/vnd.ms-fontobject")
CORS_SCRIPT_TYPES = frozenset({"text/javascript", "application/javascript", "application/x-javascript"})


def mime_type(content_type: str | None) -> str:
    """The lower-cased media type of a Content-Type value, without parameters."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def header_value(value: str) -> str | None:
    """``value`` if it can be sent as an HTTP header value, else None (hostile bytes are dropped)."""
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return None
    if any((ord(c) < 0x20 and c != "\t") or ord(c) == 0x7F for c in value):
        return None
    return value


def passed_archived_headers(archived: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """The archived headers that are safe to send on unchanged."""
    out: list[tuple[str, str]] = []
    for name, value in archived:
        safe = header_value(value)
        if name.lower() in PASSED_ARCHIVED_HEADERS and safe is not None:
            out.append((name, safe))
    return out


def memento_headers(
    original_url: str, captured_at: datetime, *, base: str = "/", requested: str | None = None
) -> list[tuple[str, str]]:
    """Memento (RFC 7089 §2.2.1) headers of a URI-M: when this was captured, and a ``Link`` to the
    live URL it is a copy of, its TimeGate and TimeMap (under ``base``), and the exact URI-M of the
    capture shown (of ``requested``, the URL asked for; a replay URL with another timestamp shows
    the closest capture)."""
    memento = Memento(requested or original_url, captured_at)
    links = format_links(memento_response_links(base, original_url, memento))
    return [("Memento-Datetime", http_date(captured_at)), ("Link", links)]


# In the scripted space, what the page's fetch()/XHR reads: every archived answer, without
# credentials.  Our own error pages (not archived) never get it, so a request for what the archive
# does not hold fails in the page as a blocked request does.
READABLE = ("Access-Control-Allow-Origin", "*")
# The answer to a CORS preflight in the scripted space.  The sandbox's origin is opaque, so a fetch
# with a header beyond the CORS-safelisted ones (jQuery's X-Requested-With, which it adds because the
# mapped URL looks same-origin to it; a token in Authorization) is preceded by an OPTIONS request.
# Replay reads no request header a script can set (Sec-Fetch-* and Host are forbidden to scripts),
# so any may be sent; the methods stay the ones replay answers.
PREFLIGHT: tuple[tuple[str, str], ...] = (
    READABLE,
    ("Access-Control-Allow-Methods", "GET, HEAD"),
    ("Access-Control-Allow-Headers", "*"),
    ("Access-Control-Max-Age", "600"),
    ("Cache-Control", ERROR_CACHE_CONTROL),
)


def cors_headers(content_type: str) -> list[tuple[str, str]]:
    """``Access-Control-Allow-Origin: *`` for fonts and scripts, fetched in CORS mode by sandboxed pages."""
    media = mime_type(content_type)
    if media.startswith(CORS_CONTENT_TYPES) or media in CORS_SCRIPT_TYPES:
        return [("Access-Control-Allow-Origin", "*")]
    return []
