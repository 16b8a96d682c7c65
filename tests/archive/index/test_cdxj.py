"""CDXJ written by cdxj-indexer for our WARCs: sorted, pywb fields, offsets matching the writer's."""

from __future__ import annotations

import json
from pathlib import Path

from archive.index.cdxj import write_cdxj
from archive.warc.writer import WarcWriter
from tests.archive.warc.samples import T0, counting_ids, fixed_clock, sample_exchanges, sample_failure


def test_cdxj_lines_match_written_records(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, clock=fixed_clock(), new_id=counting_ids())
    written = {key: writer.write_exchange(ex) for key, ex in sample_exchanges().items()}
    plain = written["plain"]
    ex = sample_exchanges()["plain"]
    written["revisit"] = writer.write_revisit(
        ex,
        refers_to_uri=ex.url,
        refers_to_date=T0,
        refers_to_record_id=plain.record_id,
        payload_digest=plain.payload_digest or "",
    )
    writer.write_failure(sample_failure())
    writer.close()
    warc = tmp_path / plain.warc_name
    out = tmp_path / f"{warc.name}.cdxj"

    count = write_cdxj(warc, out)

    lines = out.read_text().splitlines()
    assert count == len(lines) == 6  # 5 responses + 1 revisit; warc-fields metadata is not replayable
    assert lines == sorted(lines)
    entries = {}
    for line in lines:
        key, timestamp, blob = line.split(" ", 2)
        fields = json.loads(blob)
        assert timestamp.startswith("20261125153000")
        assert fields["filename"] == warc.name
        entries[(fields["url"], fields.get("mime"))] = (key, fields)
    key, statement = entries[("http://example.com/statement?id=1", "text/html")]
    assert key == "com,example)/statement?id=1"
    assert statement["status"] == "200"
    assert statement["digest"] == plain.payload_digest
    assert (int(statement["offset"]), int(statement["length"])) == (plain.offset, plain.length)
    _, revisit = entries[("http://example.com/statement?id=1", "warc/revisit")]
    assert int(revisit["offset"]) == written["revisit"].offset
    _, redirect = entries[("http://example.com/old", None)]
    assert redirect["status"] == "301"
    assert not list(tmp_path.glob("*.tmp"))
