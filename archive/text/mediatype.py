"""Media types read the way browsers read them: WHATWG MIME Sniffing's "parse a MIME type" and
Fetch's "extract a MIME type" from a ``Content-Type`` header that may hold several values.

Replay decides whether to rewrite a payload as HTML or CSS from its media type, and the browser
decides how to render it from the same header.  If the two readings differ, an archived
``Content-Type: text/plain, text/html`` is served unrewritten (read naively as text/plain) and the
browser renders it as HTML (for Fetch the last valid value wins).  So replay parses exactly as the
standards say, and serves the type it parsed, serialised, so the browser sees what replay saw.
Change detection reads the archived type the same way (`content_type_of`): reading that header as
text/plain compared the page's raw markup, and every nonce or CSRF token in it became an "edit".

No maintained Python library does Fetch's extraction: xtractmime (Scrapy's MIME sniffer) takes the
last header line and cuts it at the first ``;``, w3lib has no media-type parser, werkzeug's
``parse_options_header`` and ``email.message`` read one RFC 7231 / RFC 2045 value and know nothing
of comma-separated lists or of the charset carried from one value to the next.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from dataclasses import dataclass, replace

HTTP_WHITESPACE = "\n\r\t "
HTTP_TAB_OR_SPACE = "\t "
_TOKEN = frozenset("!#$%&'*+-.^_`|~" + string.ascii_letters + string.digits)


def _is_token(value: str) -> bool:
    """Non-empty and only HTTP token code points."""
    return bool(value) and all(c in _TOKEN for c in value)


def _is_quoted_string_token(value: str) -> bool:
    """Only HTTP quoted-string token code points: tab, space to ``~``, U+0080 to U+00FF."""
    return all(c == "\t" or " " <= c <= "~" or "\x80" <= c <= "\xff" for c in value)


@dataclass(frozen=True)
class MediaType:
    """A parsed MIME type: lower-cased type and subtype, parameters in order, names lower-cased."""

    type: str
    subtype: str
    parameters: tuple[tuple[str, str], ...] = ()

    @property
    def essence(self) -> str:
        """``type/subtype``, without parameters."""
        return f"{self.type}/{self.subtype}"

    def parameter(self, name: str) -> str | None:
        """The value of parameter ``name`` (lower-case), or None."""
        return next((value for key, value in self.parameters if key == name), None)

    @property
    def charset(self) -> str | None:
        """The ``charset`` parameter, as written (labels are matched by the decoder)."""
        return self.parameter("charset")

    def with_parameter(self, name: str, value: str) -> MediaType:
        """This media type with ``name=value`` appended (the caller checks it is not there yet)."""
        return replace(self, parameters=(*self.parameters, (name, value)))

    def serialise(self) -> str:
        """The standard serialisation, which parses back to this very media type."""
        out = self.essence
        for name, value in self.parameters:
            if not _is_token(value):
                value = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
            out += f";{name}={value}"
        return out


def parse_media_type(value: str) -> MediaType | None:
    """WHATWG "parse a MIME type": the media type ``value`` names, or None when browsers reject it."""
    text = value.strip(HTTP_WHITESPACE)
    slash = text.find("/")
    if slash < 0:
        return None
    type_ = text[:slash]
    end = text.find(";", slash + 1)
    end = len(text) if end < 0 else end
    subtype = text[slash + 1 : end].rstrip(HTTP_WHITESPACE)
    if not _is_token(type_) or not _is_token(subtype):
        return None
    parameters: dict[str, str] = {}
    position = end
    while position < len(text):
        position += 1  # past ";"
        while position < len(text) and text[position] in HTTP_WHITESPACE:
            position += 1
        name_end = position
        while name_end < len(text) and text[name_end] not in ";=":
            name_end += 1
        name = text[position:name_end].lower()
        position = name_end
        if position < len(text):
            if text[position] == ";":
                continue
            position += 1  # past "="
        if position >= len(text):
            break
        if text[position] == '"':
            parameter_value, position = _quoted_string(text, position)
            while position < len(text) and text[position] != ";":
                position += 1
        else:
            value_end = text.find(";", position)
            value_end = len(text) if value_end < 0 else value_end
            parameter_value = text[position:value_end].rstrip(HTTP_WHITESPACE)
            position = value_end
            if not parameter_value:
                continue
        if _is_token(name) and _is_quoted_string_token(parameter_value) and name not in parameters:
            parameters[name] = parameter_value
    return MediaType(type_.lower(), subtype.lower(), tuple(parameters.items()))


def split_header_values(value: str) -> list[str]:
    """Fetch's "getting, decoding, and splitting": a header value split at commas outside quotes."""
    values: list[str] = []
    position, pending = 0, ""
    while True:
        start = position
        while position < len(value) and value[position] not in '",':
            position += 1
        pending += value[start:position]
        if position < len(value) and value[position] == '"':
            start = position
            _, position = _quoted_string(value, position)
            pending += value[start:position]
            if position < len(value):
                continue
        values.append(pending.strip(HTTP_TAB_OR_SPACE))
        pending = ""
        if position >= len(value):
            return values
        position += 1  # past ","


def extract_media_type(header_values: Iterable[str]) -> MediaType | None:
    """Fetch's "extract a MIME type" from every ``Content-Type`` value of one response.

    Several header lines count as one comma-separated value.  The last value that parses (and is
    not ``*/*``) wins; a charset given for an earlier value of the same essence carries over.
    None when no value parses: the browser then has no type either.
    """
    lines = [_isomorphic(v) for v in header_values]
    if not lines:
        return None
    charset: str | None = None
    essence: str | None = None
    found: MediaType | None = None
    for value in split_header_values(", ".join(lines)):
        parsed = parse_media_type(value)
        if parsed is None or parsed.essence == "*/*":
            continue
        found = parsed
        if parsed.essence != essence:
            charset, essence = parsed.charset, parsed.essence
        elif parsed.charset is None and charset is not None:
            found = parsed.with_parameter("charset", charset)
    return found


def _quoted_string(text: str, position: int) -> tuple[str, int]:
    """Fetch's "collect an HTTP quoted string" from the ``"`` at ``position``: the unescaped value
    and the position just past the closing quote (or the end of ``text``)."""
    value = ""
    position += 1
    while True:
        start = position
        while position < len(text) and text[position] not in '"\\':
            position += 1
        value += text[start:position]
        if position >= len(text):
            return value, position
        quote_or_backslash = text[position]
        position += 1
        if quote_or_backslash == "\\":
            if position >= len(text):
                return value + "\\", position
            value += text[position]
            position += 1
        else:
            return value, position


def _isomorphic(value: str) -> str:
    """The header value as a browser holds it, one code point per byte.  warcio decodes header
    lines as UTF-8 when they are valid UTF-8: beyond Latin-1, go back to the bytes."""
    if all(c <= "\xff" for c in value):
        return value
    return value.encode("utf-8", "surrogatepass").decode("latin-1")


def content_type_of(header: str | None) -> MediaType | None:
    """The media type one stored ``Content-Type`` value means to a browser (several comma-separated
    values included), or None when it has none."""
    return extract_media_type([header]) if header else None


def essence_of(header: str | None) -> str:
    """``type/subtype`` of a stored ``Content-Type`` value as a browser reads it, or "" if none."""
    parsed = content_type_of(header)
    return parsed.essence if parsed is not None else ""
