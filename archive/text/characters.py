"""Characters that must not travel further: what XML 1.0 (and so lxml) forbids in text.

A server can send any byte. Decoded, some of them become characters that lxml refuses to put in a
tree ("All strings must be XML compatible"), that make an Atom feed ill-formed, or that no reader
can see: C0 controls other than tab, line feed and carriage return, lone surrogates, U+FFFE and
U+FFFF. Browsers render none of them, so removing them changes nothing a reader sees.

The same functions clean text on its way out of the program (the Atom feed, the JSON API, the
command line's JSON, alert messages, the HTML pages), so no title or label an article brought in
can make a feed ill-formed or an alert misleading.
"""

from __future__ import annotations

import re
from typing import Any

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def has_forbidden(text: str) -> bool:
    """Whether ``text`` holds a character XML 1.0 forbids."""
    return _FORBIDDEN.search(text) is not None


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (see the module docstring)."""
    return _FORBIDDEN.sub("", text)


# Bidirectional embeddings, overrides and isolates: U+202E turns "txt.exe" into what reads as
# "exe.txt", and a title holding one reorders the text around it on a page or in an alert.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# C1 controls and DEL: XML allows them, but some terminals act on them (U+009B starts a command).
_C1_CONTROLS = re.compile("[\x7f-\x9f]")


def inert(text: str) -> str:
    """``text`` for a person to read: XML-safe, without C1 controls, and with every bidirectional
    control shown as a visible mark (``[U+202E]``) instead of reordering what follows it."""
    text = _C1_CONTROLS.sub("", xml_safe(text))
    return _BIDI_CONTROLS.sub(lambda match: f"[U+{ord(match.group()):04X}]", text)


def xml_safe_data(value: Any) -> Any:
    """``value`` (strings, lists, tuples and dicts of them, as JSON has) with `xml_safe` applied to
    every string in it, keys included; other values are returned as they are."""
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, dict):
        return {xml_safe_data(key): xml_safe_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(xml_safe_data(item) for item in value)
    return value
