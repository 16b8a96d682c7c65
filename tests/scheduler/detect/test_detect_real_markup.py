"""detect() on markup patterns found on real pages (the real-world set, tests/fixtures/realworld):
page classes that look like furniture, a time inside a sentence, timestamp widgets, GPT ad slots."""

from __future__ import annotations

import hashlib

import pytest

from scheduler.detect import Observation, Verdict, detect

URL = "https://blog.example.de/2019/02/statement"
PARAGRAPHS = (
    "Die Stiftung veranstaltet am Samstag, 31. Januar 2015, zwischen 10:00 und 17:00 Uhr im Rathaus ihre "
    "diesjährige Jahrestagung mit digitalpolitischem Schwerpunkt.",
    "Der Vorstand hat beschlossen, die Beiträge für das kommende Jahr nicht zu erhöhen, obwohl die Kosten "
    "für Miete und Personal deutlich gestiegen sind.",
    "Mehr als 400 Mitglieder haben an der Abstimmung teilgenommen, die Beteiligung war so hoch wie nie.",
)


def observation(body: str) -> Observation:
    payload = body.encode()
    return Observation(
        URL, 200, URL, (), "sha1:" + hashlib.sha1(payload).hexdigest(), "text/html", payload, None
    )


def judge(before: str, after: str) -> Verdict:
    return detect(observation(before), observation(after), previous_state="live", consecutive_failures=0)


def wordpress(
    paragraphs: tuple[str, ...], *, body_class: str, article_class: str, views: str = "1,204"
) -> str:
    text = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>Jahrestagung</title></head><body class='{body_class}'>"
        "<header><nav><a href='/'>Start</a> <a href='/blog'>Blog</a></nav></header>"
        f"<article class='{article_class}'><h1>Jahrestagung 2015</h1>"
        f"<div class='post-meta'><span class='post-views'>{views} views</span></div>"
        f"<div class='entry-content'>{text}</div>"
        "<div class='sharedaddy'>Teilen: <a href='#'>Twitter</a> <a href='#'>Facebook</a></div></article>"
        "<footer>Impressum</footer></body></html>"
    )


@pytest.mark.parametrize(
    ("body_class", "article_class"),
    [
        # The WordPress cookie-notice plugin marks <body>; post_class() lists the post's categories.
        ("post-template-default single cookies-not-set", "post type-post hentry"),
        ("single", "post type-post hentry category-social-media tag-advertising"),
        ("single", "full-content enable-pin-share post type-post"),
        ("tweak-show-social-in-header newsletter-style-dark tweak-share-buttons-style-icon-only", "post"),
    ],
)
def test_an_edit_is_reported_whatever_the_page_classes_say(body_class: str, article_class: str) -> None:
    before = wordpress(PARAGRAPHS, body_class=body_class, article_class=article_class)
    edited = (PARAGRAPHS[0], PARAGRAPHS[1].replace("nicht zu erhöhen", "zu erhöhen"), PARAGRAPHS[2])

    assert (
        judge(before, wordpress(edited, body_class=body_class, article_class=article_class)).kind == "edited"
    )
    removed = judge(before, wordpress(PARAGRAPHS[:2], body_class=body_class, article_class=article_class))
    assert removed.kind == "edited"
    assert any("400 Mitglieder" in passage for passage in removed.removed)


def drupal(paragraphs: tuple[str, ...]) -> str:
    # Drupal 7 writes "node-promoted" on the article's node <div>; no <article> element around it.
    text = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        "<html><body><div id='header'><a href='/'>Start</a> <a href='/blog'>Blog</a></div>"
        "<div class='node node-blog node-promoted clearfix'><h2>Jahrestagung</h2>"
        f"<div class='content'><div class='field-item'>{text}</div></div></div>"
        "<div class='block-promo'>Newsletter abonnieren und nichts verpassen</div></body></html>"
    )


def test_an_edit_inside_a_promoted_node_is_reported() -> None:
    verdict = judge(drupal(PARAGRAPHS), drupal((PARAGRAPHS[0], PARAGRAPHS[2])))
    assert verdict.kind == "edited"
    assert any("Beiträge für das kommende Jahr" in passage for passage in verdict.removed)


def test_a_changed_time_inside_a_sentence_is_the_edit_shown() -> None:
    before = wordpress(PARAGRAPHS, body_class="single", article_class="post", views="107,984")
    edited = (PARAGRAPHS[0].replace("17:00", "13:00"), *PARAGRAPHS[1:])
    verdict = judge(before, wordpress(edited, body_class="single", article_class="post", views="142,969"))
    assert verdict.kind == "edited"
    assert any("[-17:00-]" in passage for passage in verdict.removed), verdict.removed
    assert any("{+13:00+}" in passage for passage in verdict.added), verdict.added


def news(clock: str, ad: str) -> str:
    text = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        f"<html><body><div class='header-date'>{clock}</div><nav><a href='/'>Start</a></nav>"
        f"<div class='story'><h1>Jahrestagung</h1><p>{PARAGRAPHS[0]}</p>"
        f"<div id='div-gpt-ad-1571234-0' class='adunit'><p>{ad}</p></div>{text}</div></body></html>"
    )


def test_a_timestamp_widget_and_a_rotating_gpt_ad_are_noise() -> None:
    before = news(
        "13.01.2026 | 13:08 Uhr", "Learn a new language in just 15 minutes a day with the award-winning app."
    )
    after = news("10.06.2024 | 06:25 Uhr", "Hearing aids that nobody notices: try them at home for 30 days.")
    verdict = judge(before, after)
    assert verdict.kind is None, verdict
