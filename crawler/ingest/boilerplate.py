"""Telling an article's main content from the page furniture around it (navigation, share bars...)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml.html import HtmlElement

# Elements that are page furniture by definition.
BOILERPLATE_TAGS = frozenset(
    {"nav", "header", "footer", "aside", "form", "button", "menu", "dialog", "select"}
)
BOILERPLATE_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar", "dialog", "toolbar"}
)
# Whole words of a class or id that name furniture. Matched per word so "shared" or "commentary"
# (which can be content) do not count, while "post-comments" and "social-share" do.
BOILERPLATE_WORDS = frozenset(
    {
        "nav",
        "navbar",
        "navigation",
        "menu",
        "breadcrumb",
        "breadcrumbs",
        "share",
        "sharing",
        "sharebar",
        "social",
        "related",
        "recommended",
        "recommendations",
        "recirculation",
        "trending",
        "popular",
        "newsletter",
        "subscribe",
        "subscription",
        "signup",
        "comment",
        "comments",
        "disqus",
        "sidebar",
        "cookie",
        "cookies",
        "consent",
        "gdpr",
        "ad",
        "ads",
        "advert",
        "advertisement",
        "sponsor",
        "sponsored",
        "promo",
        "outbrain",
        "taboola",
        "tags",
        "taglist",
        "author",
        "bio",
        "byline",
        "footer",
        "header",
        "masthead",
        "pagination",
        "pager",
        "skip",
        "toolbar",
        "popup",
        "modal",
    }
)
CONTENT_TAGS = frozenset({"article", "main"})
_CONTENT_CLASS = re.compile(
    r"^(?:(?:entry|post|article|story|content|main|page|news|blog)[-_]{0,2}(?:content|body|text)"
    r"|articlebody|storybody|article__body|story__body|c-article-body|body-copy)$"
)
_WORD = re.compile(r"[a-z0-9]+")
# Text nodes longer than this stop counting: they say "this is prose", more is no more telling.
_TEXT_SCORE_CAP = 10_000


def is_boilerplate(element: HtmlElement) -> bool:
    """True when the element's tag, role, class or id says it is navigation or other page furniture."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in {"html", "body"}:
        return False
    if tag in BOILERPLATE_TAGS:
        return True
    role = (element.get("role") or "").strip().lower()
    if role in BOILERPLATE_ROLES:
        return True
    if (element.get("aria-hidden") or "").lower() == "true" or element.get("hidden") is not None:
        return True
    names = f"{element.get('class') or ''} {element.get('id') or ''}"[:1000].lower()
    return any(word in BOILERPLATE_WORDS for word in _WORD.findall(names))


def content_elements(root: HtmlElement) -> Iterator[HtmlElement]:
    """Every element under ``root`` (itself included) in document order, skipping furniture subtrees."""
    stack = [root]
    while stack:
        element = stack.pop()
        if not isinstance(element.tag, str):
            continue
        yield element
        stack.extend(reversed([c for c in element if isinstance(c.tag, str) and not is_boilerplate(c)]))


def main_content(document: HtmlElement) -> HtmlElement:
    """The element holding the article itself.

    Prefers explicit markers (``<article>``, ``<main>``, ``role=main``, ``itemprop=articleBody``,
    classes like ``entry-content``), choosing among them by paragraph text and descending to the most
    specific one that still holds most of it; without markers, the element with the most paragraph
    text directly inside it.
    """
    body = document.find("body")
    root = body if body is not None else document
    scores: dict[HtmlElement, int] = {}
    direct: dict[HtmlElement, int] = {}
    candidates: list[HtmlElement] = []
    for element in content_elements(root):
        if element is not root and _is_content_marker(element):
            candidates.append(element)
        if element.tag != "p":
            continue
        length = min(len(element.text_content().strip()), _TEXT_SCORE_CAP)
        parent = element.getparent()
        if parent is not None:
            direct[parent] = direct.get(parent, 0) + length
        for ancestor in element.iterancestors():
            scores[ancestor] = scores.get(ancestor, 0) + length
    best_direct = max(direct, key=lambda e: direct[e], default=None)
    scored = [c for c in candidates if scores.get(c, 0) > 0]
    if not scored:
        return best_direct if best_direct is not None else root
    top = max(scores[c] for c in scored)
    chosen = max((c for c in scored if scores[c] == top), key=_depth)
    # Descend to a more specific marker inside (e.g. <main> -> <article> -> articleBody) that holds
    # most of the text: what is left outside it is usually furniture no class told us about.
    for candidate in sorted(scored, key=_depth):
        holds_most = scores[candidate] >= 0.8 * top
        if holds_most and _depth(candidate) > _depth(chosen) and _inside(candidate, chosen):
            chosen = candidate
    # A teaser marked <article> beside an unmarked story: trust the paragraphs.
    if best_direct is not None and direct[best_direct] > 2 * top and not _inside(best_direct, chosen):
        return best_direct
    return chosen


def _is_content_marker(element: HtmlElement) -> bool:
    if element.tag in CONTENT_TAGS:
        return True
    if (element.get("role") or "").lower() == "main":
        return True
    if (element.get("itemprop") or "").lower() == "articlebody":
        return True
    return any(_CONTENT_CLASS.match(name) for name in (element.get("class") or "")[:1000].lower().split())


def _depth(element: HtmlElement) -> int:
    return sum(1 for _ in element.iterancestors())


def _inside(element: HtmlElement, ancestor: HtmlElement) -> bool:
    return any(a is ancestor for a in element.iterancestors())
