"""Deterministic news-like HTML pages for the crawl benchmark: ~20 kB of prose, not a tiny stub.

A capture's cost depends on the page: parsing, text extraction and hashing all scale with it, so the
benchmark serves pages shaped like the articles a citation points to (site header and menu, a headline,
a byline, ~20 paragraphs of sentences with names, numbers and dates, subheads, a related-links box, a
footer), each one different, generated from a seed so every run serves the same bytes.
"""

from __future__ import annotations

import html
import random


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Plain English words, enough that paragraphs do not repeat and text extraction sees real sentences.
_WORDS = _words(
    """
the ministry said council report officials city week plan would according government minister
public health new two three people year since water district residents local budget school
schools police court judge ruling appeal decision board members vote election campaign party
leader leaders spokesperson statement press conference announced confirmed denied proposed
approved rejected delayed expected funding million billion percent rate increase decrease
housing rent prices market workers union strike agreement talks negotiations contract hospital
patients doctors nurses emergency services fire flood storm coastal evacuation road bridge rail
transport trains buses airport flights climate energy power plant gas oil wind solar grid
electricity bills households families children students teachers university research study
scientists data survey results show found analysis experts warned risk safety inspection
investigation inquiry committee hearing evidence documents records request information law bill
parliament senate mayor governor office staff department agency federal regional national
international trade exports imports tariffs economy growth inflation jobs unemployment business
companies company firm shares investors bank loans interest tax taxes revenue spending cuts
program programme project construction site permit planning environment river forest park
land farmers crops harvest drought summer winter spring autumn morning evening night monday
tuesday wednesday thursday friday saturday sunday january february march april may june july
august september october november december early late last next first second final official
independent senior former current long short small large major minor key critical significant
recent previous further additional several many most some few more less about after before
during while because although however meanwhile later earlier still already also only even
"""
)
_NAMES = _words(
    """
Alvarez Baker Chen Dubois Eriksen Fischer Garcia Haddad Ivanova Jensen Kowalski Lindqvist Moreau
Nakamura Okafor Petrov Quinn Rossi Santos Tanaka Ueda Varga Weber Xu Yilmaz Zhang
"""
)
_PLACES = _words(
    """
Northfield Riverside Eastbrook Westhaven Southport Lakewood Hillcrest Ashford Brookline Cedarville
Dunmore Elmstead Fairview Glenwood Harbourside Ironbridge
"""
)
_SECTIONS = ("News", "Politics", "Business", "Health", "Environment", "Education", "Transport", "Opinion")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September")


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(9, 26))]
    # Names, places and numbers are what a real article's sentences carry (and what edits change).
    if rng.random() < 0.5:
        words.insert(rng.randrange(len(words)), f"{rng.choice(_NAMES)}")
    if rng.random() < 0.4:
        words.insert(rng.randrange(len(words)), f"in {rng.choice(_PLACES)}")
    if rng.random() < 0.35:
        words.insert(rng.randrange(len(words)), f"{rng.randint(2, 9_800):,}")
    if rng.random() < 0.15:
        words.insert(rng.randrange(len(words)), f"on {rng.randint(1, 28)} {rng.choice(_MONTHS)}")
    text = " ".join(words)
    if rng.random() < 0.2:
        cut = rng.randrange(3, len(words) - 2)
        text = " ".join(words[:cut]) + ", " + " ".join(words[cut:])
    return text[0].upper() + text[1:] + rng.choice("....?")


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(3, 7)))


def page_html(site_name: str, path_of: list[str], n: int, seed: int, target_bytes: int = 20_000) -> bytes:
    """Page ``n`` of a site whose pages live at ``path_of`` (for the menu and related links).

    The result is deterministic for (``site_name``, ``n``, ``seed``) and at least ``target_bytes`` long
    (paragraphs are added until it is, so it ends a little over).
    """
    rng = random.Random(f"{seed}/{site_name}/{n}")
    section = rng.choice(_SECTIONS)
    headline = _sentence(rng).rstrip(".?")
    author = f"{rng.choice(('Anna', 'Ben', 'Chloe', 'David', 'Elena', 'Farid'))} {rng.choice(_NAMES)}"
    date = f"2026-{rng.randint(1, 9):02d}-{rng.randint(1, 28):02d}"
    menu = "\n".join(f'<li><a href="/section/{s.lower()}">{s}</a></li>' for s in _SECTIONS)
    related = "\n".join(
        f'<li><a href="{path_of[k]}">{html.escape(_sentence(rng)[:70])}</a></li>'
        for k in rng.sample(range(len(path_of)), min(5, len(path_of)))
    )
    head = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(headline)} | {site_name}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="description" content="{html.escape(_sentence(rng))}">\n'
        f'<meta property="og:title" content="{html.escape(headline)}">\n'
        '<link rel="stylesheet" href="/static/site.css">\n</head>\n<body>\n'
        f'<header class="site-header"><a class="logo" href="/">{site_name}</a>\n'
        f'<nav class="main-menu"><ul>\n{menu}\n</ul></nav></header>\n'
        '<main>\n<article class="story">\n'
        f'<p class="kicker">{section}</p>\n<h1>{html.escape(headline)}</h1>\n'
        f'<p class="byline">By {author} · <time datetime="{date}">{date}</time></p>\n'
        f'<figure><img src="/static/photo-{n}.jpg" alt="{html.escape(_sentence(rng)[:60])}">'
        f"<figcaption>{html.escape(_sentence(rng))}</figcaption></figure>\n"
    )
    tail = (
        "</article>\n"
        f'<aside class="related"><h2>Related</h2><ul>\n{related}\n</ul></aside>\n</main>\n'
        f'<footer class="site-footer"><p>© 2026 {site_name}. All rights reserved.</p>\n'
        '<p><a href="/about">About us</a> · <a href="/contact">Contact</a> · '
        '<a href="/privacy">Privacy</a></p></footer>\n'
        '<script src="/static/app.js" defer></script>\n</body>\n</html>\n'
    )
    parts: list[str] = []
    size = len(head) + len(tail)
    while size < target_bytes:
        if parts and rng.random() < 0.12:
            block = f"<h2>{html.escape(_sentence(rng).rstrip('.?'))}</h2>\n"
        else:
            block = f"<p>{html.escape(_paragraph(rng))}</p>\n"
        parts.append(block)
        size += len(block)
    return (head + "".join(parts) + tail).encode("utf-8")
