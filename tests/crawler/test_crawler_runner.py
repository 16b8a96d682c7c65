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
# What both child scripts start with: the crawl's imports and a sink that remembers nothing.
PREAMBLE = """
import json, sys
from pathlib import Path
from archive.warc.writer import WarcWriter
from crawler.config import CrawlConfig
from crawler.model import CaptureRef, CaptureTarget
from crawler.runner import run_crawl

class NothingSink:
    def on_article(self, result, capture, body):
        return []
    def previous(self, url):
        return None
    def has_earlier_capture(self, source_id, capture):
        return False
    def flush(self):
        pass
"""
SCRIPT = (
    PREAMBLE
    + """
class BrokenSink(NothingSink):
    def on_capture(self, result):
        raise RuntimeError("the catalog is gone")

writer = WarcWriter(Path(sys.argv[1]), fsync=False)
config = CrawlConfig(allow_private=True, obey_robots=False, autothrottle=False, requisites=False)
targets = [CaptureTarget(url=u, source_id=n + 1) for n, u in enumerate(sys.argv[2:])]
stats = run_crawl(targets, config=config, warc_writer=writer, sink=BrokenSink())
writer.close()
print(json.dumps({"internal_errors": stats.internal_errors, "responses": stats.responses}))
"""
)


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


LAZY_SCRIPT = (
    PREAMBLE
    + """
base, count = sys.argv[2], int(sys.argv[3])
read = {"targets": 0, "at_first_capture": None, "captures": 0}

def targets():
    for n in range(count):
        read["targets"] += 1
        yield CaptureTarget(url=f"{base}/p/{n}", source_id=n + 1)

class CountingSink(NothingSink):
    def on_capture(self, result):
        if read["at_first_capture"] is None:
            read["at_first_capture"] = read["targets"]
        read["captures"] += 1
        return CaptureRef()

writer = WarcWriter(Path(sys.argv[1]), fsync=False)
config = CrawlConfig(
    allow_private=True, obey_robots=False, autothrottle=False, requisites=False, concurrent_requests=4
)
run_crawl(targets(), config=config, warc_writer=writer, sink=CountingSink())
writer.close()
print(json.dumps(read))
"""
)


def test_targets_are_read_as_the_crawl_has_room_not_up_front(tmp_path: Path) -> None:
    """A crawl of a million sources must not turn them all into requests at once: by its first
    capture the spider has read about as many targets as it can fetch at a time."""
    count = 400
    with TestSite() as site:
        for n in range(count):
            site.set_page(f"/p/{n}", b"<html><body><p>A statement.</p></body></html>")
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                LAZY_SCRIPT,
                str(tmp_path / "spool"),
                site.url("").rstrip("/"),
                str(count),
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=120,
            check=False,
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    read = json.loads(proc.stdout.strip().splitlines()[-1])
    assert read["captures"] == read["targets"] == count
    assert read["at_first_capture"] <= 20, read
