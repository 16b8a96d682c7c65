"""Page requisites: what a browser would load to render a page (stylesheets, images, scripts, fonts).

Capturing them with the page is what makes replay faithful later.  Pure functions on text.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")\s]+)\1\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(['"])([^'"]+)\1""", re.IGNORECASE)
_REL_REQUISITES = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "modulepreload"}


def _first_srcset(value: str) -> str | None:
    first = value.split(",")[0].strip()
    return first.split()[0] if first else None


def _keep(url: str, base: str) -> str | None:
    try:
        parts = urlsplit(urljoin(base, url.strip()))
    except ValueError:  # e.g. "http://[::1" (an unclosed IPv6 bracket): page content, not our error
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return parts._replace(fragment="").geturl()


def html_requisites(html: str | bytes, base_url: str, limit: int) -> list[str]:
    """Stylesheets, scripts, images, icons, media posters and inline-style url()s, in document order."""
    if not html:
        return []
    try:
        doc = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    base = base_url
    for href in doc.xpath("//base/@href")[:1]:
        try:
            base = urljoin(base_url, str(href))
        except ValueError:  # a malformed <base href> is ignored, as browsers do
            base = base_url
    found: list[str] = []
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        candidates: list[str] = []
        if tag == "link":
            rels = set((el.get("rel") or "").lower().split())
            if rels & _REL_REQUISITES and el.get("href"):
                candidates.append(el.get("href", ""))
        elif tag in ("img", "script", "source", "video", "audio", "input", "embed", "track", "iframe"):
            if el.get("src"):
                candidates.append(el.get("src", ""))
            if el.get("srcset"):
                first = _first_srcset(el.get("srcset", ""))
                if first:
                    candidates.append(first)
            if el.get("poster"):
                candidates.append(el.get("poster", ""))
        elif tag == "style" and el.text:
            candidates.extend(css_references(el.text))
        if el.get("style"):
            candidates.extend(css_references(el.get("style", "")))
        for c in candidates:
            url = _keep(c, base)
            if url and url not in found:
                found.append(url)
                if len(found) >= limit:
                    return found
    return found


def css_references(css: str) -> list[str]:
    """Raw url() and @import targets of a stylesheet, data: URIs excluded."""
    refs = [m.group(2) for m in _CSS_IMPORT.finditer(css)] + [m.group(2) for m in _CSS_URL.finditer(css)]
    return [r for r in refs if not r.lower().startswith(("data:", "#", "about:"))]


def css_requisites(css: str, base_url: str, limit: int) -> list[str]:
    """Absolute http(s) URLs a stylesheet needs (fonts, background images, imports)."""
    found: list[str] = []
    for ref in css_references(css):
        url = _keep(ref, base_url)
        if url and url not in found:
            found.append(url)
            if len(found) >= limit:
                break
    return found
