"""Fixtures of the export tests: an archived world in a real SQLite catalog and a local store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.archive.export.evidence_world import World, build_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from build_world(tmp_path / "world")
