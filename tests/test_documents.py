from __future__ import annotations

import io
import os
import re
import subprocess
import zipfile
from pathlib import Path

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


# ------------------------------------------------------------------------------------- PDF and LibreOffice

from qa.documents import PdfLine, join_lines, strip_running_lines  # noqa: E402
from qa.structure import parse_document  # noqa: E402

from . import pdf_fixtures  # noqa: E402

needs_soffice = pytest.mark.skipif(pdf_fixtures.soffice() is None and not os.environ.get("CI"),
                                   reason="LibreOffice (soffice) is not installed (CI installs libreoffice-writer-nogui)")


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> dict[str, Path]:
    """The plan and the law printed to PDF by LibreOffice, with running headers and page numbers; a notice;
    the plan saved as .doc and .rtf."""
    folder = tmp_path_factory.mktemp("generated")
    plan, law, notice = (pdf_fixtures.plan_docx(PLAN, folder), pdf_fixtures.law_docx(LAW, folder),
                         pdf_fixtures.notice_docx(folder))
    pdfs = pdf_fixtures.to_pdf([plan, law, notice], folder)
    files = dict(zip(("plan", "law", "notice"), pdfs))
    for kind in ("doc", "rtf"):
        subprocess.run([pdf_fixtures.soffice(), f"-env:UserInstallation={(folder / '.lo').as_uri()}", "--headless",
                        "--convert-to", kind, "--outdir", str(folder), str(plan)], check=True, capture_output=True,
                       timeout=300)
        files[kind] = folder / f"plan.{kind}"
    return files


def _same_clauses(a, b) -> None:
    assert [(c.path, c.label, c.title, c.text, c.departments, c.departments_cut) for c in a] == \
        [(c.path, c.label, c.title, c.text, c.departments, c.departments_cut) for c in b]


@needs_soffice
def test_plan_pdf_parses_like_the_docx(generated):
    pdf, source = read_document(generated["plan"]), read_document(PLAN)
    assert pdf.title == source.title
    clauses = parse_document(pdf)
    assert len({c.path[0] for c in clauses if c.path}) == 5
    assert len([c for c in clauses if c.kind == "clause"]) == 18
    _same_clauses(clauses, parse_document(source))  # 责任单位 lists included
    text = "\n".join(p.text for p in pdf.paragraphs)
    assert "XX市人民政府办公室文件" not in text and not re.search(r"- \d+ -", text)  # header and page numbers gone
    assert "“三高四新”" in text and "（责任单位：" in text  # full-width punctuation kept, quotes in place


@needs_soffice
def test_law_pdf_with_indents_and_page_of_footers_parses_like_the_markdown(generated):
    pdf = read_document(generated["law"])
    assert pdf.title == "中华人民共和国职业教育法"  # the title survives although the running header repeats it
    _same_clauses(parse_document(pdf), parse_document(read_document(LAW)))
    assert not re.search(r"第 ?\d+ ?页", "\n".join(p.text for p in pdf.paragraphs))
    assert pdf.info.version == "2022-04-20" and pdf.info.effective == "2022-05-01"


@needs_soffice
def test_notice_pdf_states_its_issuer_number_and_date(generated):
    document = read_document(generated["notice"])
    assert document.title == "关于做好2022年职业院校招生工作的通知"  # no space put around 2022
    assert (document.info.issuer, document.info.number, document.info.published) == \
        ("XX市人民政府办公室", "X政办发〔2022〕12号", "2022-03-01")


@needs_soffice
@pytest.mark.parametrize("kind", ["doc", "rtf"])
def test_word_and_rtf_files_are_read_through_libreoffice(generated, kind):
    converted = read_document(generated[kind])
    assert converted.name == f"plan.{kind}"
    _same_clauses(parse_document(converted), parse_document(read_document(PLAN)))


def test_doc_without_libreoffice_says_what_to_install(tmp_path, monkeypatch):
    path = tmp_path / "通知.wps"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 600)
    monkeypatch.setattr("qa.documents.shutil.which", lambda name: None)
    with pytest.raises(DocumentError, match="通知.wps.*libreoffice-writer-nogui"):
        read_document(path)


@needs_soffice
def test_damaged_doc_is_reported(tmp_path):
    path = tmp_path / "坏文件.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0 not really a word file" * 20)
    with pytest.raises(DocumentError, match="坏文件.doc"):
        read_document(path)


def test_scanned_pdf_is_read_by_ocr(tmp_path):
    document = read_document(pdf_fixtures.scanned_pdf(tmp_path))  # more in tests/test_ocr.py
    assert document.ocr_pages == 1 and any("总体要求" in p.text for p in document.paragraphs)


@needs_soffice
def test_encrypted_pdf_has_its_own_message(generated, tmp_path):
    path = pdf_fixtures.encrypted_pdf(generated["plan"], tmp_path)
    with pytest.raises(DocumentError, match="encrypted.pdf：PDF 已加密，需要密码"):
        read_document(path)


