"""remove_furniture: generic selectors take widgets, never the element holding the statement."""

from __future__ import annotations

from lxml import html

from archive.text import main_text
from archive.text.furniture import remove_furniture, remove_matching

FURNITURE = ("script", "[class*='share']", "[class*='promo']", "[class*='cookie']", "[class*='related']")
STATEMENT = "The ministry confirms that 101 civilians were killed on 3 May 2026 in the northern district."
MORE = "An independent investigation will report its findings within 30 days, the minister said."


def page(body_class: str = "", holder_class: str = "content") -> str:
    return (
        f"<html><body class='{body_class}'>"
        "<div class='cookie-banner'>We use cookies to improve your visit.</div>"
        f"<div class='{holder_class}'><h1>Statement</h1><p>{STATEMENT}</p><p>{MORE}</p>"
        "<div class='share-bar'>Share on Twitter</div></div>"
        "<aside class='related-posts'><p>Another story about a different topic entirely.</p></aside>"
        "<script>var tracking = 1;</script></body></html>"
    )


def text_after(markup: str) -> str:
    tree = html.document_fromstring(markup)
    remove_furniture(tree, FURNITURE)
    return " ".join(tree.text_content().split())


def test_widgets_are_removed() -> None:
    text = text_after(page())
    assert STATEMENT in text and MORE in text
    for widget in ("We use cookies", "Share on Twitter", "Another story", "tracking"):
        assert widget not in text


def test_the_body_and_the_statement_holder_stay_whatever_their_classes() -> None:
    # WordPress's cookie-notice plugin on <body>; Drupal's "node-promoted" on the article's <div>.
    text = text_after(
        page(body_class="single cookies-not-set has-share-buttons", holder_class="node node-promoted")
    )
    assert STATEMENT in text and MORE in text
    assert "Share on Twitter" not in text and "We use cookies" not in text


def test_an_article_element_is_never_furniture() -> None:
    markup = page().replace("<div class='content'>", "<article class='post category-social-media'>", 1)
    markup = markup.replace("</div><aside", "</article><aside", 1)
    assert STATEMENT in text_after(markup)


def test_the_users_selectors_are_obeyed_as_written() -> None:
    tree = html.document_fromstring(page(holder_class="node node-promoted"))
    remove_matching(tree, ("[class*='promo']",))
    assert STATEMENT not in tree.text_content()


def test_main_text_keeps_the_statement_of_a_page_whose_body_class_says_cookie() -> None:
    payload = page(body_class="cookies-not-set").encode()
    assert STATEMENT in main_text(payload, "text/html", furniture_selectors=FURNITURE)
    assert "We use cookies" not in main_text(payload, "text/html", furniture_selectors=FURNITURE)


def test_a_statement_written_with_line_breaks_is_held_too() -> None:
    # Blogger-style posts: the text sits in a <div> between <br>s, no <p> at all.
    markup = (
        "<html><body><div class='sidebar-share'>Share on Twitter</div>"
        f"<div class='post-body has-share-bar'>{STATEMENT}<br><br>{MORE}<br></div></body></html>"
    )
    text = text_after(markup)
    assert STATEMENT in text and MORE in text
    assert "Share on Twitter" not in text
