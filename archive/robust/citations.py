"""An article's citations as CSL-JSON and BibTeX, each with our capture as the archived copy.

One `CitedSource` per cited source: its URL, the article's words for it (the link label) and its
version (our capture).  CSL-JSON (the Citation Style Language's input format: Zotero, pandoc
citeproc) has fields for this: ``URL``, ``accessed`` (when we captured it), ``archive``
(``citewatch``) and ``archive_location`` (the URI-M).  BibTeX has no archive field: ``url`` and
``urldate`` as biblatex reads them, and a ``note`` naming the archived copy and its date.  Nothing
is invented: the source's publication date is unknown, so there is no ``issued`` / ``year``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from archive.links.memento import iso_datetime
from archive.robust.links import Version

ARCHIVE_NAME = "citewatch"
CSL_JSON_TYPE = "application/vnd.citationstyles.csl+json"
BIBTEX_TYPE = "application/x-bibtex; charset=utf-8"
# Characters TeX treats specially in text, and how to write each as itself.
_TEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    # BibTeX counts every brace, escaped or not: "\{" alone would unbalance the field.
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
}
_TEX_SPECIAL = re.compile(r"[\\{}&%$#_^~]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class CitedSource:
    """One source an article cites: ``version`` None when we have no capture to point to."""

    source_id: int
    url: str
    label: str
    version: Version | None


def csl_json(sources: Sequence[CitedSource], *, base_url: str) -> str:
    """The sources as a CSL-JSON array (``type: webpage``), in the article's order."""
    items: list[dict[str, Any]] = []
    for s in sources:
        item: dict[str, Any] = {
            "id": f"citewatch-source-{s.source_id}",
            "type": "webpage",
            "title": s.label or s.url,
            "URL": s.url,
        }
        if s.version is not None:
            item["accessed"] = _date_parts(s.version.captured_at)
            item["archive"] = ARCHIVE_NAME
            item["archive_location"] = s.version.uri_m(base_url)
            item["note"] = _archived_note(s.version, base_url)
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def bibtex(sources: Sequence[CitedSource], *, base_url: str) -> str:
    """The sources as BibTeX ``@misc`` entries, in the article's order."""
    entries = []
    for s in sources:
        fields = [("title", "{" + _tex(s.label or s.url) + "}"), ("url", _bib_url(s.url))]
        if s.version is not None:
            fields += [
                ("urldate", s.version.captured_at.astimezone(UTC).strftime("%Y-%m-%d")),
                ("howpublished", r"\url{" + _tex_url(s.url) + "}"),
                (
                    "note",
                    r"Archived at \url{"
                    + _tex_url(s.version.uri_m(base_url))
                    + "} on "
                    + s.version.captured_at.astimezone(UTC).strftime("%Y-%m-%d"),
                ),
            ]
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        entries.append(f"@misc{{citewatch-source-{s.source_id},\n{body}\n}}\n")
    return "\n".join(entries)


def _archived_note(version: Version, base_url: str) -> str:
    note = f"Archived at {version.uri_m(base_url)} on {iso_datetime(version.captured_at)}"
    if version.recovered_from:
        note += f" (recovered from {version.recovered_from}"
        if version.memento_datetime is not None:
            note += f", archived there {iso_datetime(version.memento_datetime)}"
        note += ")"
    return note


def _date_parts(moment: datetime) -> dict[str, Any]:
    utc = moment.astimezone(UTC)
    return {"date-parts": [[utc.year, utc.month, utc.day]]}


def _tex(text: str) -> str:
    """Text as TeX reads it literally, on one line."""
    text = _CONTROL.sub(" ", text)
    return _TEX_SPECIAL.sub(lambda m: _TEX_SPECIALS[m.group(0)], text)


def _bib_url(url: str) -> str:
    # Field values are brace-delimited: a brace or backslash in a URL is written percent-encoded.
    return _CONTROL.sub("", url).replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def _tex_url(url: str) -> str:
    """A URL inside ``\\url{…}`` within a field: braces percent-encoded, ``%`` and ``#`` escaped."""
    return _bib_url(url).replace("%", r"\%").replace("#", r"\#")