def test_damaged_pdf_is_reported(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    with pytest.raises(DocumentError, match="broken.pdf：不是有效的 PDF"):
        read_document(path)


def _page(*texts: str, x1: float = 500.0) -> list[PdfLine]:
    return [PdfLine(t, 90.0, x1 if i < len(texts) - 1 else 90.0 + 11 * len(t), 11.0) for i, t in enumerate(texts)]


@pytest.mark.parametrize("number", ["- 2 -", "— 2 —", "2", "第 2 页 共 3 页", "第2页", "2/3", "Page 2"])
def test_page_numbers_are_dropped_and_a_word_split_by_the_page_break_is_rejoined(number):
    pages = [_page("（一）指导思想。坚持以人民为中心，加快推进职业教", number.replace("2", "1"), x1=500.0),
             _page("育现代化。（责任单位：市教育局）", number),
             _page("（二）总体目标。到2025年建成。", number.replace("2", "3"))]
    pages[0][0].x1 = pages[1][0].x1 = 500.0  # full lines: the paragraph goes on over the page break
    paragraphs = join_lines(strip_running_lines(pages))
    assert paragraphs == ["（一）指导思想。坚持以人民为中心，加快推进职业教育现代化。（责任单位：市教育局）",
                          "（二）总体目标。到2025年建成。"]


def _inflating_docx(path, megabytes: int) -> None:
    """A valid .docx whose document.xml inflates to `megabytes` MB of tiny paragraphs (a few hundred KB zipped)."""
    import shutil
    import zipfile

    from .conftest import PLAN

    shutil.copy(PLAN, path.with_suffix(".src"))
    paragraph = b'<w:p><w:r><w:t>\xe9\x87\x8d\xe5\xa4\x8d\xe7\x9a\x84\xe6\xae\xb5\xe8\x90\xbd</w:t></w:r></w:p>'
    with zipfile.ZipFile(path.with_suffix(".src")) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            if item.filename != "word/document.xml":
                out.writestr(item, source.read(item))
        with out.open("word/document.xml", "w") as xml:
            xml.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w='
                      b'"http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
            block = paragraph * 10_000
            for _ in range(megabytes * 1_000_000 // len(block) + 1):
                xml.write(block)
            xml.write(b"</w:body></w:document>")
    path.with_suffix(".src").unlink()


def test_an_inflating_docx_is_refused_quickly_and_the_index_is_unchanged(tmp_path, capsys):
    import time

    from qa.cli import main

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    bomb = corpus / "分工表.docx"
    _inflating_docx(bomb, 160)
    assert bomb.stat().st_size < 2_000_000
    started = time.perf_counter()
    with pytest.raises(DocumentError, match="分工表.docx.*解压后的内容有 16\\d MB，超过上限 100 MB"):
        read_document(bomb)
    assert main(["build", "--corpus", str(corpus), "--index", str(tmp_path / "index")]) == 1
    assert time.perf_counter() - started < 10
    assert "分工表.docx" in capsys.readouterr().err and not (tmp_path / "index").exists()


def test_characters_and_units_have_bounds_that_can_be_set(tmp_path, monkeypatch):
    from qa.structure import parse_document

    text = tmp_path / "长文件.txt"
    text.write_text("\n".join(f"第{n}段，内容。" for n in range(1, 301)), encoding="utf-8")
    monkeypatch.setenv("QA_MAX_CHARS", "1000")
    with pytest.raises(DocumentError, match="长文件.txt.*超过单个文件的上限 1,000 个字"):
        read_document(text)
    monkeypatch.delenv("QA_MAX_CHARS")
    document = read_document(text)
    monkeypatch.setenv("QA_MAX_UNITS", "100")
    with pytest.raises(DocumentError, match="长文件.txt.*300 个条款或段落，超过单个文件的上限 100 个"):
        parse_document(document)
    monkeypatch.delenv("QA_MAX_UNITS")
    assert len(parse_document(document)) == 300


def _task_table(path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "分工"
    sheet.append(["XX市职业教育重点任务分工表"])
    sheet.append(["序号", "重点任务", "完成时限", "牵头单位", "配合单位"])
    sheet.append([1, "建设市级公共实训基地", "2025年底", "市人力资源和社会保障局", "市教育局，市财政局"])
    sheet.append([2, "推进产教融合型企业认定", "2024年", "市发展改革委", "市教育局\n市工业和信息化局"])
    sheet.append([None, None, None, None, None])
    sheet.append([3, "开展退役军人技能培训", "持续推进", "市退役军人事务局", None])
    book.save(path)


def test_a_task_table_row_is_a_unit_with_its_departments(tmp_path):
    from qa.structure import parse_document

    path = tmp_path / "分工表.xlsx"
    _task_table(path)
    document = read_document(path)
    assert document.title == "XX市职业教育重点任务分工表"
    clauses = parse_document(document)
    assert [c.label for c in clauses] == ["第3行", "第4行", "第6行"]  # the empty row is no unit
    first = clauses[0]
    assert first.title == "建设市级公共实训基地" and "完成时限：2025年底" in first.text
    assert (first.lead, first.support) == (["市人力资源和社会保障局"], ["市教育局", "市财政局"])
    assert clauses[1].support == ["市教育局", "市工业和信息化局"]  # one per line in the cell
    assert clauses[2].departments == ["市退役军人事务局"]


def test_a_damaged_workbook_is_refused_clearly(tmp_path):
    path = tmp_path / "坏表.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(DocumentError, match="坏表.xlsx"):
        read_document(path)


def test_a_task_table_answers_who_leads_and_joins_the_duties(tmp_path, embedder, capsys):
    import json

    from qa.answer import Assistant
    from qa.cli import main

    from .conftest import PLAN

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _task_table(corpus / "分工表.xlsx")
    (corpus / PLAN.name).write_bytes(PLAN.read_bytes())
    assistant = Assistant(tmp_path / "index", corpus, embedder=embedder, progress=False)
    answer = assistant.ask("市级公共实训基地建设由谁牵头？")
    assert answer.direct.type == "units" and answer.results[0].clause.doc == "XX市职业教育重点任务分工表"
    assert answer.direct.units == ["市人力资源和社会保障局", "市教育局", "市财政局"]
    assert main(["duties", "市发展改革委", "--json", "--corpus", str(corpus)]) == 0
    cited = json.dumps(json.loads(capsys.readouterr().out), ensure_ascii=False)
    assert "推进产教融合型企业认定" in cited and "关于加快推进职业教育现代化服务的实施方案" in cited


def _saved_page(paragraphs: list[str], title: str, blocks: str) -> str:
    import html as markup

    body = ("<br>".join(markup.escape(p) for p in paragraphs) if blocks == "br"
            else "".join(f"<p>{markup.escape(p)}</p>" for p in paragraphs))
    nav = "".join(f"<li><a href='/{i}'>{w}</a></li>" for i, w in enumerate("首页 政务公开 政策文件 办事服务".split()))
    return (f"<html><head><meta charset='utf-8'><title>{title}_XX市人民政府</title></head><body>"
            f"<nav><ul>{nav}</ul></nav><div class='crumb'>当前位置：首页 &gt; 政策文件</div><h1>{title}</h1>"
            f"<div class='info'>发布时间：2022-03-01　浏览次数：88　字号：【大 中 小】</div>"
            f"<div class='content'>{body}</div><aside><ul><li><a href='/x'>关于做好招生工作的通知</a></li>"
            f"<li><a href='/y'>市教育局2023年工作总结</a></li></ul></aside>"
            f"<footer><p>版权所有：XX市人民政府　湘ICP备12345678号</p></footer></body></html>")


@pytest.mark.parametrize("blocks", ["p", "br"])
def test_a_saved_policy_page_is_read_as_its_main_text(tmp_path, blocks):
    from qa.structure import parse_document

    from .conftest import PLAN

    plan = read_document(PLAN)
    body = [p.text for p in plan.paragraphs if p.heading_level is None]
    page = tmp_path / "policy.html"
    page.write_text(_saved_page(body, plan.title, blocks), encoding="utf-8")
    document = read_document(page)
    assert document.title == plan.title
    texts = [p.text for p in document.paragraphs]
    assert all(t in texts for t in body)
    assert not any(w in t for t in texts for w in ("版权所有", "当前位置", "政务公开", "招生工作的通知"))
    assert sum(c.kind == "clause" for c in parse_document(document)) == 18


@pytest.mark.parametrize("style", [{}, {"per_char": True}, {"ctm": True}])
def test_an_ofd_is_read_as_its_paragraphs(tmp_path, style):
    from qa.structure import parse_document

    from .conftest import LAW, PLAN
    from .ofd_fixtures import write_ofd

    for source in (read_document(PLAN), read_document(LAW)):
        body = [p.text for p in source.paragraphs if p.heading_level is None]
        document = read_document(write_ofd(tmp_path / "doc.ofd", source.title, body, **style))
        assert document.title == source.title
        assert [p.text for p in document.paragraphs] == body  # page numbers dropped, wrapped lines rejoined
        kinds = [c.kind for c in parse_document(document)]
        assert kinds.count("clause") == 18 if source.path == PLAN else kinds.count("article") == 69


def test_a_damaged_or_empty_ofd_is_refused_clearly(tmp_path):
    from .ofd_fixtures import write_ofd

    broken = tmp_path / "坏文件.ofd"
    broken.write_bytes(b"PK\x03\x04 not an ofd")
    with pytest.raises(DocumentError, match="坏文件.ofd"):
        read_document(broken)
    empty = write_ofd(tmp_path / "原件.ofd", "通知", ["正文第一段。", "正文第二段。"])
    with zipfile.ZipFile(empty) as ofd, zipfile.ZipFile(tmp_path / "扫描.ofd", "w") as out:
        for item in ofd.infolist():  # every page without its text objects: an image-only OFD
            data = ofd.read(item)
            out.writestr(item, re.sub(rb"<ofd:TextObject.*?</ofd:TextObject>", b"", data))
    with pytest.raises(DocumentError, match="扫描.ofd.*没有可提取的文字"):
        read_document(tmp_path / "扫描.ofd")
