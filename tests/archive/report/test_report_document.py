"""The report's JSON document: its links, built without loading the web UI."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import json, sys
from datetime import UTC, datetime
from archive.report.document import report_json
from archive.report.model import ArticleReport, CaptureRef, ChangeRef, CitationHealth

t = datetime(2026, 11, 30, 9, 0, 0, 500000, tzinfo=UTC)
recovered = CaptureRef(7, "http://gov.example/gone", t, 200, "response", recovered_from="Internet Archive",
                       final_url="https://archive.example/web/2021id_/http://gov.example/gone")
citation = CitationHealth(1, 3, recovered.url, "", "deleted", ChangeRef(5, "deleted", t, "", 4, 6),
                          None, recovered, ())
report = ArticleReport(2, "", "a.html", (), t, t, (citation,))
document = report_json(report, base_url="https://cw.example/")
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"fastapi", "starlette", "jinja2"})
print(json.dumps([document["citations"][0], loaded]))
"""


def test_the_report_json_links_without_loading_the_web_ui() -> None:
    # `citewatch report --json` builds it in the CLI: the UI's framework is no part of that.
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True)
    citation, loaded = json.loads(proc.stdout)
    assert loaded == []
    assert citation["change"]["diff_page"] == "https://cw.example/diff/4/6"
    # A recovered memento is replayed by its own URL (the source's URL at that second is its 404).
    memento = "https://archive.example/web/2021id_/http://gov.example/gone"
    assert citation["capture"]["replay"] == f"https://cw.example/replay/20261130090000/{memento}"
