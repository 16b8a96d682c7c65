"""Canonical form of a cited URL, so that one source is one row however an article spells it."""

from __future__ import annotations

import re
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

# Query parameters that identify a click or a campaign, never the document itself.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "ref_src",
        "ref_url",
        "spm",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "__twitter_impression",
        "wt_mc",
    }
)
TRACKING_PREFIXES = ("utm_",)

DEFAULT_PORTS = {"http": 80, "https": 443}
# Longer URLs are not something an article cites; refusing them bounds the work on hostile input.
MAX_URL_LENGTH = 8192

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# WHATWG URL parsing drops tabs and newlines anywhere and C0 controls/space at both ends; so do browsers.
_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
# Delimiters, controls and anything not printable ASCII: safe_url_string leaves a host that IDNA
# cannot encode as it was written, and such a host names nothing DNS can resolve.
_FORBIDDEN_HOST = re.compile(r"[^\x21-\x7e]|[<>\"'{}|\\^`]")


def canonical_url(url: str, base_url: str | None = None) -> str | None:
    """Return the canonical form of ``url`` (resolved against ``base_url``), or ``None`` if not citable.

    Only http(s) URLs with a host are citable; ``javascript:``, ``mailto:``, ``tel:``, ``data:``,
    ``file:``, ``ftp:`` and in-page ``#anchors`` give ``None``. The scheme and host are lowercased,
    the host IDNA-encoded, default ports, userinfo, fragments and tracking parameters dropped and
    percent-encoding normalised. Query parameters keep their order and trailing slashes stay.
    """
    url = _TAB_NEWLINE.sub("", url).strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f ")
    if not url or len(url) > MAX_URL_LENGTH or url.startswith("#"):
        return None
    scheme_match = _SCHEME.match(url)
    if scheme_match is None:
        if base_url is None:
            return None
        base = canonical_url(base_url)
        if base is None:
            return None
        url = urljoin(base, url)
    elif scheme_match.group(1).lower() not in DEFAULT_PORTS:
        return None
    try:
        parts = urlsplit(safe_url_string(url))
        port = parts.port
    except ValueError:  # bad IPv6 literal, port out of range, undecodable host
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in DEFAULT_PORTS or not host or _FORBIDDEN_HOST.search(host):
        return None
    if len(host) > 253 or any(len(label) > 63 for label in host.split(".")):
        return None  # not a resolvable DNS name (RFC 1035 limits)
    if ":" in host:  # IPv6 literal; urlsplit dropped the brackets
        host = f"[{host}]"
    netloc = host if port is None or port == DEFAULT_PORTS[scheme] else f"{host}:{port}"
    path = _remove_dot_segments(_normalise_percent(parts.path)) or "/"
    query = _clean_query(parts.query)
    # "#!" and "#/" fragments carry the document on single-page sites (twitter.com/#!/user, a
    # portal's https://portal.example/#/press/123): keep them, they name different statements.
    fragment = _normalise_percent(parts.fragment) if parts.fragment.startswith(("!", "/")) else ""
    return urlunsplit((scheme, netloc, path, query, fragment))


def is_tracking_param(name: str) -> bool:
    """True for query parameter names that only track clicks (``utm_*``, ``fbclid`` ...)."""
    key = unquote(name).strip().lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _clean_query(query: str) -> str:
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        name = pair.split("=", 1)[0]
        if is_tracking_param(name):
            continue
        kept.append(_normalise_percent(pair))
    return "&".join(kept)


def _normalise_percent(component: str) -> str:
    """Decode escapes of unreserved characters, uppercase the others, escape stray ``%`` signs."""

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else f"%{match.group(1).upper()}"

    return _PERCENT.sub(fix, _STRAY_PERCENT.sub("%25", component))


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, so ``/a/./b/../c`` and ``/a/c`` are one source."""
    if "." not in path:
        return path
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    return "/".join(output)
