"""Robust Links in a Markdown article, as an attribute block right after each cited link.

Markdown has no attributes of its own.  The block ``{data-originalurl="…" data-versionurl="…"
data-versiondate="…"}`` written right after a link is the attribute syntax of pandoc
(``link_attributes``, on by default), Python-Markdown (``attr_list``) and markdown-it
(``markdown-it-attrs``): renderers with it give the ``<a>`` the three attributes, and removing the
blocks gives back the file byte for byte.  (Pandoc reads a *reference* link's attributes only from
its definition; a block there would stop CommonMark readers — ours included — from seeing the
definition at all, so reference links get theirs after the link too, as Python-Markdown reads them.)
Inline HTML anchors (``<a href=…>``) get the attributes in their start tag, as in HTML.

Which characters are links comes from markdown-it, the parser ingest reads articles with: its inline
link, autolink and HTML rules are wrapped to note where each link starts and ends in the inline
text, and those offsets are mapped back onto the file's lines.  Bare URLs are not links in
CommonMark and stay as they are.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from archive.robust.errors import UndecodableArticle
from archive.robust.html import decorate_tag, tag_href
from archive.robust.links import ATTRIBUTE_NAMES, Decide, Decorated, RobustAttributes

# Explicit byte orders: the codec keeps the mark as U+FEFF and writes the bytes back as they were.
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_HTML_ANCHOR = re.compile(r"<a[\s/>]", re.IGNORECASE)
# An attribute block right after a link, on the same line: ``{…}`` without braces inside.
_BLOCK = re.compile(r"\{[^{}\r\n]*\}")
_KEY_VALUE = re.compile(r"""([A-Za-z_:][-A-Za-z0-9_:.]*)=("[^"]*"|'[^']*'|[^\s}]*)""")
# What a ``{…}`` after a link must hold to be its attribute block rather than text that happens to
# be in braces (``[a](u){ see below }``): only pandoc / attr_list attributes, ``.class``, ``#id`` and
# ``key=value`` (quoted or not), separated by spaces, after attr_list's optional ``:``; ``{}`` too.
_ATTRIBUTE = (
    r"""(?:\.[^\s{}"'=#.]+|\#[^\s{}"'=#]+|[A-Za-z_:][-A-Za-z0-9_:.]*=(?:"[^"]*"|'[^']*'|[^\s{}"']*))"""
)
_ATTRIBUTES = re.compile(rf"\{{\s*:?\s*(?:{_ATTRIBUTE}(?:\s+{_ATTRIBUTE})*)?\s*\}}")
_RECORDS = "robust_links"
_BLOCK_TOKEN = "robust_links_block"


@dataclass(frozen=True)
class _Link:
    """A link markdown-it read: ``end`` is the offset right after it in its inline text."""

    token: Token  # the block's inline token
    start: int
    end: int
    href: str
    html: bool  # an inline HTML start tag, not Markdown syntax


def decorate_markdown(data: bytes, decide: Decide) -> Decorated:
    """``data`` with the Robust Links attributes ``decide(url, None)`` gives each link, every other
    byte unchanged.  UTF-8 (invalid bytes kept as they are) unless a UTF-16/32 byte-order mark says
    otherwise."""
    encoding = next((e for bom, e in _BOMS if data.startswith(bom)), "utf-8")
    errors = "surrogateescape" if encoding == "utf-8" else "surrogatepass"
    try:
        text = data.decode(encoding, errors=errors)
    except UnicodeDecodeError as exc:  # surrogateescape decodes any UTF-8; a truncated UTF-16 does not
        raise UndecodableArticle(encoding) from exc
    out, links = decorate_markdown_text(text, decide)
    return Decorated(out.encode(encoding, errors=errors), links)


