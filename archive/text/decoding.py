"""Choosing the character set of a fetched text payload: header, then BOM or meta, then UTF-8.

Charset labels are read as browsers read them, through the WHATWG Encoding Standard's table
(``webencodings``): ``latin1`` means Windows-1252, and a label that names no web encoding
(``rot13``, ``base64``, ``utf-7``…, all of them codecs Python would happily look up) is ignored.
"""

from __future__ import annotations

import codecs
import re

import webencodings

_CHARSET_PARAM = re.compile(rb"charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"<\?xml[^>]+encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)", re.IGNORECASE)
# Byte-order marks and the codec each one means; shared with crawler.ingest (uploaded articles).
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_UTF8 = codecs.lookup("utf-8")


def _known(label: bytes | None) -> codecs.CodecInfo | None:
    if not label:
        return None
    encoding = webencodings.lookup(label.decode("ascii", "ignore"))
    return None if encoding is None else encoding.codec_info


def _windows_1252(error: UnicodeError) -> tuple[str, int]:
    """Read the bytes a codec could not decode as Windows-1252, the way browsers do (its five
    undefined bytes become the C1 controls of the same value): every byte gives a character."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    chars = []
    for byte in error.object[error.start : error.end]:
        try:
            chars.append(bytes((byte,)).decode("cp1252"))
        except UnicodeDecodeError:
            chars.append(chr(byte))
    return "".join(chars), error.end


# Registered once under a name of ours: codecs only take error handlers by name.
LOSSLESS = "citewatch.windows-1252"
codecs.register_error(LOSSLESS, _windows_1252)


def decode_payload(
    payload: bytes, content_type: str | None, *, markup: bool = False, lossless: bool = False
) -> str:
    """Decode ``payload`` by its byte-order mark, header charset, ``<meta>`` charset, else UTF-8.

    Undecodable bytes become U+FFFD, as in a browser; with ``lossless`` each of them becomes its
    Windows-1252 character instead, so that two payloads that differ always give two texts that
    differ (an edit on a page whose charset is mislabelled is still an edit), and a UTF-8 page
    with a stray Latin-1 byte keeps the rest of its text intact.
    """
    errors = LOSSLESS if lossless else "replace"
    for bom, bom_encoding in BOMS:
        if payload.startswith(bom):
            return payload.decode(bom_encoding, errors=errors)
    found = _CHARSET_PARAM.search((content_type or "").encode("latin-1", "ignore"))
    codec = _known(found.group(1)) if found else None
    if codec is None and markup:
        head = payload[:4096]
        found = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
        codec = _known(found.group(1)) if found else None
        if codec is not None and codec.name.startswith("utf-16"):
            # A meta tag readable as ASCII cannot be in UTF-16: the label is wrong.
            codec = None
    text, _ = (codec or _UTF8).decode(payload, errors)
    return text
