"""Masking secrets in notification URLs, so the catalog can show where alerts go without leaking keys.

Apprise URLs carry credentials in many places: ``user:password@``, query parameters such as
``?token=``, and path segments that are really webhook tokens (``slack://T0/B0/XXXX``,
``discord://id/token``).  The rules below are deliberately generous: hiding an innocent path
segment costs a little readability, showing a token costs a rotated key.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlsplit

SECRET_PARAMS = re.compile(r"pass|secret|token|key|auth|sig|bearer|cred|pwd|webhook", re.IGNORECASE)
# A run of 16+ characters mixing letters and digits (or 32+ of anything but word-ish text) smells
# of a token; short words and paths like /api/notify do not.
TOKEN_LIKE = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[\w\-.~+=%]{16,}$|^[\w\-.~+=%]{32,}$")
WEB_SCHEMES = frozenset({"http", "https", "json", "jsons", "xml", "xmls", "form", "forms"})


def mask_url(url: str) -> str:
    """``url`` with its password, secret-looking query values and token-like segments hidden."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _hide(url)
    if not parts.scheme or "://" not in url:
        return _hide(url) if TOKEN_LIKE.match(url) else url
    netloc = _mask_netloc(parts.netloc, token_host=parts.scheme.lower() not in WEB_SCHEMES)
    path = "/".join(_hide(s) if TOKEN_LIKE.match(s) else s for s in parts.path.split("/"))
    query = "&".join(
        f"{quote(k, safe='')}={_mask_param(k, v)}" for k, v in parse_qsl(parts.query, keep_blank_values=True)
    )
    masked = f"{parts.scheme}://{netloc}{path}"
    if query:
        masked += f"?{query}"
    if parts.fragment:
        masked += f"#{parts.fragment}"
    return masked


def _mask_netloc(netloc: str, *, token_host: bool) -> str:
    userinfo, at, hostport = netloc.rpartition("@")
    if at:
        user, colon, password = userinfo.partition(":")
        if colon:
            userinfo = f"{user}:{_hide(password)}"
        elif token_host and TOKEN_LIKE.match(user):
            userinfo = _hide(user)
        userinfo += "@"
    if token_host:
        # Non-web schemes often put the token where the host would be (tgram://bot-token/chat).
        host, colon, port = hostport.partition(":")
        if TOKEN_LIKE.match(host) or (colon and not port.isdigit()):
            hostport = _hide(hostport)
    return f"{userinfo}{hostport}"


def _mask_param(key: str, value: str) -> str:
    return _hide(value) if SECRET_PARAMS.search(key) or TOKEN_LIKE.match(value) else quote(value, safe="")


def _hide(secret: str) -> str:
    if len(secret) <= 4:
        return "****"
    return f"{secret[0]}****{secret[-1]}"
