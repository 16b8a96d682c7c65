from __future__ import annotations

from pathlib import Path

import pytest

from crawler.ingest import ExtractedArticle, extract, extract_html

# The sample HTML article in seeds/ is also the fixture: a realistic page full of non-sources.
NEWS_ARTICLE = Path(__file__).resolve().parents[3] / "seeds" / "ledger-azovstal-evacuation.html"

PAGE_URL = "https://ledger.example/world/2022/05/azovstal-evacuation?utm_source=rss"


@pytest.fixture
def article(fixtures: Path) -> ExtractedArticle:
    return extract_html(NEWS_ARTICLE.read_bytes(), base_url=PAGE_URL)


def test_only_body_links_are_citations(article: ExtractedArticle) -> None:
    assert article.kind == "html"
    assert [c.url for c in article.citations] == [
        "https://www.un.org/sg/en/content/sg/statement/2022-05-03/statement",
        "https://www.icrc.org/en/document/ukraine-safe-passage",
        "https://mid.ru/en/foreign_policy/news/1811433/",
        "http://en.kremlin.ru/events/president/news/68282",
        "https://twitter.com/UNReliefChief/status/1520000000000000000",
    ]


def test_labels_sentences_and_quotes(article: ExtractedArticle) -> None:
    un, icrc, mid, kremlin, tweet = article.citations
    assert un.label == "Secretary-General's office"
    assert un.sentence == (
        "In a statement, the Secretary-General's office said the operation had evacuated "
        "“more than 100 civilians” from the site."
    )
    assert un.quotes == ("more than 100 civilians",)
    assert icrc.label == "press release"
    assert icrc.sentence.startswith("Its press release spoke only of")
    assert icrc.quotes == ("other people from the plant went elsewhere.",)
    # Cited first by <blockquote cite>, then by the attribution link right after it.
    assert mid.label == "Russian Foreign Ministry"
    lavrov = (
        "After the UN Secretary-General contacted our Defence Ministry on March 4, 2022, "
        "we established the Joint Coordination Headquarters."
    )
    assert mid.quotes == (lavrov,)
    assert kremlin.label == "transcript of the meeting"  # the later "full transcript" link does not win
    assert kremlin.sentence.startswith("April 26: the Kremlin published a transcript of the meeting")
    assert tweet.label == "tweet by the UN relief chief"  # falls back to the image's alt text


def test_title_and_text(article: ExtractedArticle) -> None:
    assert article.title == "UN evacuation from Azovstal raises questions | The Daily Ledger"
    assert "101 civilians had left the plant" in article.text
    for furniture in ("Skip to content", "Tweet", "Great piece", "Sign up", "Privacy policy", "Jane Doe"):
        assert furniture not in article.text
    assert "tracker.example" not in article.text  # scripts are not text


def test_all_links_keeps_furniture_but_not_mailto_javascript_or_anchors(fixtures: Path) -> None:
    article = extract_html(NEWS_ARTICLE.read_bytes(), base_url=PAGE_URL, all_links=True)
    urls = [c.url for c in article.citations]
    assert "https://ledger.example/world/" in urls
    assert "https://spam.example/" in urls
    assert "https://facebook.com/dailyledger" in urls
    assert "https://www.un.org/sg/en/content/sg/statement/2022-05-03/statement" in urls
    assert not any(u.startswith(("mailto", "javascript", "tel")) for u in urls)
    assert not any("#" in u for u in urls)
    assert "https://ledger.example/world/2022/05/azovstal-evacuation" not in urls  # the page itself


def test_relative_links_resolve_against_base_url_when_no_base_tag() -> None:
    html = (
        "<html><body><article><p>See <a href='../docs/report.pdf'>the report</a>.</p></article></body></html>"
    )
    (citation,) = extract_html(html, base_url="https://n.example/a/b/story").citations
    assert citation.url == "https://n.example/a/docs/report.pdf"
    assert extract_html(html).citations == ()  # nothing to resolve against


