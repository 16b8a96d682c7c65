"""Noise: the parts of a page that change on every visit without anyone editing the statement."""

from __future__ import annotations

import re

# Page regions that are never the statement, removed before text extraction on every source.
NOISE_SELECTORS: tuple[str, ...] = (
    "script", "style", "noscript", "template", "iframe", "[hidden]", "[aria-hidden='true']",
    "ins.adsbygoogle", "[id^='google_ads']", "[id^='div-gpt-ad']", "[data-ad]", "[data-ad-slot]", ".ad",
    ".ads",
    "[class*='advert']", "[id*='advert']", "[class*='ad-slot']", "[class*='ad-banner']",
    "[class*='sponsor']", "[class*='promo']", "[class*='related']", "[id*='related']",
    "[class*='recommend']", "[class*='most-read']", "[class*='popular']", "[class*='trending']",
    "[class*='share']", "[class*='social']", "[class*='cookie']", "[class*='newsletter']",
    "[class*='breadcrumb']", "[class*='view-count']", "[class*='counter']",
)  # fmt: skip

TIME = "<time>"
COUNT = "<count>"
TOKEN = "<token>"

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|rsday|urday)?\.?"
_ZONE = r"(?:utc|gmt|z|[ecmpa][sd]t|bst|cet|cest|eet|eest|wet|west|ist|jst|aest|aedt)"
_STAMP_PIECE = (
    rf"(?:\b(?:{_MONTH}|{_WEEKDAY}|at|on|[ap]\.?m\.?|{_ZONE})(?![a-z])|\d+(?:st|nd|rd|th)?\b|[\s:,./+()-])"
)
# "Last updated: 2026-11-25 14:03 UTC", "Page generated on 25 November 2026, 14:03": the stamp
# only, and only after a word that says it is a stamp (a date elsewhere is content).
_STAMP = re.compile(
    rf"\b((?:last\s+)?(?:updated|modified|generated|retrieved|accessed|reviewed|refreshed|fetched|rendered|"
    rf"cached|crawled|printed)\b\s*(?:on|at)?\s*:?\s*)({_STAMP_PIECE}{{1,40}})",
    re.IGNORECASE,
)
_RELATIVE = re.compile(
    r"\b(?:\d+|an?|one|a\s+few|few)\s+(?:sec(?:ond)?s?|min(?:ute)?s?|h(?:ou)?rs?|hours?|days?|weeks?|months?|years?)"
    r"\s+ago\b|\bjust\s+now\b|\bmoments?\s+ago\b",
    re.IGNORECASE,
)
_CLOCK = re.compile(
    r"\b\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[ap]\.?m\b\.?)?|\b\d{1,2}\s*[ap]\.?m\b\.?", re.IGNORECASE
)
# A calendar date: 2026-11-25, 25.11.2026, 25/11/26, 25 November 2026, November 25th, 2026 (with
# an optional weekday before it).
_DATE = re.compile(
    rf"(?:\b{_WEEKDAY},?\s+)?(?:\b\d{{4}}-\d{{1,2}}-\d{{1,2}}\b|\b\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}\b"
    rf"|\b\d{{1,2}}\.?\s+{_MONTH},?\s+\d{{4}}\b|\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b)",
    re.IGNORECASE,
)
_NUMBER = r"(?:\d{1,3}(?:[,.\u202f ]\d{3})+|\d+(?:[.,]\d+)?)(?:[kmb](?![a-z]))?\+?"
_COUNTED = (
    r"(?:views?|page\s*views?|likes?|shares?|comments?|reads?|readers?|visitors?|visits?|hits?|reactions?"
    r"|retweets?|reposts?|replies|reply|clicks?|downloads?|min(?:ute)?s?\s+read|times\s+read|viewers?)"
)
_COUNTER = re.compile(
    rf"\b{_NUMBER}\s*{_COUNTED}\b|\b{_COUNTED}\s*[:(]?\s*{_NUMBER}(?![\d.,])", re.IGNORECASE
)
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)
_HEX = re.compile(r"\b[0-9a-f]{16,}\b", re.IGNORECASE)
_BASE64ISH = re.compile(r"[A-Za-z0-9+/_-]{24,}={0,2}")
_QUERY_NOISE = re.compile(
    r"([?&;](?:v|ver|version|cb|cachebust\w*|bust|_|t|ts|timestamp|rand|rnd|nonce|sid|session\w*|phpsessid"
    r"|jsessionid|token|csrf\w*|utm_\w+|fbclid|gclid)=)[^\s&#\"'<>)]*",
    re.IGNORECASE,
)
_LABELLED_SECRET = re.compile(
    r"\b((?:nonce|csrf[-_ ]?token|session[-_ ]?id|request[-_ ]?id|trace[-_ ]?id|cache[-_ ]?key)"
    r"\s*[:=]\s*)\S+",
    re.IGNORECASE,
)
_COPYRIGHT = re.compile(r"((?:©|\(c\)|copyright)\s*(?:\d{4}\s*-\s*)?)\d{4}", re.IGNORECASE)
_AD_LINE = re.compile(
    r"^(?:advertisement|advertising|advert|ad|ads|sponsored|sponsored\s+content|sponsored\s+links?|promoted"
    r"|paid\s+(?:content|post)|partner\s+content|anzeige|publicit[ée]|werbung)[\s:.\-]*$",
    re.IGNORECASE,
)


