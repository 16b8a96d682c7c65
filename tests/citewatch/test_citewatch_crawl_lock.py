"""One crawl at a time per data directory, across processes and threads alike."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from citewatch.coordination import crawl_lock


def test_a_second_crawl_waits_for_the_first(tmp_path: Path) -> None:
    events: list[str] = []

    def later() -> None:
        with crawl_lock(tmp_path):
            events.append("second")

    with crawl_lock(tmp_path):
        thread = threading.Thread(target=later)
        thread.start()
        time.sleep(0.3)
        events.append("first done")
    thread.join(timeout=5)
    assert events == ["first done", "second"]
