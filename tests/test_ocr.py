"""Scanned documents read by OCR (qa/ocr.py): a scanned PDF, a scanned page inside a text PDF, an image."""
from __future__ import annotations

import difflib

import pytest
from PIL import Image

from qa.documents import DocumentError, read_document
from qa.structure import parse_document

from .conftest import PLAN
from .pdf_fixtures import plan_docx, scan, soffice, to_pdf


@pytest.fixture(scope="module")
def plan_head() -> list[str]:
    return [p.text for p in read_document(PLAN).paragraphs][:6]


def test_a_scanned_pdf_is_read_by_ocr_into_its_clauses(tmp_path, plan_head):
    pdf = tmp_path / "扫描件.pdf"
    scan(plan_head).convert("RGB").save(pdf, "PDF", resolution=200)
    document = read_document(pdf)
    assert document.ocr_pages == 1 and "OCR" in document.notes[0]
    read = "".join(p.text for p in document.paragraphs)
    assert difflib.SequenceMatcher(None, read, "".join(plan_head)).ratio() > 0.97
    clauses = parse_document(document)
    assert [c.label for c in clauses if c.kind == "clause"] == ["（一）", "（二）", "（三）"]
    assert all("（OCR 识别）" in c.citation for c in clauses)


def test_an_image_is_read_and_a_blank_one_is_refused_clearly(tmp_path, plan_head):
    photo = tmp_path / "通知.png"
    scan(plan_head[:3]).save(photo)
    document = read_document(photo)
    assert document.ocr_pages == 1 and any("指导思想" in p.text for p in document.paragraphs)
    blank = tmp_path / "空白.jpg"
    Image.new("RGB", (1654, 2339), "white").save(blank)
    with pytest.raises(DocumentError, match="空白.jpg.*未识别出文字"):
        read_document(blank)
    broken = tmp_path / "坏图.png"
    broken.write_bytes(b"\x89PNG not really")
    with pytest.raises(DocumentError, match="坏图.png"):
        read_document(broken)


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) makes the text PDF")
def test_a_scanned_page_inside_a_text_pdf_is_read_too(tmp_path, plan_head):
    from pypdf import PdfReader, PdfWriter

    text_pdf = to_pdf([plan_docx(PLAN, tmp_path)], tmp_path)[0]  # the plan as a text PDF
    scanned = tmp_path / "scanned.pdf"
    scan(["附件：补充说明。职业院校实训基地由市教育局统筹建设，每年开展一次评估。"]).convert("RGB").save(
        scanned, "PDF", resolution=200)
    writer = PdfWriter()
    for reader in (PdfReader(text_pdf), PdfReader(scanned)):
        for page in reader.pages:
            writer.add_page(page)
    mixed = tmp_path / "混合.pdf"
    with open(mixed, "wb") as fh:
        writer.write(fh)
    document = read_document(mixed)
    assert document.ocr_pages == 1
    texts = [p.text for p in document.paragraphs]
    assert any("每年开展一次评估" in t for t in texts) and any("指导思想" in t for t in texts)


def test_a_scanned_statute_keeps_its_articles(tmp_path):
    from .conftest import LAW

    articles = [p.text for p in read_document(LAW).paragraphs if p.text.startswith("第")][1:6]  # 第一条…第五条
    pdf = tmp_path / "条例扫描件.pdf"
    scan(articles).convert("RGB").save(pdf, "PDF", resolution=200)
    clauses = parse_document(read_document(pdf))
    assert [c.label for c in clauses if c.kind == "article"] == ["第一条", "第二条", "第三条", "第四条", "第五条"]
