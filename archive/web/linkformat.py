"""Web links as RFC 8288 writes them: the ``Link`` header and ``application/link-format`` (RFC 6690),
the syntax of Memento TimeMaps and of the ``Link`` headers on TimeGates and mementos (RFC 7089).

Writing is the part we serve; parsing is here so tests (and a Memento client of ours) read links back
with the same rules.  A target URI goes between ``<`` and ``>`` percent-encoded where a URI may not hold
the character (spaces, quotes, angle brackets, non-ASCII), never otherwise, so ``;`` and ``,`` stay as
captured.  Every parameter value is a quoted-string: a datetime holds a comma, and quoting all of them
keeps one rule for the reader.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import quote

from archive.web.errors import MalformedLinks

# RFC 3986 reserved and unreserved characters, and '%' so existing escapes stay as they are.
_URI_SAFE = ":/?#[]@!$&'()*+,;=%~-._"
_SPACE = " \t\r\n"


@dataclass(frozen=True)
class Link:
    """One link: its target URI and its parameters in order (``rel``, ``datetime``, ``type``, ...)."""

    uri: str
    params: tuple[tuple[str, str], ...] = ()

    @property
    def rels(self) -> tuple[str, ...]:
        """The relation types of ``rel`` (a space-separated list), lower-cased."""
        return tuple(r.lower() for r in (self.param("rel") or "").split())

    def param(self, name: str) -> str | None:
        """The value of the first parameter ``name`` (case-insensitive), or None."""
        lowered = name.lower()
        return next((value for key, value in self.params if key.lower() == lowered), None)


def link_uri(uri: str) -> str:
    """``uri`` as it may stand between ``<`` and ``>`` (and in a ``Location`` header)."""
    return quote(uri, safe=_URI_SAFE)


def format_link(link: Link) -> str:
    """``<uri>; name="value"; ...`` (no space before ``;``: some readers take it as part of the URI)."""
    params = "".join(f'; {name}="{_escaped(value)}"' for name, value in link.params)
    return f"<{link_uri(link.uri)}>{params}"


def format_links(links: Iterable[Link], separator: str = ", ") -> str:
    """A ``Link`` header value (``separator`` ``",\\n"`` for a link-format document)."""
    return separator.join(format_link(link) for link in links)


def parse_links(text: str) -> list[Link]:
    """The links of a ``Link`` header value or a link-format document; `MalformedLinks` when ``text``
    is not one (a missing ``>``, an unterminated quoted string, a parameter without a name)."""
    return list(_Parser(text).links())


def _escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


class _Parser:
    """A small recursive-descent reader of RFC 8288 §3 link-values, separated by commas."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._at = 0

    def links(self) -> Iterator[Link]:
        self._skip()
        while self._at < len(self._text):
            yield self._link()
            self._skip()
            if self._at < len(self._text):
                self._expect(",")
                self._skip()

    def _link(self) -> Link:
        self._expect("<")
        end = self._text.find(">", self._at)
        if end < 0:
            raise MalformedLinks(self._text, self._at, "a target URI without its closing '>'")
        uri, self._at = self._text[self._at : end], end + 1
        params: list[tuple[str, str]] = []
        self._skip()
        while self._peek() == ";":
            self._at += 1
            self._skip()
            params.append(self._param())
            self._skip()
        return Link(uri, tuple(params))

    def _param(self) -> tuple[str, str]:
        start = self._at
        while self._at < len(self._text) and self._text[self._at] not in '=;,"<>' + _SPACE:
            self._at += 1
        name = self._text[start : self._at]
        if not name:
            raise MalformedLinks(self._text, start, "a parameter without a name")
        self._skip()
        if self._peek() != "=":
            return name.lower(), ""  # a bare parameter (RFC 8288 allows ``; crossorigin``)
        self._at += 1
        self._skip()
        return name.lower(), self._quoted() if self._peek() == '"' else self._token()

    def _quoted(self) -> str:
        self._at += 1
        out: list[str] = []
        while self._at < len(self._text):
            char = self._text[self._at]
            if char == "\\" and self._at + 1 < len(self._text):
                out.append(self._text[self._at + 1])
                self._at += 2
            elif char == '"':
                self._at += 1
                return "".join(out)
            else:
                out.append(char)
                self._at += 1
        raise MalformedLinks(self._text, self._at, "a quoted value without its closing '\"'")

    def _token(self) -> str:
        start = self._at
        while self._at < len(self._text) and self._text[self._at] not in ";," + _SPACE:
            self._at += 1
        return self._text[start : self._at]

    def _peek(self) -> str:
        return self._text[self._at] if self._at < len(self._text) else ""

    def _skip(self) -> None:
        while self._at < len(self._text) and self._text[self._at] in _SPACE:
            self._at += 1

    def _expect(self, char: str) -> None:
        if self._peek() != char:
            found = repr(self._peek()) if self._peek() else "the end"
            raise MalformedLinks(self._text, self._at, f"{char!r} expected, found {found}")
        self._at += 1
