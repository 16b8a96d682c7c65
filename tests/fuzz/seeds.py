"""Builds the seed corpus of each fuzz target from the project's own test WARCs and pages.

``python -m tests.fuzz.seeds`` rewrites ``tests/fuzz/corpus/`` deterministically (fixed clock
and record IDs): run it after changing the sample exchanges or pages, and commit the result.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import brotli

from archive.warc.writer import WarcWriter
from tests.archive.warc.samples import (
    HTML,
    T0,
    counting_ids,
    exchange,
    fixed_clock,
    iter_members,
    sample_exchanges,
    sample_failure,
)

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parent / "corpus"

# Pages of the project's fixtures and seeds, and the features the replay rewriting handles.
PAGES = (
    "seeds/ledger-azovstal-evacuation.html",
    "tests/fixtures/detect/edit-with-noise/before.html",
    "tests/fixtures/detect/soft404-not-found-page/before.html",
)
FEATURES = {
    "attributes.html": """<!DOCTYPE html><html><head>
<link rel="stylesheet" href="/css/site.css" integrity="sha384-abc" crossorigin="anonymous">
<script src="https://cdn.example/app.js"></script></head><body background="bg.png">
<a href="other.html">other</a> <a href="#frag">frag</a> <a href="javascript:steal()">js</a>
<a href="mailto:a@b.example" ping="https://tracker.example/p">mail</a>
<img src="a.png" srcset="a-1x.png 1x, //cdn.example/a-2x.png 2x, b.png?w=1,2 800w">
<picture><source srcset="wide.webp 800w"></picture><video poster="poster.jpg"><source src="c.mp4"></video>
<form action="/search"><button formaction="/go">go</button></form><object data="movie.swf"></object>
<iframe src="embed.html"></iframe><iframe srcdoc="<img src='in.png'>"></iframe>
<svg><image xlink:href="s.png"/></svg><img src="data:image/gif;base64,R0lGOD=="></body></html>""",
    "base.html": '<html><head><base href="https://static.example/v2/"><base href="/x/" target="_blank">'
    '</head><body><img src="i.png"><a href=" java\tscript:x">x</a></body></html>',
    "style.html": """<html><head><style>@import "print.css"; @import url(fonts.css);
body { background: url("img/bg.png") } .a { background: url( 'q\\'uote.png' ) }</style></head>
<body><div style="background:url(//cdn.example/d.png)">x</div></body></html>""",
    "meta.html": """<?xml version="1.0" encoding="utf-8"?><html><head><meta charset="windows-1252">
<meta http-equiv="refresh" content="5; URL='moved.html'"><meta http-equiv="Content-Security-Policy"
content="upgrade-insecure-requests"><meta http-equiv="Set-Cookie" content="a=b"></head><body>\x93q\x94
</body></html>""",
}
STYLESHEETS = {
    "site.css": """@import "base.css"; @import url('print.css') print;
body { background: url(img/bg.png) no-repeat; font: 12px/1.5 sans-serif }
@font-face { src: url("fonts/a.woff2") format("woff2"), url(data:font/woff;base64,AAAA) }
.x { background-image: image-set(url(a.png) 1x, url("b.png") 2x) } .y { cursor: url(c.cur), auto }""",
}


def warc_seeds() -> Iterator[tuple[str, bytes]]:
    """Every kind of record the writer produces: raw (uncompressed) and as gzip members."""
    with tempfile.TemporaryDirectory() as spool:
        writer = WarcWriter(Path(spool), clock=fixed_clock(), new_id=counting_ids(), fsync=False)
        for exchange_ in sample_exchanges().values():
            writer.write_exchange(exchange_)
        for coding, body in (("br", brotli.compress(HTML)), ("deflate", zlib.compress(HTML))):
            headers = [("Content-Type", "text/html"), ("Content-Encoding", coding)]
            writer.write_exchange(exchange(f"http://example.com/{coding}", headers=headers, body=body))
        written = writer.write_exchange(exchange("http://example.com/again"))
        assert written.payload_digest is not None
        writer.write_revisit(
            exchange("http://example.com/again", at=T0 + timedelta(days=1)),
            refers_to_uri="http://example.com/again",
            refers_to_date=T0,
            refers_to_record_id=written.record_id,
            payload_digest=written.payload_digest,
        )
        writer.write_failure(sample_failure())
        writer.write_metadata("http://example.com/", written.record_id, {"outlinks": "http://example.com/a"})
        writer.close()
        for path in sorted(Path(spool).iterdir()):
            data = path.read_bytes()
            yield f"file-{path.name}", data
            for offset, length in iter_members(data):
                record = gzip.decompress(data[offset : offset + length])
                yield f"record-{offset}", record
                yield f"member-{offset}", data[offset : offset + length]


def rewrite_seeds() -> Iterator[tuple[str, bytes]]:
    """``Content-Type`` line + payload, as the replay rewrite target reads its input."""
    for page in PAGES:
        yield Path(page).name, b"text/html; charset=utf-8\n" + (ROOT / page).read_bytes()
    for name, html in FEATURES.items():
        yield name, b"text/html\n" + html.encode("cp1252", "replace")
    for name, css in STYLESHEETS.items():
        yield name, b"text/css; charset=utf-8\n" + css.encode("utf-8")


def write(target: str, seeds: Iterator[tuple[str, bytes]]) -> None:
    directory = CORPUS / target
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    for name, data in seeds:
        # Content-addressed names, as libFuzzer names what it adds, plus a readable hint.
        (directory / f"{name}-{hashlib.sha1(data).hexdigest()[:12]}").write_bytes(data)


if __name__ == "__main__":
    write("warc_reader", warc_seeds())
    write("replay_rewrite", rewrite_seeds())