def decorate_markdown_text(text: str, decide: Decide) -> tuple[str, tuple[tuple[str, RobustAttributes], ...]]:
    """`decorate_markdown` on text."""
    bom = 1 if text.startswith("\ufeff") else 0
    body = text[bom:]
    # markdown-it reads "\r\n" and "\r" as "\n" and NUL as U+FFFD, each one character for one: so
    # a line of its input is a line of the file, character for character.
    lines: list[tuple[int, str]] = []  # (offset in text, line without its break)
    position = 0
    for match in _LINE_BREAK.finditer(body):
        lines.append((bom + position, body[position : match.start()]))
        position = match.end()
    lines.append((bom + position, body[position:]))
    normalised = "\n".join(line for _, line in lines)

    md = MarkdownIt("commonmark")
    for rule in ("link", "autolink", "html_inline"):
        md.inline.ruler.at(rule, _recording(_rule(md, rule), html=rule == "html_inline"))
    md.core.ruler.at("inline", _inline_noting_block)
    env: dict[str, Any] = {_RECORDS: []}
    tokens = md.parse(normalised, env)
    records: list[_Link] = env[_RECORDS]
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in text
    links: list[tuple[str, RobustAttributes]] = []
    by_block: dict[int, list[_Link]] = {}
    for record in records:
        by_block.setdefault(id(record.token), []).append(record)
    for token in tokens:
        if token.type != "inline" or token.map is None:
            continue
        block = _BlockText(token, lines)
        for link in by_block.get(id(token), []):
            attributes = decide(link.href, None)
            if attributes is None:
                continue
            edit = _edit(text, block, token, link, attributes)
            if edit is not None:
                edits.append(edit)
                links.append((link.href, attributes))
    out: list[str] = []
    done = 0
    for start, end, replacement in sorted(edits):
        if start < done:
            continue
        out += [text[done:start], replacement]
        done = end
    out.append(text[done:])
    return "".join(out), tuple(links)


def _inline_noting_block(state: StateCore) -> None:
    """markdown-it's core ``inline`` rule, noting in ``env`` which block's text is being read (the
    inline parser itself only sees the text)."""
    for token in state.tokens:
        if token.type == "inline":
            if token.children is None:
                token.children = []
            state.env[_BLOCK_TOKEN] = token
            state.md.inline.parse(token.content, state.md, state.env, token.children)


def _rule(md: MarkdownIt, name: str) -> Callable[[StateInline, bool], bool]:
    for rule in md.inline.ruler.__rules__:
        if rule.name == name:
            function: Callable[[StateInline, bool], bool] = rule.fn
            return function
    raise LookupError(name)  # pragma: no cover - markdown-it's CommonMark preset has all three


def _recording(
    rule: Callable[[StateInline, bool], bool], *, html: bool
) -> Callable[[StateInline, bool], bool]:
    """``rule`` noting each link it reads into ``env``: where it starts and ends in the inline text."""

    def record(state: StateInline, silent: bool) -> bool:
        start, first = state.pos, len(state.tokens)
        if not rule(state, silent):
            return False
        if silent or first >= len(state.tokens):
            return True
        # Text still pending before the link is pushed first, as a token of its own.
        opened = next(t for t in state.tokens[first:] if t.type != "text")
        if html:
            href = tag_href(opened.content) if _HTML_ANCHOR.match(opened.content) else None
            if opened.type == "html_inline" and href is not None:
                state.env[_RECORDS].append(_Link(state.env[_BLOCK_TOKEN], start, state.pos, href, True))
        elif opened.type == "link_open":
            href = str(opened.attrs.get("href", ""))
            state.env[_RECORDS].append(_Link(state.env[_BLOCK_TOKEN], start, state.pos, href, False))
        return True

    return record


