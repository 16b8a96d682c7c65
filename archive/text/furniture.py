"""Removing elements by CSS selector before text extraction: the user's, and generic page furniture.

A user's selector for a source is obeyed as written. Generic furniture selectors (ads, share
bars, cookie banners, "related" boxes) match class names by substring, as they must to catch
``c-newsletter_signup_box`` or ``sharedaddy``; but real pages put such words on the elements that
hold the statement itself: WordPress writes ``cookies-not-set`` on ``<body>`` and
``category-social-media`` or ``enable-pin-share`` on the ``<article>``, Squarespace lists
``tweak-show-social-in-header`` on ``<body>``. So a furniture match is removed only if it is not the
page's ``body``, ``main`` or ``article``, nor the element that holds the page's running text (the
one with the most paragraph text of its own), nor one of that element's ancestors: furniture sits
beside the statement, never around it. (A share of the page's text would not do as the test: an
edit that shortens the article can tip it under any threshold, and the page's whole text would
change with it.)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache

from cssselect import SelectorError
from lxml import etree, html
from lxml.cssselect import CSSSelector

_log = logging.getLogger(__name__)

# Elements that say by their tag that they are the page's content; their classes describe the
# page ("enable-pin-share", "category-social-media"), not a widget.
_NEVER_FURNITURE = frozenset({"html", "body", "main", "article"})


@lru_cache(maxsize=512)
def _compiled(selector: str) -> CSSSelector | None:
    # Compiling (CSS to XPath) costs more than running it: every page uses the same selectors.
    try:
        return CSSSelector(selector)
    except (SelectorError, etree.XPathError) as error:
        _log.warning("ignored invalid CSS selector %r: %s", selector, error)
        return None


def _matches(tree: html.HtmlElement, selector: str) -> list[html.HtmlElement]:
    compiled = _compiled(selector)
    if compiled is None:
        return []
    try:
        found: list[html.HtmlElement] = compiled(tree)
    except etree.XPathError as error:
        _log.warning("ignored CSS selector %r: %s", selector, error)
        return []
    return found


def remove_matching(tree: html.HtmlElement, selectors: Sequence[str]) -> None:
    """Remove every element matching one of ``selectors`` (invalid selectors are logged, skipped)."""
    for selector in selectors:
        for element in _matches(tree, selector):
            if element.getparent() is not None:
                element.drop_tree()


def _length(text: str | None) -> int:
    return len(text.strip()) if text else 0


def _statement_holder(tree: html.HtmlElement) -> html.HtmlElement | None:
    """The element that holds the page's running text: the one with the most text in its own
    paragraphs (``<p>`` children) and, on pages written with ``<br>`` line breaks, in its own
    text nodes."""
    weights: dict[html.HtmlElement, int] = {}
    for element in tree.iter("p", "br"):
        parent = element.getparent()
        if parent is None:
            continue
        if element.tag == "p":
            weights[parent] = weights.get(parent, 0) + len(" ".join(element.text_content().split()))
        elif parent not in weights and parent.tag != "p":
            weights[parent] = _length(parent.text) + sum(_length(child.tail) for child in parent)
    return max(weights, key=lambda element: weights[element]) if weights else None


def remove_furniture(tree: html.HtmlElement, selectors: Sequence[str]) -> None:
    """Remove the elements matching the generic furniture ``selectors``, except the page's body,
    main and article elements and the element that holds the page's running text with all its
    ancestors (see the module docstring)."""
    protected: set[html.HtmlElement] | None = None
    for selector in selectors:
        for element in _matches(tree, selector):
            if element.getparent() is None or element.tag in _NEVER_FURNITURE:
                continue
            if element.tag not in ("script", "style"):
                if protected is None:
                    # Measured once, after scripts and styles (the first selectors) are gone.
                    holder = _statement_holder(tree)
                    protected = set() if holder is None else {holder, *holder.iterancestors()}
                if element in protected:
                    continue
            element.drop_tree()