def test_falls_back_to_densest_paragraphs_without_markers() -> None:
    prose = "This is a long sentence of article prose that goes on. " * 8
    html = f"""<html><body>
      <div id="top"><a href="https://menu.example/">Home</a> <a href="https://menu.example/b">B</a></div>
      <div class="wrapper">
      <p>{prose} Officials cited <a href="https://cited.example/doc">the document</a>.</p>
      <p>{prose}</p></div>
      <div class="links"><p>Partners: <a href="https://partner.example/">Partner</a></p></div>
    </body></html>"""
    article = extract_html(html)
    assert [c.url for c in article.citations] == ["https://cited.example/doc"]
    assert article.citations[0].sentence == "Officials cited the document."


def test_q_and_source_paragraph() -> None:
    html = """<article>
      <p>The minister denied it all.</p>
      <p>She said <q>we have nothing to hide from anyone</q> <a href="https://gov.example/pr">(statement)</a>.</p>
      <p>The ministry then published <i>a full report</i> on the matter.</p>
      <p>Source: <a href="https://gov.example/report">Ministry</a></p>
    </article>"""
    statement, report = extract_html(html).citations
    assert statement.quotes == ("we have nothing to hide from anyone",)
    assert report.sentence == "The ministry then published a full report on the matter."


def test_charset_from_meta_and_hostile_html() -> None:
    html = '<html><head><meta charset="windows-1252"></head><body><p>Caf\xe9 <a href="https://c.example/caf\xe9">x</a></p>'
    (citation,) = extract(html.encode("cp1252"), kind="html").citations
    assert citation.url == "https://c.example/caf%C3%A9"
    deep = "<div>" * 5000 + '<p>deep <a href="https://deep.example/">x</a></p>' + "</div>" * 5000
    assert extract_html(deep).kind == "html"  # libxml2 caps the depth; must not raise
    huge = '<p><a href="https://h.example/' + "a" * 100_000 + '" title="' + "t" * 1_000_000 + '">h</a></p>'
    assert extract_html(huge).citations == ()
    assert extract_html(b"").citations == ()
    assert (
        extract_html('<?xml version="1.0" encoding="utf-8"?><html><body><p>x</p></body></html>').text == "x"
    )
    assert extract_html(b"\xff\xfe\x00garbage<<<>>>").kind == "html"


def test_context_work_is_bounded_on_deeply_nested_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    # Found by the property tests: 1,000 anchors each in its own nested blockquote (40 kB) took a
    # minute, every block's flattening walking all the deeper ones and every link re-reading the
    # text of all its quote ancestors. Count the work instead of timing it.
    from crawler.ingest import html as module

    flattened: list[int] = []
    quoted: list[object] = []
    flatten, quote_of = module._flatten, module._quote_of

    def counting_flatten(root: object, *, skip: bool = False) -> object:
        flat = flatten(root, skip=skip)  # type: ignore[arg-type]
        if not skip:
            flattened.append(len(list(root.iter())))  # type: ignore[attr-defined]
        return flat

    def counting_quote_of(element: object) -> str:
        quoted.append(element)
        return quote_of(element)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "_flatten", counting_flatten)
    monkeypatch.setattr(module, "_quote_of", counting_quote_of)
    monkeypatch.setattr(module, "CONTEXT_VISITS", 20_000, raising=False)
    depth = 400
    page = "".join(f"<a href='https://n.example/{i}'><blockquote>" for i in range(depth))
    article = extract_html(page + "“four words in quotes”")
    assert [c.url for c in article.citations] == [f"https://n.example/{i}" for i in range(depth)]
    assert sum(flattened) <= 20_000 + 2 * depth  # the budget, plus the block that crossed it
    assert len(quoted) == len(set(map(id, quoted))) <= depth  # each quote element read once
    # Within the budget, links keep their context; past it, their labels only.
    assert article.citations[0].quotes == ("four words in quotes",)
    assert article.citations[-1].label == "“four words in quotes”"
    assert article.citations[-1].sentence == ""
