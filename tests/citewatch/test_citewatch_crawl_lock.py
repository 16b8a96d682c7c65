"""One crawl at a time per data directory, across processes and threads alike."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from citewatch.app import App
from citewatch.config import load_settings


def test_a_second_crawl_waits_for_the_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITEWATCH_HOME", str(tmp_path))
    first, second = App(load_settings()), App(load_settings())
    events: list[str] = []

    def later() -> None:
        with second._crawl_lock():
            events.append("second")

    with first._crawl_lock():
        thread = threading.Thread(target=later)
        thread.start()
        time.sleep(0.3)
        events.append("first done")
    thread.join(timeout=5)
    assert events == ["first done", "second"]
