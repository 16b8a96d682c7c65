"""The payload digest WARC records carry, so a re-crawl can tell an unchanged payload before writing it."""

from __future__ import annotations

import base64
import hashlib


def payload_digest(payload: bytes) -> str:
    """``sha1:BASE32`` of the payload as received (content-encoded), the form warcio writes."""
    return "sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode("ascii")
