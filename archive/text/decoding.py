"""Choosing the character set of a fetched text payload: header, then BOM or meta, then UTF-8."""

from __future__ import annotations

import codecs
import re

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
# Browsers read these labels as their supersets, and so do we (WHATWG Encoding Standard).
_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252"}


def _known(label: bytes | str | None) -> str | None:
    if not label:
        return None
    name = label.decode("ascii", "ignore") if isinstance(label, bytes) else label
    name = _ALIASES.get(name.strip().lower(), name.strip().lower())
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, if it names a known codec."""
    if not content_type:
        return None
    found = _CHARSET_PARAM.search(content_type.encode("latin-1", "ignore"))
    return _known(found.group(1)) if found else None


def decode_payload(payload: bytes, content_type: str | None, *, markup: bool = False) -> str:
    """Decode ``payload`` by its byte-order mark, header charset, ``<meta>`` charset, else UTF-8.

    Undecodable bytes become U+FFFD: a damaged page still has text worth comparing.
    """
    for bom, bom_encoding in BOMS:
        if payload.startswith(bom):
            return payload.decode(bom_encoding, errors="replace")
    encoding: str | None = charset_from_content_type(content_type)
    if encoding is None and markup:
        head = payload[:4096]
        found = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
        encoding = _known(found.group(1)) if found else None
    if encoding is not None and encoding.startswith("utf-16"):
        # A meta tag readable as ASCII cannot be in UTF-16: the label is wrong.
        encoding = None
    return payload.decode(encoding or "utf-8", errors="replace")
