from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF
from fpdf.enums import EncryptionMethod

from crawler.ingest import UnreadablePdf, extract, extract_pdf


def _article_pdf() -> bytes:
    pdf = FPDF()
    pdf.set_title("Azovstal: what the UN knew")
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, 'Putin said: "The simplest thing is to release the civilians." The UN disagreed.')
    pdf.write(8, "Read the ")
    pdf.write(8, "Kremlin transcript", link="http://en.kremlin.ru/events/president/news/68282?utm_source=pdf")
    pdf.write(8, " for details. Also see https://www.icrc.org/en/document/safe-passage.")
    pdf.ln(10)
    pdf.cell(60, 8, "UN statement", link="https://www.un.org/sg/en/statement", new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.cell(60, 8, "Write to us", link="mailto:desk@example.org", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(60, 8, "Transcript again", link="http://en.kremlin.ru/events/president/news/68282")
    return bytes(pdf.output())


def test_link_annotations_and_bare_urls() -> None:
    article = extract_pdf(_article_pdf())
    assert article.kind == "pdf"
    assert article.title == "Azovstal: what the UN knew"
    assert [(c.url, c.label) for c in article.citations] == [
        ("http://en.kremlin.ru/events/president/news/68282", "Kremlin transcript"),
        ("https://www.icrc.org/en/document/safe-passage", ""),
        ("https://www.un.org/sg/en/statement", "UN statement"),
    ]
    kremlin = article.citations[0]
    assert kremlin.sentence == "Read the Kremlin transcript for details."
    assert kremlin.quotes == ("The simplest thing is to release the civilians.",)
    assert "The UN disagreed." in article.text


def test_extract_dispatches_pdf() -> None:
    assert len(extract(_article_pdf(), kind="pdf").citations) == 3


def test_title_falls_back_to_first_line() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 8, "A headline without metadata")
    assert extract_pdf(bytes(pdf.output())).title == "A headline without metadata"


def test_corrupt_pdf_fixture(fixtures: Path) -> None:
    with pytest.raises(UnreadablePdf, match="damaged") as caught:
        extract_pdf((fixtures / "truncated.pdf").read_bytes())
    assert "\n" not in str(caught.value)
    assert "HTML or text" in str(caught.value)


@pytest.mark.parametrize(
    "data",
    [b"", b"<html>not a pdf</html>", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, b"%PDF-1.7\n" + b"\xff" * 2000],
)
def test_not_a_pdf(data: bytes) -> None:
    with pytest.raises(UnreadablePdf, match="cannot read the PDF"):
        extract_pdf(data)


def test_password_protected_pdf() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(40, 8, "secret https://secret.example/")
    pdf.set_encryption(owner_password="own", user_password="user", encryption_method=EncryptionMethod.RC4)
    with pytest.raises(UnreadablePdf, match="password") as caught:
        extract_pdf(bytes(pdf.output()))
    assert caught.value.encrypted


def test_owner_password_only_pdf_is_readable() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(40, 8, "open https://open.example/a")
    pdf.set_encryption(owner_password="own", encryption_method=EncryptionMethod.RC4)
    assert [c.url for c in extract_pdf(bytes(pdf.output())).citations] == ["https://open.example/a"]