def _mask_token(match: re.Match[str]) -> str:
    text = match.group()
    has_digit = any(c.isdigit() for c in text)
    has_alpha = any(c.isalpha() for c in text)
    return TOKEN if has_digit and has_alpha else text


def _mask_stamp(match: re.Match[str]) -> str:
    stamp = match.group(2)
    if not any(c.isdigit() for c in stamp):
        return match.group()
    trailing = stamp[len(stamp.rstrip(" ,.;:()")) :]
    return f"{match.group(1)}{TIME}{trailing}"


def mask(text: str) -> str:
    """``text`` (normalised) with its volatile fragments replaced by placeholders, ad labels dropped.

    Long random tokens (hex, UUIDs, base64), cache-busting and session query parameters are masked
    everywhere: no statement is made of them.  Clock times, stamps after "updated"/"generated"/
    "retrieved"..., relative times, view/like/share/comment counters and copyright years are
    masked only on short, widget-like lines ("Last updated 14:03", "1,204 views"), and so are the
    dates of such a line that also has a clock time ("Tuesday, 14 March 2026 09:41"): inside a
    sentence of the statement ("the curfew starts at 22:00", "3,000 visitors attended") they are
    facts, and changing them is an edit, like any number, name or date of the text.
    """
    masked = (_mask_line(line.strip()) for line in text.split("\n"))
    return "\n".join(line for line in masked if line and not _AD_LINE.match(line))


# A line with more words than this is prose: only tokens are noise there.
WIDGET_LINE_WORDS = 10


def _mask_line(line: str) -> str:
    line = _QUERY_NOISE.sub(rf"\1{TOKEN}", line)
    line = _LABELLED_SECRET.sub(rf"\1{TOKEN}", line)
    line = _UUID.sub(TOKEN, line)
    line = _HEX.sub(_mask_token, line)
    line = _BASE64ISH.sub(_mask_token, line)
    if len(line.split()) > WIDGET_LINE_WORDS:
        return line
    line = _RELATIVE.sub(TIME, line)
    line = _STAMP.sub(_mask_stamp, line)
    line = _COUNTER.sub(COUNT, line)
    clocked = _CLOCK.sub(TIME, line)
    if clocked != line:
        # A widget line with a clock time is a timestamp, and the date on it is part of it
        # ("13.01.2026 | 13:08 Uhr"); a date without a time stays content ("Published 3 May").
        clocked = _DATE.sub(TIME, clocked)
    return _COPYRIGHT.sub(rf"\1{TIME}", clocked)
