from __future__ import annotations

import io
import zipfile

import docx
import pytest

from qa.documents import DocumentError, iter_corpus_files, read_document

from .conftest import LAW, PLAN


def test_plan_docx_reads_title_and_paragraphs_in_order():
    document = read_document(PLAN)
    assert document.title == "关于加快推进职业教育现代化服务的实施方案"
    texts = [p.text for p in document.paragraphs]
    assert texts[0].startswith("为贯彻落实习近平总书记")
    assert texts[1] == "一、总体要求" and document.paragraphs[1].heading_level == 1
    assert texts[2].startswith("（一）指导思想。")
    assert texts[-1].startswith("【编者注")  # the cut-off of (十八) is marked in the document itself
    full = "".join(texts)
    for slip in ("IOoO", "100虬", "(-)", "第壹文秘"):
        assert slip not in full
    assert "1000名中高职学生" in full and "参与率达到100%。" in full


def test_law_markdown_title_and_headings():
    document = read_document(LAW)
    assert document.title == "中华人民共和国职业教育法"
    headings = [p.text for p in document.paragraphs if p.heading_level]
    assert headings[0] == "第一章 总 则" and len(headings) == 8
    assert not any("INFO END" in p.text for p in document.paragraphs)


def test_docx_table_cells_are_read_in_body_order(tmp_path):
    d = docx.Document()
    d.add_paragraph("前文")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "部门", "职责"
    table.cell(1, 0).text, table.cell(1, 1).text = "市教育局", "牵头"
    d.add_paragraph("后文")
    path = tmp_path / "t.docx"
    d.save(path)
    assert [p.text for p in read_document(path).paragraphs] == ["前文", "部门 | 职责", "市教育局 | 牵头", "后文"]


def test_gbk_text_is_detected(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("第一条 职业教育是国民教育体系的重要组成部分。".encode("gbk"))
    document = read_document(path)
    assert document.paragraphs[0].text == "第一条 职业教育是国民教育体系的重要组成部分。"
    assert any("GB18030" in note for note in document.notes)


@pytest.mark.parametrize("name,content,reason", [
    ("random.docx", bytes(range(256)) * 40, "不是有效的 .docx"),
    ("empty.txt", b"", "文件为空"),
    ("blank.md", b"  \n\n ", "文件为空"),
    ("binary.txt", b"\x00\x01\x02\x03" * 500, "二进制"),
    ("slides.pptx", b"anything", "不支持的文件类型"),
])
def test_bad_files_name_the_file_and_the_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError) as info:
        read_document(path)
    assert name in str(info.value) and reason in str(info.value)


def test_truncated_docx_is_reported(tmp_path):
    data = PLAN.read_bytes()
    path = tmp_path / "cut.docx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DocumentError, match="cut.docx"):
        read_document(path)


def test_docx_with_damaged_part_is_reported(tmp_path):
    path = tmp_path / "bad-part.docx"
    with zipfile.ZipFile(PLAN) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, b"<w:document>broken" if item.filename == "word/document.xml" else data)
    with pytest.raises(DocumentError, match="bad-part.docx"):
        read_document(path)


def test_corpus_listing_skips_readme_and_sources():
    names = [p.name for p in iter_corpus_files(PLAN.parent)]
    assert names == sorted([PLAN.name, LAW.name])


def test_docx_in_memory_bytes_are_not_needed(tmp_path):
    # a .docx whose only content is an image-less, empty body reads as "no text"
    path = tmp_path / "blank.docx"
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    path.write_bytes(buffer.getvalue())
    with pytest.raises(DocumentError, match="没有可读取的文字"):
        read_document(path)