def _edit(
    text: str, block: _BlockText, token: Token, link: _Link, attributes: RobustAttributes
) -> tuple[int, int, str] | None:
    """The change that decorates ``link``: (start, end, replacement) in ``text``, or None when its
    place in the file cannot be found for sure."""
    start = block.offset(link.start, link.end - link.start)
    end = block.offset(link.end, 0)
    if start is None or end is None or text[end - 1 : end] != token.content[link.end - 1 : link.end]:
        return None
    if link.html:
        tag = text[start:end]
        decorated = decorate_tag(tag, attributes)
        return None if decorated is None else (start, end, decorated)
    existing = _BLOCK.match(text, end)
    if existing is None or not _ATTRIBUTES.fullmatch(existing.group(0)):
        # No block, or braces holding text: ours goes before them, and they stay as they were.
        pairs = " ".join(f'{name}="{_escaped(value)}"' for name, value in attributes.pairs())
        return end, end, "{" + pairs + "}"
    return existing.start(), existing.end(), _updated_block(existing.group(0), attributes)


def _updated_block(block: str, attributes: RobustAttributes) -> str:
    """An attribute block a link has already, with the robust attributes set: values replaced where
    the keys stand, the missing keys added before the ``}``."""
    values = dict(attributes.pairs())
    seen: set[str] = set()

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in values and name not in seen:
            seen.add(name)
            return f'{name}="{_escaped(values[name])}"'
        return match.group(0)

    inner = _KEY_VALUE.sub(replace, block[1:-1])
    missing = [f'{n}="{_escaped(values[n])}"' for n in ATTRIBUTE_NAMES if n not in seen]
    if missing:
        inner = inner.rstrip() + (" " if inner.strip() else "") + " ".join(missing)
    return "{" + inner + "}"


def _escaped(value: str) -> str:
    # Quoted values in these attribute syntaxes end at the next '"'; URLs rarely hold one.
    return value.replace('"', "%22")


class _BlockText:
    """Where the offsets of one block's inline text stand in the file.

    The inline text is the block's lines joined by "\\n", each cut from the left (indentation,
    ``>`` markers, list markers) and the whole stripped: every line but the last ends where its
    file line ends, the last where its text last occurs.  Each line's place is found once (an
    article can hold thousands of links in one paragraph).
    """

    def __init__(self, token: Token, lines: list[tuple[int, str]]) -> None:
        assert token.map is not None
        self.content = token.content
        self.first_line = token.map[0]
        self.lines = lines
        self.breaks = [m.start() for m in re.finditer("\n", self.content)]
        self.pieces: dict[int, tuple[int, int, str, int, int] | None] = {}

    def offset(self, position: int, tail: int) -> int | None:
        """The file offset of ``position``; None when its line cannot be found for sure.  ``tail``
        more characters after it must match too (the link's own text), so a wrong guess finds
        nothing rather than the wrong place."""
        index = bisect_left(self.breaks, position)
        piece = (
            self.pieces[index] if index in self.pieces else self.pieces.setdefault(index, self._piece(index))
        )
        if piece is None:
            return None
        piece_start, lead, line, line_offset, column = piece
        if position - piece_start < lead:
            return None
        at = column + (position - piece_start - lead)
        check = self.content[position : position + tail].split("\n", 1)[0]
        if line[at : at + len(check)] != check:
            return None
        return line_offset + at

    def _piece(self, index: int) -> tuple[int, int, str, int, int] | None:
        """(start in the text, leading spaces, file line as markdown-it read it, its offset, the
        column where the line's text, without the leading spaces, starts) of line ``index``."""
        last = index == len(self.breaks)
        piece_start = self.breaks[index - 1] + 1 if index else 0
        piece = self.content[piece_start : len(self.content) if last else self.breaks[index]]
        line_number = self.first_line + index
        if line_number >= len(self.lines):
            return None
        line_offset, line = self.lines[line_number]
        line = line.replace("\x00", "\ufffd")  # as markdown-it read it; one character for one
        # Leading whitespace may differ: markdown-it expands a tab of indentation into spaces.
        core = piece.lstrip()
        if not core:
            return None
        column = line.rfind(core) if last else len(line) - len(core)
        if column < 0:
            return None
        return piece_start, len(piece) - len(core), line, line_offset, column
