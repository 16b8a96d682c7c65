"""One worker's crawl, for tests that run two at once: ``python -m tests.integration.worker_crawl JSON``.

JSON: ``{"spool": DIR, "urls": [...], "config": {CrawlConfig fields}, "start_at": UNIX_TIME}``.
The heavy imports happen first and the crawl starts at ``start_at``, so two workers started a
moment apart really crawl at the same time.  Prints one JSON line: each URL's outcome.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from archive.warc.writer import WarcWriter
from crawler.config import CrawlConfig
from crawler.model import CaptureRef, CaptureResult, CaptureTarget, PreviousCapture
from crawler.runner import run_crawl


class OutcomeSink:
    """Remembers each capture's outcome (status or failure kind); writes nothing anywhere."""

    def __init__(self) -> None:
        self.outcomes: dict[str, str] = {}

    def on_capture(self, result: CaptureResult) -> CaptureRef:
        self.outcomes[result.target.url] = result.error_kind or str(result.status)
        return CaptureRef()

    def on_article(self, result: CaptureResult, capture: CaptureRef, body: bytes) -> list[CaptureTarget]:
        return []

    def previous(self, url: str) -> PreviousCapture | None:
        return None

    def has_earlier_capture(self, source_id: int, capture: CaptureRef) -> bool:
        return False

    def flush(self) -> None:
        pass


def main(spec: dict[str, object]) -> None:
    config = CrawlConfig(**spec["config"])  # type: ignore[arg-type]
    targets = [CaptureTarget(url=u, source_id=n + 1) for n, u in enumerate(spec["urls"])]  # type: ignore[arg-type]
    writer = WarcWriter(Path(str(spec["spool"])), fsync=False)
    sink = OutcomeSink()
    time.sleep(max(0.0, float(spec["start_at"]) - time.time()))  # type: ignore[arg-type]
    run_crawl(targets, config=config, warc_writer=writer, sink=sink)
    writer.close()
    print(json.dumps(sink.outcomes))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
