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


def test_extracted_texts_hold_no_character_xml_forbids() -> None:
    markdown = (
        b"# Budget\x01 plan\x1b[2J\n\n"
        b'The minister said "we will\x02 build ten new schools" in a [statement\x0b](https://gov.example/s).\n'
    )
    html = (
        b"<html><head><title>Budget&#1; plan\x1b</title></head><body><p>The minister said "
        b'"we will&#2; build ten new schools" in a <a href="https://gov.example/s">statement\x0b</a>.</p>'
        b"</body></html>"
    )
    for kind, data in (("markdown", markdown), ("html", html)):
        article = extract(data, kind=kind)
        (citation,) = article.citations
        texts = [article.title, article.text, citation.label, citation.sentence, *citation.quotes]
        assert not any(c in text for text in texts for c in ("\x01", "\x02", "\x0b", "\x1b")), (kind, texts)
        assert article.title.startswith("Budget plan"), kind
        assert citation.label == "statement", kind
