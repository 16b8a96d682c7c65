"""Turning an uploaded text or Markdown file's bytes into text, whatever editor wrote it."""

from __future__ import annotations

from archive.text.decoding import BOMS


def decode_text(data: bytes) -> str:
    """Decode ``data``: by its byte-order mark, else as UTF-8, else as Windows-1252, else Latin-1.

    UTF-8 almost never decodes text that is not UTF-8, so trying it first is safe; Windows-1252 is
    what legacy Western files mostly are, and Latin-1 decodes any byte, so this never fails.
    """
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                break
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")
