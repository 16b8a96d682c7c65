from __future__ import annotations

import pytest

from crawler.ingest import IngestError, UnsupportedArticle, extract, kind_for


@pytest.mark.parametrize(
    ("filename", "content_type", "kind"),
    [
        ("story.txt", None, "text"),
        ("story.MD", None, "markdown"),
        ("story.markdown", None, "markdown"),
        ("story.html", None, "html"),
        ("story.htm", None, "html"),
        ("story.pdf", None, "pdf"),
        ("upload", "text/html; charset=utf-8", "html"),
        ("upload", "application/pdf", "pdf"),
        ("upload", "text/markdown", "markdown"),
        ("upload", "text/plain", "text"),
        ("notes.md", "text/plain", "markdown"),  # servers call everything text/plain
        ("page.php", "text/html", "html"),
    ],
)
def test_kind_for(filename: str, content_type: str | None, kind: str) -> None:
    assert kind_for(filename, content_type) == kind


@pytest.mark.parametrize(
    ("filename", "content_type"), [("story.docx", None), ("image.png", "image/png"), ("x", None)]
)
def test_unsupported(filename: str, content_type: str | None) -> None:
    with pytest.raises(UnsupportedArticle) as caught:
        kind_for(filename, content_type)
    assert isinstance(caught.value, IngestError)
    assert filename in str(caught.value) and ".html, .md, .txt or .pdf" in str(caught.value)


def test_extract_dispatches_by_kind() -> None:
    data = b"# Title\n\n[a](https://a.example/) https://b.example/"
    assert extract(data, kind="markdown").kind == "markdown"
    assert [c.label for c in extract(data, kind="markdown").citations] == ["a", ""]
    assert [c.label for c in extract(data, kind="text").citations] == ["", ""]
    with pytest.raises(UnsupportedArticle):
        extract(data, kind="docx")
