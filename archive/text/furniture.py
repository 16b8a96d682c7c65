"""Removing elements by CSS selector before text extraction: the user's, and generic page furniture.

A user's selector for a source is obeyed as written. Generic furniture selectors (ads, share
bars, cookie banners, "related" boxes) match class names by substring, as they must to catch
``c-newsletter_signup_box`` or ``sharedaddy``; but real pages put such words on the elements that
hold the statement itself: WordPress writes ``cookies-not-set`` on ``<body>`` and
``category-social-media`` or ``enable-pin-share`` on the ``<article>``, Squarespace lists
``tweak-show-social-in-header`` on ``<body>``. So a furniture match is removed only if it is not the
page's ``body``, ``main`` or ``article`` and holds at most half of the page's paragraph text:
furniture sits beside the statement, never around it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from cssselect import SelectorError
from lxml import etree, html
from lxml.cssselect import CSSSelector

_log = logging.getLogger(__name__)

# Share of the page's paragraph text (<p>, or all text on a page without paragraphs) beyond which
# an element is the statement's container, not furniture.
MAX_FURNITURE_SHARE = 0.5
# Elements that say by their tag that they are the page's content; their classes describe the
# page ("enable-pin-share", "category-social-media"), not a widget.
_NEVER_FURNITURE = frozenset({"html", "body", "main", "article"})


def _matches(tree: html.HtmlElement, selector: str) -> list[html.HtmlElement]:
    try:
        found: list[html.HtmlElement] = CSSSelector(selector)(tree)
    except (SelectorError, etree.XPathError) as error:
        _log.warning("ignored invalid CSS selector %r: %s", selector, error)
        return []
    return found


def remove_matching(tree: html.HtmlElement, selectors: Sequence[str]) -> None:
    """Remove every element matching one of ``selectors`` (invalid selectors are logged, skipped)."""
    for selector in selectors:
        for element in _matches(tree, selector):
            if element.getparent() is not None:
                element.drop_tree()


def _paragraph_text(element: html.HtmlElement) -> int:
    return sum(len(" ".join(p.text_content().split())) for p in element.iter("p"))


def _text(element: html.HtmlElement) -> int:
    return len(" ".join(element.text_content().split()))


def remove_furniture(tree: html.HtmlElement, selectors: Sequence[str]) -> None:
    """Remove the elements matching the generic furniture ``selectors``, except the page's body,
    main and article elements and any element holding more than half of the page's paragraph
    text (see the module docstring).

    Selectors are applied in order, so the first ones (``script``, ``style``) are gone before the
    text shares of the later matches are measured.
    """
    total: int | None = None
    measure = _paragraph_text
    for selector in selectors:
        for element in _matches(tree, selector):
            if element.getparent() is None or element.tag in _NEVER_FURNITURE:
                continue
            if element.tag not in ("script", "style"):
                if total is None:
                    total = _paragraph_text(tree)
                    if total == 0:
                        measure, total = _text, _text(tree)
                if total and measure(element) > MAX_FURNITURE_SHARE * total:
                    continue
            element.drop_tree()
