"""Characters that must not travel further: what XML 1.0 (and so lxml) forbids in text.

A server can send any byte. Decoded, some of them become characters that lxml refuses to put in a
tree ("All strings must be XML compatible"), that make an Atom feed ill-formed, or that no reader
can see: C0 controls other than tab, line feed and carriage return, lone surrogates, U+FFFE and
U+FFFF. Browsers render none of them, so removing them changes nothing a reader sees.
"""

from __future__ import annotations

import re

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def has_forbidden(text: str) -> bool:
    """Whether ``text`` holds a character XML 1.0 forbids."""
    return _FORBIDDEN.search(text) is not None


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (see the module docstring)."""
    return _FORBIDDEN.sub("", text)
