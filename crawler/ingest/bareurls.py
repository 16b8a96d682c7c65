"""URLs written out in running text, with the punctuation around them left behind."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Anything up to whitespace, angle brackets, straight/curly double quotes, guillemets or CJK punctuation.
_URL_BODY = r"[^\s<>\"“”«»`，。、；：！？（）【】「」]+"
_BARE_URL = re.compile(
    r"(?<![\w@.:/-])(?:https?://" + _URL_BODY + r"|www\.[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
    r"(?:[/?#:]" + _URL_BODY + r")?)",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?*'’‘…"
_PAIRS = {")": "(", "]": "[", "}": "{"}


@dataclass(frozen=True)
class BareUrl:
    """A URL found in text: its span in the text and the URL as it should be fetched."""

    start: int
    end: int
    url: str


def find_bare_urls(text: str) -> Iterator[BareUrl]:
    """Yield the http(s) and ``www.`` URLs written in ``text``, in order.

    Trailing sentence punctuation and closing brackets that do not close a bracket opened inside
    the URL are not part of it: "(see https://x.org/a_(b))." yields ``https://x.org/a_(b)``.
    """
    for match in _BARE_URL.finditer(text):
        raw = _trim(match.group())
        if not raw or raw.lower() in {"http://", "https://"}:
            continue
        url = raw if raw[:4].lower() == "http" else "http://" + raw
        yield BareUrl(match.start(), match.start() + len(raw), url)


def _trim(url: str) -> str:
    while url:
        last = url[-1]
        if last in _TRAILING or (last in _PAIRS and url.count(last) > url.count(_PAIRS[last])):
            url = url[:-1]
        else:
            break
    return url
