"""Issue 11: the 重点任务分工表, a department's 任务清单 and the targets, exported and read back from every format
(python-docx, openpyxl, csv) and compared with the parsed facts."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from docx import Document as WordDocument
from docx.oxml.ns import qn
from openpyxl import load_workbook

from qa.cli import main
from qa.documents import read_document
from qa.export import INCOMPLETE
from qa.facts import extract_targets
from qa.structure import parse_document

from .conftest import CORPUS, PLAN
from .test_facts import CITY, DISTRICT, SEED, corpus, clauses  # noqa: F401  (fixtures: the three plans)

FINANCE = ["（九）", "（十二）", "（十四）", "（十五）", "（十六）"]


@pytest.fixture(scope="module")
def plan():
    return parse_document(read_document(PLAN))


def read_docx(path: Path) -> list[list[dict[str, str]]]:
    """Every table of the document as rows of {header: cell text}."""
    tables = []
    for table in WordDocument(str(path)).tables:
        header = [cell.text for cell in table.rows[0].cells]
        tables.append([dict(zip(header, (cell.text for cell in row.cells))) for row in table.rows[1:]])
    return tables


def read_xlsx(path: Path) -> list[list[dict[str, str]]]:
    sheets = []
    for sheet in load_workbook(path).worksheets:
        values = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
        at = next(i for i, row in enumerate(values) if row[0] == "序号" or row[0] == "条款")
        sheets.append([dict(zip(values[at], row)) for row in values[at + 1:]])
    return sheets


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def label_of(row: dict[str, str]) -> str:
    return row["条款"][: row["条款"].index("）") + 1]


@pytest.fixture(scope="module")
def division_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("division")
    files = {fmt: folder / f"分工表.{fmt}" for fmt in ("docx", "xlsx", "csv")}
    for path in files.values():
        assert main(["export", "分工表", "-o", str(path), "--corpus", str(CORPUS)]) == 0
    return files


def division_rows(files: dict[str, Path]) -> dict[str, list[dict[str, str]]]:
    docx, xlsx = read_docx(files["docx"]), read_xlsx(files["xlsx"])
    assert len(docx) == 1 and len(xlsx) == 1  # one plan in the corpus has 责任单位: one section
    return {"docx": docx[0], "xlsx": xlsx[0], "csv": read_csv(files["csv"])}


def test_division_table_matches_the_parsed_facts_in_every_format(division_files, plan):
    listed = [c for c in plan if c.departments or c.departments_cut]
    targets = extract_targets(plan)
    for fmt, rows in division_rows(division_files).items():
        assert [label_of(r) for r in rows] == [c.label for c in listed], fmt  # each clause once, in order
        assert [r["序号"] for r in rows] == [str(i) for i in range(1, len(listed) + 1)], fmt
        for row, clause in zip(rows, listed):
            if not clause.departments_cut:  # the full list, lead first, in the plan's order
                units = [row["牵头单位"], *row["配合单位"].split("、")] if row["配合单位"] != "—" else [row["牵头单位"]]
                assert units == clause.departments, (fmt, clause.label)
            assert "（责任单位" not in row["重点任务"] and clause.sentences[-2] in row["重点任务"], (fmt, clause.label)
            assert row["出处"] == clause.citation and row["部分"] == clause.path[0]
            for t in (t for t in targets if t.label == clause.label and t.deadline == "2025年"):
                assert f"{t.number}{t.unit}{t.qualifier}（到2025年）：{t.what}" in row["量化目标"], (fmt, t)
                assert "2025年" in row["完成时限"]
        three, eighteen = rows[0], rows[-1]
        assert (label_of(three), three["牵头单位"]) == ("（三）", "市委组织部"), fmt
        assert three["配合单位"] == "市教育局、市人力资源和社会保障局"
        assert label_of(eighteen) == "（十八）" and INCOMPLETE in eighteen["牵头单位"] + eighteen["配合单位"], fmt
        assert "市教" not in eighteen["牵头单位"] + eighteen["配合单位"].replace(INCOMPLETE, "")  # not guessed


def test_word_layout(division_files):
    document = WordDocument(str(division_files["docx"]))
    section = document.sections[0]
    assert section.orientation == 1 and section.page_width > section.page_height  # landscape
    assert abs(section.page_width.cm - 29.7) < 0.1 and abs(section.page_height.cm - 21.0) < 0.1  # A4
    table = document.tables[0]
    header = table.rows[0]._tr.trPr
    assert header is not None and header.find(qn("w:tblHeader")) is not None  # repeats on every page
    assert all(row._tr.trPr is None or row._tr.trPr.find(qn("w:tblHeader")) is None for row in table.rows[1:])
    fonts = {r._element.rPr.rFonts.get(qn("w:eastAsia")) for p in document.paragraphs for r in p.runs}
    fonts |= {r._element.rPr.rFonts.get(qn("w:eastAsia")) for p in table.rows[1].cells[3].paragraphs for r in p.runs}
    assert fonts == {"宋体", "仿宋"}
    text = "\n".join(p.text for p in document.paragraphs)
    assert "重点任务分工表" in document.paragraphs[0].text and "按惯例以列第一位的单位为牵头单位" in text
    assert "原文截断" in text


def test_excel_layout(division_files):
    sheet = load_workbook(division_files["xlsx"]).worksheets[0]
    header = next(r for r in range(1, 10) if sheet.cell(r, 1).value == "序号")
    assert sheet.freeze_panes == f"A{header + 1}"
    assert sheet.auto_filter.ref.startswith(f"A{header}:")
    assert sheet.column_dimensions["D"].width >= 40  # 重点任务
    assert sheet.cell(header + 1, 4).alignment.wrap_text
    assert "按惯例" in " ".join(str(sheet.cell(r, 1).value) for r in range(1, header))


def test_csv_has_a_bom(division_files):
    assert division_files["csv"].read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "csv"])
def test_finance_task_list(tmp_path, fmt, plan):
    path = tmp_path / f"清单.{fmt}"
    assert main(["export", "任务清单", "财政局", "--format", fmt, "-o", str(path), "--corpus", str(CORPUS)]) == 0
    rows = {"docx": lambda: read_docx(path)[0], "xlsx": lambda: read_xlsx(path)[0], "csv": lambda: read_csv(path)}[fmt]()
    assert [label_of(r) for r in rows] == FINANCE
    assert {r["本单位职责"] for r in rows} == {"配合"}  # first in none of its lists
    twelve = next(r for r in rows if label_of(r) == "（十二）")
    assert twelve["牵头单位"] == "市委编办" and "60%" in twelve["量化目标"]


def test_every_department_gets_its_own_task_list(tmp_path, plan):
    assert main(["export", "任务清单", "--all", "-o", str(tmp_path), "--format", "xlsx", "--corpus", str(CORPUS)]) == 0
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 15 and "市财政局任务清单.xlsx" in files
    rows = read_xlsx(tmp_path / "市委组织部任务清单.xlsx")[0]
    assert [(label_of(r), r["本单位职责"]) for r in rows] == [("（三）", "牵头")]


def test_several_plans_one_section_each_or_the_chosen_one(tmp_path, corpus):  # noqa: F811
    everything, chosen = tmp_path / "all.docx", tmp_path / "city.xlsx"
    assert main(["export", "分工表", "-o", str(everything), "--corpus", str(corpus)]) == 0
    tables = read_docx(everything)
    assert len(tables) == 3 and sorted(len(t) for t in tables) == [3, 3, 16]
    headings = [p.text for p in WordDocument(str(everything)).paragraphs]
    assert {f"《{d}》" for d in (SEED, CITY, DISTRICT)} <= set(headings)
    assert main(["export", "分工表", "--doc", "职业技能提升", "-o", str(chosen), "--corpus", str(corpus)]) == 0
    [rows] = read_xlsx(chosen)
    assert [(r["牵头单位"], r["配合单位"]) for r in rows] == [
        ("市人社局", "市财政局、市发改委、市教育局"), ("市发展和改革委员会", "市人社局、市财政局"),
        ("市委宣传部", "市人社局、市教育局")]
    assert "到2026年" in rows[0]["量化目标"] and rows[1]["完成时限"] == "2027年"
    notes = [c.value for c in load_workbook(chosen).worksheets[0]["A"][:4]]
    assert "牵头单位、配合单位照录原文。" in notes  # written out in this plan: no convention note


def test_bad_requests_say_why_and_write_nothing(tmp_path, capsys):
    out = tmp_path / "x.docx"
    assert main(["export", "分工表", "--doc", "不存在的方案", "-o", str(out), "--corpus", str(CORPUS)]) == 1
    assert "不存在的方案" in capsys.readouterr().err
    assert main(["export", "任务清单", "公安局", "-o", str(out), "--corpus", str(CORPUS)]) == 1
    assert "没有「公安局」" in capsys.readouterr().err
    assert main(["export", "任务清单", "-o", str(out), "--corpus", str(CORPUS)]) == 1
    assert "请给出部门" in capsys.readouterr().err
    assert main(["export", "分工表", "-o", str(tmp_path / "no" / "x.docx"), "--corpus", str(CORPUS)]) == 1
    assert "输出目录不存在" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_targets_export_and_timeline(tmp_path, capsys, plan):
    path = tmp_path / "targets.xlsx"
    assert main(["export", "目标", "-o", str(path), "--corpus", str(CORPUS)]) == 0
    targets = extract_targets(plan)
    [rows] = read_xlsx(path)
    assert [(r["条款"], r["数量"]) for r in rows] == [(t.label, f"{t.number}{t.unit}{t.qualifier}") for t in targets]
    assert main(["targets", "--timeline", "--corpus", str(CORPUS)]) == 0
    out = capsys.readouterr().out
    dated = [t for t in targets if t.deadline]
    assert out.startswith(f"到2025年（{len(dated)} 项）") and f"未写期限（{len(targets) - len(dated)} 项）" in out
    assert out.index("（十八） 100%") < out.index("未写期限") < out.index("（六） 3-4所")


def test_timeline_chart_has_every_dated_target_once(clauses):  # noqa: F811  (the three plans)
    from qa.timeline import timeline_figure

    targets = extract_targets(clauses)
    figure = timeline_figure(targets)
    points = [(y, text) for trace in figure.data for y, text in zip(trace.y, trace.hovertext)]
    assert len(points) == sum(bool(t.deadline) for t in targets) == 18
    assert len(set(figure.layout.yaxis.categoryarray)) == 10  # the city's and the district's （一） apart
    assert all(t.sentence[:20] in "".join(text for _, text in points) for t in targets if t.deadline)
