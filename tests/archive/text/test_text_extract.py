"""main_text: HTML through trafilatura (with a fallback for short statements), PDF, plain text."""

from __future__ import annotations

from fpdf import FPDF

from archive.text import main_text

PAGE = b"""<html><head><title>Statement</title></head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a></nav><div class="clock">14:03</div></header>
<main><h1>Statement on the strike</h1>
<p>The ministry confirms that 101 civilians were killed on 3 May 2026 in the northern district.</p>
<p>An independent investigation will report its findings within 30 days of today.</p>
<div class="promo">Subscribe to our newsletter</div></main>
<footer>Contact us - Privacy</footer></body></html>"""


def test_html_main_text_drops_navigation_and_footer() -> None:
    text = main_text(PAGE, "text/html; charset=utf-8")
    assert "101 civilians were killed on 3 May 2026" in text
    assert "within 30 days" in text
    assert "Contact us" not in text
    assert "News" not in text.split("\n")


def test_ignore_selectors_remove_elements_before_extraction() -> None:
    assert "newsletter" in main_text(PAGE, "text/html")
    assert "newsletter" not in main_text(PAGE, "text/html", ignore_selectors=(".promo",))


def test_invalid_selector_is_skipped() -> None:
    assert "101 civilians" in main_text(PAGE, "text/html", ignore_selectors=("p[[[", ".promo"))


def test_one_sentence_statement_is_extracted() -> None:
    page = (
        b"<html><body><div class='nav'><a href='/'>Home</a> <a href='/n'>News</a></div>"
        b"<div class='content'><p>We will not comply.</p></div><div class='foot'>Contact</div></body></html>"
    )
    assert "We will not comply." in main_text(page, "text/html")


def test_three_sentence_statement_inside_article() -> None:
    page = (
        b"<html><body><nav>Home News About</nav><article><h2>Arrest</h2><p>Police arrested a man. "
        b"He is 34. He remains in custody.</p></article><footer>Footer</footer></body></html>"
    )
    text = main_text(page, None)
    assert "Police arrested a man. He is 34. He remains in custody." in text


def test_charset_from_header_meta_and_fallback() -> None:
    latin = "<html><body><p>Le ministère a publié un communiqué détaillé ce matin.</p></body></html>"
    assert "ministère" in main_text(latin.encode("latin-1"), "text/html; charset=iso-8859-1")
    with_meta = latin.replace("<html>", "<html><head><meta charset='windows-1252'></head>")
    assert "ministère" in main_text(with_meta.encode("cp1252"), "text/html")
    assert "ministère" in main_text(latin.encode("utf-8"), "text/html")


def test_plain_text_is_decoded() -> None:
    assert (
        main_text("Déclaration officielle\n".encode(), "text/plain; charset=utf-8")
        == "Déclaration officielle\n"
    )


def test_pdf_text_of_all_pages() -> None:
    document = FPDF()
    document.set_font("helvetica", size=12)
    for sentence in ("First page statement.", "Second page statement."):
        document.add_page()
        document.cell(0, 10, sentence)
    data = bytes(document.output())
    text = main_text(data, "application/pdf")
    assert "First page statement." in text and "Second page statement." in text
    assert "Second page statement." in main_text(data, None)  # by its %PDF magic


def test_hostile_input_never_raises() -> None:
    for payload in (b"", b"\x00\xff\xfe\x00", b"<html", b"%PDF-1.4 garbage", b"<" * 10000, b"\xef\xbb\xbf"):
        for content_type in (None, "text/html", "application/pdf", "text/html; charset=bogus", "image/png"):
            assert isinstance(main_text(payload, content_type), str)
    assert main_text(b"\x89PNG\r\n\x1a\n\x00\x00", "image/png") == ""
    assert main_text(b"%PDF-1.4 garbage", "application/pdf") == ""


def test_xml_declaration_in_xhtml() -> None:
    page = b"<?xml version='1.0' encoding='utf-8'?><html><body><p>Statement text here.</p></body></html>"
    assert "Statement text here." in main_text(page, "application/xhtml+xml")
