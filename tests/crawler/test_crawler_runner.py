"""run_crawl reports what Scrapy swallowed: a capture the sink could not record is counted.

Scrapy logs an exception raised in a spider callback and carries on, so a capture whose catalog
write failed used to vanish from the catalog while the command exited 0.  The crawl runs in a
child process (Twisted's reactor runs once per process), against a real loopback site.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.fixtures.site import TestSite

REPO = Path(__file__).resolve().parents[2]
SCRIPT = """
import json, sys
from pathlib import Path
from archive.warc.writer import WarcWriter
from crawler.config import CrawlConfig
from crawler.model import CaptureTarget
from crawler.runner import run_crawl

class BrokenSink:
    def on_capture(self, result):
        raise RuntimeError("the catalog is gone")
    def on_article(self, result, capture, body):
        return []
    def previous(self, url):
        return None
    def has_earlier_capture(self, source_id, capture):
        return False
    def flush(self):
        pass

writer = WarcWriter(Path(sys.argv[1]), fsync=False)
config = CrawlConfig(allow_private=True, obey_robots=False, autothrottle=False, requisites=False)
targets = [CaptureTarget(url=u, source_id=n + 1) for n, u in enumerate(sys.argv[2:])]
stats = run_crawl(targets, config=config, warc_writer=writer, sink=BrokenSink())
writer.close()
print(json.dumps({"internal_errors": stats.internal_errors, "responses": stats.responses}))
"""


def test_captures_the_sink_could_not_record_are_counted(tmp_path: Path) -> None:
    with TestSite() as site:
        site.set_page("/a", b"<html><body><p>A statement.</p></body></html>")
        site.set_page("/b", b"<html><body><p>Another one.</p></body></html>")
        proc = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(tmp_path / "spool"), site.url("/a"), site.url("/b")],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=120,
            check=False,
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats = json.loads(proc.stdout.strip().splitlines()[-1])
    assert stats == {"internal_errors": 2, "responses": 2}
