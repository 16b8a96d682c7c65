from __future__ import annotations

from pathlib import Path

from crawler.ingest import extract, extract_text


def test_seed_article_yields_exactly_its_five_sources_in_order(seeds: Path) -> None:
    article = extract_text((seeds / "helmer-guterres-azovstal.txt").read_text(encoding="utf-8"))
    assert [c.url for c in article.citations] == [
        "http://en.kremlin.ru/",
        "https://mid.ru/",
        "https://www.icrc.org/",
        "https://www.un.org/",
        "https://tsargrad.tv/",
    ]
    assert [c.position for c in article.citations] == [0, 1, 2, 3, 4]
    assert article.kind == "text"


def test_seed_source_lines_carry_the_claim_above_them(seeds: Path) -> None:
    article = extract_text((seeds / "helmer-guterres-azovstal.txt").read_text(encoding="utf-8"))
    kremlin, mid, _icrc, un, tsargrad = article.citations
    assert kremlin.label == ""
    assert kremlin.sentence == (
        "Putin told Guterres his interpretation of the military operation and of the UN Charter "
        "was wrong and biased."
    )
    assert kremlin.quotes == ()
    # The paragraph above "Source: https://mid.ru/" quotes Lavrov; both quoted passages are kept.
    assert "After the UN Secretary-General contacted our Defence Ministry on March 4, 2022," in mid.quotes
    assert any(q.startswith("we established the Joint Coordination Headquarters") for q in mid.quotes)
    assert len(mid.sentence) <= 502
    assert mid.sentence.endswith("safe humanitarian deliveries.”")
    assert "more than 100 civilians" in un.quotes
    assert "successfully" not in un.quotes  # one word is not a quote
    assert tsargrad.sentence.startswith("Russians sources believe that")


def test_seed_text_and_title(seeds: Path) -> None:
    raw = (seeds / "helmer-guterres-azovstal.txt").read_text(encoding="utf-8")
    article = extract_text(raw)
    assert article.title == "Print This Post Print This Post"
    assert "Source: Osnat Lubrani" in article.text


def test_edge_cases(fixtures: Path) -> None:
    article = extract_text((fixtures / "edge-cases.txt").read_text(encoding="utf-8"))
    assert article.title == "Edge cases in plain text"
    assert [c.url for c in article.citations] == [
        "https://example.org/wiki/Report_(2022)",
        "http://www.mirror-example.com/",
        "https://news.example.com/story?id=7&ref=home",
        "https://ministry.example.gov/briefing",
    ]
    first, mirror, _tracked, ministry = article.citations
    assert (
        first.sentence == "The first report (see https://example.org/wiki/Report_(2022)). was widely shared."
    )
    assert mirror.label == ""
    assert ministry.label == "Ministry of Truth"
    assert ministry.quotes == (
        "we will publish every document on the website",
        "nothing will be hidden from the public",
    )
    assert ministry.sentence.startswith("The minister said “we will publish")


def test_trailing_punctuation_and_brackets() -> None:
    text = 'See (https://x.org/a_(b)). Also "https://y.org/q?x=1", https://z.org/p; and https://w.org/!'
    urls = [c.url for c in extract_text(text).citations]
    assert urls == ["https://x.org/a_(b)", "https://y.org/q?x=1", "https://z.org/p", "https://w.org/"]


def test_source_line_without_url_cites_nothing() -> None:
    text = "The UN official said so.\n\nSource: Osnat Lubrani at the convoy. See her Twitter postings.\n"
    assert extract_text(text).citations == ()


def test_source_line_label_and_several_urls() -> None:
    text = "He said “this is the whole truth of it”.\nSource: Reuters, https://r.example/a; AP - https://ap.example/b\n"
    first, second = extract_text(text).citations
    assert (first.url, first.label) == ("https://r.example/a", "Reuters")
    assert (second.url, second.label) == ("https://ap.example/b", "AP")
    assert first.sentence == second.sentence == "He said “this is the whole truth of it”."
    assert first.quotes == ("this is the whole truth of it",)


def test_first_occurrence_wins_later_ones_add_quotes() -> None:
    text = (
        "First https://x.org/a here.\n\n"
        "Again https://x.org/a#frag where she said “this is a new quote here”.\n"
    )
    (citation,) = extract_text(text).citations
    assert citation.sentence == "First https://x.org/a here."
    assert citation.quotes == ("this is a new quote here",)


def test_long_sentences_are_capped_around_the_link() -> None:
    words = " ".join(f"word{i}" for i in range(400))
    (citation,) = extract_text(f"{words} https://x.org/mid {words}.").citations
    assert len(citation.sentence) <= 502
    assert "https://x.org/mid" in citation.sentence
    assert citation.sentence.startswith("…") and citation.sentence.endswith("…")


def test_citation_cap() -> None:
    text = "\n".join(f"https://example.org/{i}" for i in range(2100))
    citations = extract_text(text).citations
    assert len(citations) == 2000
    assert citations[-1].url == "https://example.org/1999"


def test_extract_decodes_legacy_encodings() -> None:
    cp1252 = "Caf\u00e9 \u201cquotes here are four words\u201d https://x.org/\u00e9".encode("cp1252")
    article = extract(cp1252, kind="text")
    assert article.title.startswith("Café “quotes")
    assert article.citations[0].url == "https://x.org/%C3%A9"
    bom = "\ufeffTitle line\nhttps://x.org/".encode()
    assert extract(bom, kind="text").title == "Title line"
    latin1_only = b"\x81\x8d odd bytes https://x.org/b"
    assert extract(latin1_only, kind="text").citations[0].url == "https://x.org/b"


def test_hostile_text_does_not_crash() -> None:
    nasty = (
        "\x00\x01((((https://x.org/"
        + ")" * 5000
        + " “" * 3000
        + "www." * 1000
        + "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    )
    article = extract_text(nasty)
    assert [c.url for c in article.citations] == ["https://x.org/"]


def test_a_window_never_exceeds_its_limit() -> None:
    # A short limit and no space near the cut used to snap the end to -1: all but the last character.
    from crawler.ingest.sentences import window

    assert window("abcdefghij klmnopqrstuvwxyz", 0, 0, 10) == "abcdefghij…"
    assert window("x" * 30, 0, 0, 10) == "x" * 10 + "…"
