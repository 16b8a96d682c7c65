"""What the command line prints for a person is inert, like the web UI: a title, URL or quote from
a hostile article cannot reorder the terminal's text (U+202E) or drive the terminal (C1 controls)."""

from __future__ import annotations

from pathlib import Path

from tests.integration.conftest import Citewatch


def test_ingest_and_sources_print_bidi_overrides_as_marks(tmp_path: Path, cw: Citewatch) -> None:
    article = tmp_path / "hostile.md"
    article.write_text(
        "# The minister \u202egningiser\u202c says \u009b31m so\n\n"
        "See [the statement](https://gov.example/s/\u202eevil) for details.\n",
        encoding="utf-8",
    )

    shown = cw.run("ingest", "--no-crawl", str(article)).stdout

    assert "[U+202E]" in shown and "[U+202C]" in shown
    assert "\u202e" not in shown and "\u009b" not in shown
    listed = cw.run("sources").stdout
    assert "\u202e" not in listed
