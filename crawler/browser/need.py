"""Does a page need a browser?  Two looks: a cheap one at the HTTP capture, and a comparison with
what a first browser visit rendered.

`http_signs` reads the HTTP payload: a page whose main text is (nearly) empty but which ships
scripts, or whose ``<noscript>`` asks for JavaScript, is a candidate.  Only candidates are
visited with the browser (a server-rendered page costs no browser time); `decide` then keeps the
browser when the rendered text is much longer than the HTTP text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree, html

from archive.text.extract import main_text
from archive.text.mediatype import essence_of

# Main text shorter than this (in words) is "nearly empty": a shell's title, a loading message.
NEARLY_EMPTY_WORDS = 25
# A rendered page whose text has this many times the HTTP text's words, and at least
# RENDERED_MORE_WORDS more of them, needs the browser.
RENDERED_FACTOR = 2.0
RENDERED_MORE_WORDS = 20
# Scripts written without spaces between words: two characters count as a word.
_UNSPACED = re.compile(
    "[\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff]"  # CJK ideographs
)
# An application's mount point left empty in the HTML: the page is built by its scripts.
_EMPTY_MOUNTS = (
    "//*[@id='root' or @id='app' or @id='__next' or @id='__nuxt' or @id='svelte' or @ng-version"
    " or @data-reactroot or local-name()='app-root'][not(normalize-space())]"
)
# A shell with this much server-rendered furniture (cookie banner, header, footer) around an empty
# mount point is still a shell.
SHELL_WORDS = 150
_ASKS_FOR_JS = re.compile(r"\b(?:java\s*script|enable\s+js|\bjs\b)", re.IGNORECASE)
_HTML_TYPES = ("text/html", "application/xhtml+xml", "")
MAX_SCAN_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Signs:
    """What the HTTP capture says: ``candidate`` (worth a browser visit) and why, and its words."""

    candidate: bool
    reason: str
    http_words: int


def http_signs(payload: bytes | None, content_type: str | None, *, url: str | None = None) -> Signs:
    """Whether an HTTP capture looks like a page that is only complete with JavaScript."""
    if not payload or essence_of(content_type) not in _HTML_TYPES:
        return Signs(False, "not an HTML page", 0)
    words = count_words(main_text(payload, content_type, url=url))
    try:
        tree = html.document_fromstring(payload[:MAX_SCAN_BYTES])
    except (etree.ParserError, ValueError):
        return Signs(False, "the page could not be parsed", words)
    scripts = len(tree.xpath("//script"))
    noscript = " ".join(" ".join(n.text_content().split()) for n in tree.xpath("//noscript"))
    if noscript and _ASKS_FOR_JS.search(noscript):
        return Signs(True, f"its <noscript> asks for JavaScript ({noscript[:80]!r})", words)
    if words < NEARLY_EMPTY_WORDS and scripts:
        reason = f"its main text is nearly empty ({_words(words)}) but it ships {scripts} script(s)"
        return Signs(True, reason, words)
    mounts = tree.xpath(_EMPTY_MOUNTS)
    if mounts and scripts and words < SHELL_WORDS:
        mount = mounts[0]
        name = f"#{mount.get('id')}" if mount.get("id") else f"<{mount.tag}>"
        return Signs(True, f"its application root {name} is empty and it ships {scripts} script(s)", words)
    return Signs(False, f"server-rendered: {_words(words)} of main text without a browser", words)


def _words(n: int) -> str:
    return f"{n} word" if n == 1 else f"{n} words"


def decide(signs: Signs, rendered_words: int) -> tuple[str, str]:
    """(mode, reason) after a browser visit: browser when the rendered text is much longer."""
    more = rendered_words - signs.http_words
    if rendered_words >= signs.http_words * RENDERED_FACTOR and more >= RENDERED_MORE_WORDS:
        return "browser", (
            f"{signs.reason}; the browser rendered {_words(rendered_words)} of main text, "
            f"against {signs.http_words} over HTTP"
        )
    return "http", (
        f"{signs.reason}, but the browser rendered no more text ({_words(rendered_words)} against "
        f"{signs.http_words} over HTTP)"
    )


def rendered_words(dom: str | None, *, url: str | None = None) -> int:
    """Words of main text in a rendered DOM (the same extraction as change detection's)."""
    if not dom:
        return 0
    return count_words(main_text(dom.encode("utf-8", "replace"), "text/html; charset=utf-8", url=url))


def count_words(text: str) -> int:
    """Words of ``text``: spaced words, and for scripts written without spaces (Chinese, Japanese,
    Thai…) two characters to a word, so such a page is not taken for an empty one."""
    unspaced = len(_UNSPACED.findall(text))
    if not unspaced:
        return len(text.split())
    return len(_UNSPACED.sub(" ", text).split()) + unspaced // 2
