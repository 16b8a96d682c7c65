from __future__ import annotations

from pathlib import Path

from crawler.ingest import extract_markdown


def test_every_link_form(fixtures: Path) -> None:
    article = extract_markdown((fixtures / "every-link-form.md").read_text(encoding="utf-8"))
    assert article.kind == "markdown"
    assert article.title == "Ministry statements on the Azovstal evacuation"
    assert [(c.url, c.label) for c in article.citations] == [
        ("https://www.un.org/sg/en/statement", "the Secretary-General's statement"),  # inline, title, utm_*
        ("https://www.icrc.org/en/document/ukraine-safe-passage", "its press release"),  # [label][ref]
        ("https://mid.ru/en/foreign_policy/news/1811433/", "Foreign Ministry site"),  # [label][]
        ("http://en.kremlin.ru/events/president/news/68282", "kremlin"),  # [ref]
        ("https://data.example.org/azovstal.csv", ""),  # autolink
        ("https://mirror.example.net/azovstal.csv", ""),  # bare URL
        ("https://news.un.org/en/story/2022/04/1116952", "UN News"),
        ("https://not-a-link.example/", ""),
    ]
    urls = {c.url for c in article.citations}
    assert "https://images.example.org/convoy.jpg" not in urls  # images are not citations
    assert not any("api.example.com" in u or "downloads.example.com" in u for u in urls)  # code
    assert "http://indented-code.example.com/" not in urls
    assert "https://unused.example.com/" not in urls  # a definition alone cites nothing


def test_markdown_context(fixtures: Path) -> None:
    article = extract_markdown((fixtures / "every-link-form.md").read_text(encoding="utf-8"))
    by_url = {c.url: c for c in article.citations}
    icrc = by_url["https://www.icrc.org/en/document/ukraine-safe-passage"]
    assert (
        icrc.sentence
        == "The Red Cross said “other people from the plant went elsewhere” in its press release."
    )
    assert icrc.quotes == ("other people from the plant went elsewhere",)
    un_news = by_url["https://news.un.org/en/story/2022/04/1116952"]
    # "Source:" right after a block quote: the quote is the claim it supports.
    assert un_news.sentence == "“We are deeply concerned about what is happening now,” Guterres said."
    assert "We are deeply concerned about what is happening now," in un_news.quotes
    assert "its press release." in article.text
    assert "[its press release]" not in article.text and "](https" not in article.text


def test_link_inside_block_quote_gets_the_quote() -> None:
    md = "> The minister said the corridors are effective, see [transcript](https://k.example/t).\n"
    (citation,) = extract_markdown(md).citations
    assert citation.quotes == ("The minister said the corridors are effective, see transcript.",)


def test_html_anchor_inside_markdown_and_title_fallback() -> None:
    md = 'No heading here.\n\nRead <a href="https://raw.example/r">the raw report</a> today.\n'
    article = extract_markdown(md)
    assert article.title == "No heading here."
    assert [(c.url, c.label) for c in article.citations] == [("https://raw.example/r", "the raw report")]


def test_malformed_markdown_does_not_crash() -> None:
    md = "[" * 5000 + "](https://a.example/)" + ">" * 3000 + " [x](javascript:alert(1)) " + "`" * 999
    md += "\n" + "- " * 2000 + "[deep](https://deep.example/)\n[unclosed](https://u.example/"
    article = extract_markdown(md)
    urls = [c.url for c in article.citations]
    assert all(u.startswith("https://") for u in urls)
    assert not any("javascript" in u for u in urls)
