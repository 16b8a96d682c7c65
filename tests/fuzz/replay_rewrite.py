"""Fuzz target: rewriting a hostile archived page or stylesheet for replay.

The input is ``Content-Type`` line, newline, payload: the replayer decodes the payload by that
header (and a ``<meta charset>``), then rewrites HTML or CSS into replay space and encodes it as
UTF-8. Contract checked: none of that raises, whatever the bytes ("unparseable input comes back
as is"); the result is a string that encodes as UTF-8.
"""

from __future__ import annotations

from archive.text.decoding import decode_payload
from archive.web.replay.rewrite import ReplaySpace, rewrite_css, rewrite_html

PAGE = "https://news.example/politics/statement.html?id=7"
SPACE = ReplaySpace("20261125153000")


def check(data: bytes) -> None:
    """Raise (AssertionError or the unexpected exception) if rewriting ``data`` breaks the contract."""
    head, _, payload = data.partition(b"\n")
    content_type = head.decode("latin-1")
    if "css" in content_type.lower():
        out = rewrite_css(decode_payload(payload, content_type), PAGE, SPACE)
    else:
        out = rewrite_html(decode_payload(payload, content_type, markup=True), PAGE, SPACE)
    assert isinstance(out, str)
    out.encode("utf-8")
