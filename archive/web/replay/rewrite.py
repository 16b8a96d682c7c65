"""Pure rewriting of archived HTML and CSS so every URL they load or link to stays in replay space.

An absolute or relative URL becomes ``{prefix}{timestamp}/{absolute_url}``; the page's timestamp
is kept for its requisites, so the closest-in-time lookup picks the ones captured with it.
``#fragments``, ``data:``, ``mailto:`` and other non-HTTP URLs are left alone; ``javascript:``
URLs are neutralised to ``#``.  JavaScript is not rewritten: replay runs no archived script unless
the reader turns scripts on for one view, and then sandboxed (`archive.web.replay.navigation`),
with our shim first in ``<head>`` so the page's fetch() and XHR go to the archive too
(`archive.web.replay.shim`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from archive.text.characters import xml_safe
from archive.web.replay.shim import fetch_shim

# Attributes holding one URL, on whatever element carries them.
URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "poster",
        "action",
        "formaction",
        "data",
        "background",
        "cite",
        "longdesc",
        "lowsrc",
        "manifest",
        "xlink:href",
        "{http://www.w3.org/1999/xlink}href",
    }
)
SRCSET_ATTRIBUTES = frozenset({"srcset", "imagesrcset"})
# Subresource integrity would reject a rewritten stylesheet; "crossorigin" would make fetches from
# the sandbox's opaque origin CORS requests; "ping" sends hyperlink-auditing POSTs.
DROPPED_ATTRIBUTES = frozenset({"integrity", "crossorigin", "ping", "nonce"})
# Archived <meta http-equiv> that must not act in replay: a CSP (upgrade-insecure-requests would
# break replay links) and cookies.
DROPPED_HTTP_EQUIV = frozenset({"content-security-policy", "set-cookie"})
NEUTRALISED_SCHEMES = frozenset({"javascript", "vbscript"})
REPLAYED_SCHEMES = frozenset({"http", "https"})

_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_CSS_URL = re.compile(
    r"""(?P<head>\burl\(\s*)(?:"(?P<dq>(?:[^"\\\n]|\\.)*)"|'(?P<sq>(?:[^'\\\n]|\\.)*)'|(?P<bare>[^)"'\s]*))"""
    r"""(?P<tail>\s*\))""",
    re.IGNORECASE,
)
_CSS_IMPORT = re.compile(
    r"""(?P<head>@import\s+)(?:"(?P<dq>(?:[^"\\\n]|\\.)*)"|'(?P<sq>(?:[^'\\\n]|\\.)*)')""", re.IGNORECASE
)
_REFRESH = re.compile(r"(?P<delay>\s*[0-9]*(?:\.[0-9]*)?\s*[;,]?\s*)(?P<rest>.*)", re.DOTALL)
_REFRESH_URL = re.compile(r"url\s*=\s*", re.IGNORECASE)
_DOCTYPE = re.compile(r"\A\s*(<!doctype[^>]*>)", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")


@dataclass(frozen=True)
class ReplaySpace:
    """Where archived URLs go: ``{prefix}{timestamp}/{absolute_url}`` on the replay server."""

    timestamp: str
    prefix: str = "/replay/"

    def url(self, value: str, base: str) -> str:
        """``value`` (an attribute or CSS URL, as written) resolved against ``base``, in replay space."""
        cleaned = _TAB_NEWLINE.sub("", value.strip(" \t\n\r\f\x00"))
        if not cleaned or cleaned.startswith("#"):
            return value
        scheme = _SCHEME.match(cleaned)
        if scheme is not None:
            name = scheme.group(1).lower()
            if name in NEUTRALISED_SCHEMES:
                return "#"
            if name not in REPLAYED_SCHEMES:
                return value  # data:, blob:, mailto:, tel:, about: ...
        try:
            absolute = urljoin(base, cleaned)
            replayed = urlsplit(absolute).scheme.lower() in REPLAYED_SCHEMES
        except ValueError:  # "http://[::1": a URL no browser can load either; point it nowhere
            return "#"
        return f"{self.prefix}{self.timestamp}/{absolute}" if replayed else value


def rewrite_srcset(value: str, base: str, space: ReplaySpace) -> str:
    """A ``srcset`` with each candidate's URL in replay space, descriptors kept."""
    return ", ".join(
        f"{space.url(url, base)} {descriptor}".rstrip() for url, descriptor in _srcset_candidates(value)
    )


def rewrite_css(css: str, base: str, space: ReplaySpace) -> str:
    """A stylesheet (or an inline ``style``) with ``url()`` and ``@import`` URLs in replay space."""

    def replace(match: re.Match[str]) -> str:
        quote = '"' if match.group("dq") is not None else "'" if match.group("sq") is not None else ""
        original = match.group("dq") or match.group("sq") or match.groupdict().get("bare") or ""
        if not original:
            return match.group(0)
        rewritten = space.url(original, base)
        if quote:
            rewritten = rewritten.replace(quote, "%22" if quote == '"' else "%27")
        elif any(c in rewritten for c in "()'\" \\"):
            quote, rewritten = '"', rewritten.replace('"', "%22")
        return f"{match.group('head')}{quote}{rewritten}{quote}{match.groupdict().get('tail') or ''}"

    return _CSS_IMPORT.sub(replace, _CSS_URL.sub(replace, css))


def rewrite_refresh(content: str, base: str, space: ReplaySpace) -> str:
    """A ``<meta http-equiv=refresh content="5; url=...">`` value with its URL in replay space."""
    match = _REFRESH.fullmatch(content)
    if match is None or not match.group("rest").strip():
        return content
    rest = match.group("rest")
    prefix = ""
    url_label = _REFRESH_URL.match(rest)
    if url_label is not None:
        prefix, rest = url_label.group(0), rest[url_label.end() :]
    quote = rest[:1] if rest[:1] in ("'", '"') else ""
    url = rest[1:] if quote else rest
    if quote and quote in url:
        url = url[: url.index(quote)]
    return f"{match.group('delay')}{prefix}{quote}{space.url(url.strip(), base)}{quote}"


def rewrite_html(html: str, page_url: str, space: ReplaySpace, *, scripted: bool = False) -> str:
    """An HTML document with every URL attribute, ``<base href>`` (used, then removed), inline
    style, ``<style>`` block and meta refresh in replay space.  Unparseable input comes back as is:
    the sandbox and Content-Security-Policy, not the rewriting, are what keep replay safe.

    ``scripted`` (a view whose scripts run) puts `fetch_shim` first in ``<head>``, before any
    archived script can take a reference to the unpatched ``fetch``."""
    # lxml's parser reads control characters into attributes and text but refuses to set them
    # back; rewriting sees (and the browser gets) the page without them, as text extraction does.
    body = xml_safe(_XML_DECLARATION.sub("", html, count=1))
    if not body.strip():
        return html
    try:
        root = lxml.html.document_fromstring(body)
    except (etree.ParserError, ValueError):
        return html
    _rewrite_tree(root, page_url, space, scripted=scripted)
    doctype = _DOCTYPE.match(body)
    serialised: str = lxml.html.tostring(root, encoding="unicode", method="html")
    return (doctype.group(1) + "\n" if doctype else "") + serialised


def _rewrite_tree(root: lxml.html.HtmlElement, page_url: str, space: ReplaySpace, *, scripted: bool) -> None:
    base = _take_base(root, page_url)
    attribute: Callable[[str], str] = lambda v: space.url(v, base)  # noqa: E731 - local shorthand
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue  # comments, processing instructions
        tag = element.tag.lower()
        if tag == "meta" and _rewrite_meta(element, base, space):
            continue
        for name, value in list(element.attrib.items()):
            lowered = name.lower()
            if lowered in DROPPED_ATTRIBUTES:
                del element.attrib[name]
            elif lowered in URL_ATTRIBUTES:
                element.set(name, attribute(value))
            elif lowered in SRCSET_ATTRIBUTES:
                element.set(name, rewrite_srcset(value, base, space))
            elif lowered == "style":
                element.set(name, rewrite_css(value, base, space))
            elif lowered == "srcdoc":
                element.set(name, rewrite_html(value, base, space, scripted=scripted))
        if tag == "style" and element.text:
            element.text = rewrite_css(element.text, base, space)
    if scripted:
        _insert_shim(root, fetch_shim(base, space.prefix, space.timestamp))


def _insert_shim(root: lxml.html.HtmlElement, source: str) -> None:
    """``<script>source</script>`` as the first element of the document's ``<head>`` (made if missing)."""
    head = root.find("head")
    if head is None:
        head = lxml.html.Element("head")
        root.insert(0, head)
    script = lxml.html.Element("script")
    script.text = source
    head.insert(0, script)


def _take_base(root: lxml.html.HtmlElement, page_url: str) -> str:
    """The document's base URL (the first ``<base href>``); every base href is then removed, since
    the rewritten URLs are absolute and a base left behind would send relative ones elsewhere."""
    base = page_url
    found = False
    for element in root.iter("base"):
        href = element.get("href")
        if href is None:
            continue
        if not found:
            with suppress(ValueError):  # an unparseable base (unclosed IPv6 literal) is no base
                candidate = urljoin(page_url, _TAB_NEWLINE.sub("", href.strip()))
                if urlsplit(candidate).scheme.lower() in REPLAYED_SCHEMES:
                    base = candidate
            found = True
        del element.attrib["href"]
        if not element.attrib:
            element.drop_tree()
    return base


def _rewrite_meta(element: lxml.html.HtmlElement, base: str, space: ReplaySpace) -> bool:
    """Handle ``<meta http-equiv>``; True when the element was removed."""
    equiv = (element.get("http-equiv") or "").strip().lower()
    if equiv in DROPPED_HTTP_EQUIV:
        element.drop_tree()
        return True
    content = element.get("content")
    if equiv == "refresh" and content is not None:
        element.set("content", rewrite_refresh(content, base, space))
    return False


def _srcset_candidates(value: str) -> list[tuple[str, str]]:
    """(url, descriptor) pairs of a srcset, parsed as the HTML standard does (URLs may hold commas)."""
    out: list[tuple[str, str]] = []
    pos, end = 0, len(value)
    while True:
        while pos < end and (value[pos].isspace() or value[pos] == ","):
            pos += 1
        if pos >= end:
            return out
        start = pos
        while pos < end and not value[pos].isspace():
            pos += 1
        url = value[start:pos]
        if url.endswith(","):
            out.append((url.rstrip(","), ""))
            continue
        start, depth = pos, 0
        while pos < end and (value[pos] != "," or depth > 0):
            if value[pos] == "(":
                depth += 1
            elif value[pos] == ")" and depth > 0:
                depth -= 1
            pos += 1
        out.append((url, value[start:pos].strip()))
