"""CLI listings are written as they are read (issue 8): `citewatch sources --json` on a million
sources printed nothing for 64 s and took 2.8 GB.  The streamed output is the same bytes."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from rich.console import Console as RichConsole

from citewatch import cli

ITEMS: list[dict[str, Any]] = [
    {"url": "https://a.example/x", "n": 1, "lines": "one\ntwo", "nested": [1, {"k": None}], "e": []},
    {"url": "https://b.example/é", "n": None, "nested": {}, "bad": "\ud800 lone surrogate"},
    {"url": "https://c.example/", "n": 3.5, "ctx": {"a": [1, {"b": ["x"]}], "t": (1, 2)}, 7: True},
    ["not", {"an": "object"}],
    "plain",
]


def capture_stdout(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    # In the test itself: pytest puts its own capture back on sys.stdout after fixtures run.
    out = io.StringIO()
    monkeypatch.setattr(cli.sys, "stdout", out)
    return out


@pytest.mark.parametrize("items", [[], ITEMS[:1], ITEMS])
def test_streamed_json_is_byte_for_byte_the_document(
    monkeypatch: pytest.MonkeyPatch, items: list[Any]
) -> None:
    stdout = capture_stdout(monkeypatch)
    cli.emit_json(items)
    whole = stdout.getvalue()
    stdout.seek(0)
    stdout.truncate()
    cli.emit_json_list(iter(items))
    assert stdout.getvalue() == whole
    assert json.loads(whole) == json.loads(json.dumps(cli.xml_safe_data(items)))


def test_json_items_are_written_before_the_next_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    stdout = capture_stdout(monkeypatch)
    written: list[str] = []

    def rows() -> Iterator[dict[str, Any]]:
        for item in ITEMS:
            yield item
            written.append(stdout.getvalue())

    cli.emit_json_list(rows())
    assert written[0].startswith('[\n  {\n    "url": "https://a.example/x"')
    assert '"https://b.example/é"' in written[1] and "c.example" not in written[1]


def test_tables_are_printed_chunk_by_chunk_in_line(monkeypatch: pytest.MonkeyPatch) -> None:
    printed: list[str] = []
    monkeypatch.setattr(cli, "TABLE_CHUNK", 2)
    states = ["live", "unreachable", "edited", "deleted", "pending"]

    def rows() -> Iterator[tuple[str, ...]]:
        for i, state in enumerate(states):
            printed.append(buffer.getvalue())
            yield (state, "browser", str(i * 1000), "200", "2026-01-01 00:00:00", f"https://s.example/{i}")

    buffer = io.StringIO()
    monkeypatch.setattr(cli, "Console", lambda: RichConsole(file=buffer, width=200))
    cli.print_table(cli.SOURCE_COLUMNS, rows())
    lines = buffer.getvalue().splitlines()
    assert lines[0].split() == ["state", "mode", "captures", "last", "status", "last", "captured", "url"]
    assert len(lines) == 1 + len(states)  # one header for all the chunks
    url_at = {line.index("https://") for line in lines[1:]}
    assert len(url_at) == 1 and lines[0].index("url") == url_at.pop()
    assert printed[2].count("https://") == 2  # the first chunk was out before the third row was read
