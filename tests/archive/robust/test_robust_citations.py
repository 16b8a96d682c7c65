"""CSL-JSON and BibTeX exports of an article's citations: they parse, whatever the labels hold."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from pybtex.database import parse_string

from archive.robust.citations import CitedSource, bibtex, csl_json
from archive.robust.links import Version

CAPTURED = datetime(2026, 11, 30, 7, 43, 12, tzinfo=UTC)
HOSTILE = "50% of {budget} & $cuts_ #1 ^~\\ \u201cquoted\u201d \x07"


def sources() -> list[CitedSource]:
    version = Version(7, "https://gov.example/a%20b?x=1#frag", CAPTURED)
    recovered = Version(
        8,
        "https://mementos.example/web/2020/https://gone.example/",
        CAPTURED,
        "mementos",
        datetime(2020, 5, 17, tzinfo=UTC),
    )
    return [
        CitedSource(1, "https://gov.example/a%20b?x=1#frag", HOSTILE, version),
        CitedSource(2, "https://gone.example/", "", recovered),
        CitedSource(3, "https://never.example/{odd}", "never captured", None),
    ]


def test_bibtex_parses_with_a_bibtex_compatible_parser() -> None:
    entries = parse_string(bibtex(sources(), base_url="https://archive.example/"), "bibtex").entries
    assert list(entries) == ["citewatch-source-1", "citewatch-source-2", "citewatch-source-3"]
    first = entries["citewatch-source-1"]
    assert first.type == "misc" and first.fields["urldate"] == "2026-11-30"
    assert first.fields["url"] == "https://gov.example/a%20b?x=1#frag"
    assert (
        "https://archive.example/replay/20261130074312/https://gov.example/a\\%20b?x=1\\#frag"
        in first.fields["note"]
    )
    assert "\\%" in first.fields["title"] and "\\textbraceleft{}" in first.fields["title"]
    assert "urldate" not in entries["citewatch-source-3"].fields
    assert entries["citewatch-source-3"].fields["url"] == "https://never.example/%7Bodd%7D"


def test_csl_json_has_the_archive_fields() -> None:
    items = json.loads(csl_json(sources(), base_url="https://archive.example"))
    first, recovered, never = items
    assert first["type"] == "webpage" and first["title"] == HOSTILE and first["archive"] == "citewatch"
    assert (
        first["archive_location"]
        == "https://archive.example/replay/20261130074312/https://gov.example/a%20b?x=1#frag"
    )
    assert first["accessed"] == {"date-parts": [[2026, 11, 30]]}
    assert "issued" not in first  # the source's publication date is unknown: never made up
    assert recovered["title"] == "https://gone.example/"
    assert "recovered from mementos, archived there 2020-05-17T00:00:00Z" in recovered["note"]
    assert "archive" not in never and never["URL"] == "https://never.example/{odd}"
