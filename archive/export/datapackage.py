"""The JSON files of a WACZ 1.1.1 package: ``pages/pages.jsonl``, ``datapackage.json`` and its digest.

Pure functions on plain data, so their output is byte-for-byte reproducible: keys in a fixed order,
timestamps to the second in UTC (``YYYY-MM-DDTHH:MM:SSZ``, as py-wacz writes them).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

WACZ_VERSION = "1.1.1"
PAGES_FORMAT = "json-pages-1.0"


@dataclass(frozen=True)
class Page:
    """One entry point of the package, as replay tools list it; ``text`` is the page's text as a
    browser rendered it (the spec's full-text field, for search), None when not captured."""

    url: str
    ts: datetime
    title: str
    text: str | None = None


@dataclass(frozen=True)
class Resource:
    """A file of the package, with its sha256 and size."""

    path: str
    sha256: str  # hex
    size: int

    @property
    def name(self) -> str:
        # Frictionless resource names: lower-case, unique; the base name is both (as py-wacz does).
        return self.path.rsplit("/", 1)[-1].lower()


def iso_seconds(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` in UTC (naive datetimes are taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def pages_jsonl(pages: Sequence[Page], *, title: str) -> bytes:
    """A header line, then one JSON object per page."""
    lines: list[dict[str, str]] = [{"format": PAGES_FORMAT, "id": "pages", "title": title}]
    seen: set[str] = set()
    for page in pages:
        line = _page_line(page)
        if line["id"] in seen:
            continue  # the same URL at the same second (a page and its revisit, two articles)
        seen.add(line["id"])
        lines.append(line)
    return b"".join(json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n" for line in lines)


def _page_line(page: Page) -> dict[str, str]:
    ts = iso_seconds(page.ts)
    # The spec's page id: unique in the package, the same for the same page in every export.
    page_id = hashlib.sha256(f"{ts} {page.url}".encode()).hexdigest()[:32]
    line = {"id": page_id, "url": page.url, "ts": ts, "title": page.title}
    if page.text is not None:
        line["text"] = page.text
    return line


def datapackage_json(
    resources: Sequence[Resource],
    *,
    title: str,
    description: str,
    created: datetime,
    software: str,
    main_page: Page | None,
) -> bytes:
    """``datapackage.json`` listing every other file of the package with its hash and size."""
    package: dict[str, object] = {
        "profile": "data-package",
        "resources": [
            {"name": r.name, "path": r.path, "hash": f"sha256:{r.sha256}", "bytes": r.size} for r in resources
        ],
        "title": title,
        "description": description,
    }
    if main_page is not None:
        package["mainPageURL"] = main_page.url
        package["mainPageDate"] = iso_seconds(main_page.ts)
    package["created"] = iso_seconds(created)
    package["wacz_version"] = WACZ_VERSION
    package["software"] = software
    return json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8")


def datapackage_hash(datapackage: bytes) -> str:
    """``sha256:<hex>`` of ``datapackage.json``: what the digest file records and a signature signs."""
    return "sha256:" + hashlib.sha256(datapackage).hexdigest()


def datapackage_digest_json(datapackage: bytes, signed_data: Mapping[str, str] | None = None) -> bytes:
    """``datapackage-digest.json``: the hash of ``datapackage.json``, and its ``signedData`` if signed
    (`archive.export.signature`; its ``hash`` must be this same hash)."""
    digest: dict[str, object] = {"path": "datapackage.json", "hash": datapackage_hash(datapackage)}
    if signed_data is not None:
        digest["signedData"] = dict(signed_data)
    return json.dumps(digest, indent=2).encode("utf-8")
