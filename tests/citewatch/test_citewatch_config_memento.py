"""The ``memento_archives`` setting: a TOML table of name = TimeGate, a list of tables, or JSON."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from citewatch.config import load_settings
from citewatch.errors import ConfigError

IA = "https://web.archive.org/web/"


def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str) -> list[tuple[str, str]]:
    monkeypatch.setenv("CITEWATCH_HOME", str(tmp_path))
    (tmp_path / "citewatch.toml").write_text(toml, encoding="utf-8")
    return [(a.name, a.timegate) for a in load_settings().memento_archives]


def test_none_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CITEWATCH_MEMENTO_ARCHIVES", raising=False)
    assert _settings(tmp_path, monkeypatch, "") == []


def test_a_table_of_names_or_a_list_of_tables_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CITEWATCH_MEMENTO_ARCHIVES", raising=False)
    table = f'[memento_archives]\n"Internet Archive" = "{IA}"\nlocal = "http://127.0.0.1:8080/coll/"\n'
    assert _settings(tmp_path, monkeypatch, table) == [
        ("Internet Archive", IA),
        ("local", "http://127.0.0.1:8080/coll/"),
    ]
    tables = f'[[memento_archives]]\nname = "ia"\ntimegate = "{IA}"\n'
    assert _settings(tmp_path, monkeypatch, tables) == [("ia", IA)]


def test_the_environment_takes_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITEWATCH_MEMENTO_ARCHIVES", f'{{"ia": "{IA}"}}')
    assert _settings(tmp_path, monkeypatch, "") == [("ia", IA)]


def test_a_timegate_that_is_no_http_url_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CITEWATCH_MEMENTO_ARCHIVES", raising=False)
    with pytest.raises(
        ConfigError, match=re.escape("a TimeGate must be an http(s) URL, e.g. https://web.archive.org/web/")
    ):
        _settings(tmp_path, monkeypatch, '[memento_archives]\nia = "web.archive.org/web/"\n')
