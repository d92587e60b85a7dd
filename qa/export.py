"""Export the parsed facts as the files an office works with: the 重点任务分工表 of a plan, one department's
任务清单, and the quantitative targets — as Word (.docx), Excel (.xlsx) or CSV.

Everything comes from the parsed clauses (qa/structure.py) and facts (qa/facts.py), in the documents' own
words. Where a document writes 牵头单位/配合单位 out, they are copied; where it only lists 责任单位, the first
unit leads by the usual convention and a note under the title says so. A list cut off in the source is
marked as incomplete, never completed by guessing.

Each export is first built as a `Report` (title, notes, columns, one section per document), then written
by one writer per format, so the CLI and the web app produce the same files.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from .facts import DEADLINE, Target, department_names, duties_by_document, role
from .structure import Clause, strip_units

FORMATS = ("docx", "xlsx", "csv")
INCOMPLETE = "（原文截断，列表不完整）"
CONVENTION_NOTE = ("原文写明牵头单位、配合单位的照录；只列责任单位的，按惯例以列第一位的单位为牵头单位，"
                   "其余为配合单位。")
EXPLICIT_NOTE = "牵头单位、配合单位照录原文。"
CUT_NOTE = f"标注「{INCOMPLETE}」的条款，责任单位在原文中不完整，未作推断。"
SOURCE_NOTE = "本表由政策问答根据文件原文自动生成，内容以原文为准。"
BODY_FONT, TITLE_FONT = "仿宋", "宋体"  # the fonts of government documents; see _declare_fonts for fallback
# (name, Word width in cm, Excel width in characters)
DIVISION_COLUMNS = [("序号", 1.2, 6), ("部分", 2.3, 18), ("条款", 2.7, 22), ("重点任务", 7.8, 60),
                    ("牵头单位", 2.2, 16), ("配合单位", 3.0, 24), ("完成时限", 1.6, 10), ("量化目标", 3.5, 36),
                    ("出处", 2.3, 30)]
TASK_COLUMNS = [("序号", 1.2, 6), ("条款", 2.8, 22), ("本单位职责", 1.6, 10), ("重点任务", 8.4, 60),
                ("牵头单位", 2.2, 16), ("配合单位", 3.0, 24), ("完成时限", 1.6, 10), ("量化目标", 3.5, 36),
                ("出处", 2.3, 30)]
TARGET_COLUMNS = [("条款", 2.0, 10), ("完成时限", 2.0, 10), ("数量", 2.2, 12), ("目标", 6.0, 40),
                  ("原句", 9.8, 70), ("出处", 4.0, 40)]


class ExportError(Exception):
    """An export cannot be made; the message says why (Chinese, for users)."""


@dataclass
class Section:
    heading: str  # the document's title
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)


@dataclass
class Report:
    title: str
    columns: list[tuple[str, float, int]]
    sections: list[Section]
    notes: list[str] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        return [name for name, _, _ in self.columns]


# ------------------------------------------------------------------------------------------- contents


def tasks_of(clause: Clause) -> str:
    """The clause's task sentences: its text without the label, the lead phrase and the 责任单位 note."""
    body = strip_units(clause.text).removeprefix(clause.label)
    body = body.removeprefix(f"{clause.title}。") if clause.title else body
    return "\n".join(line.strip() for line in body.split("\n") if line.strip())


def deadlines_of(clause: Clause, targets: list[Target]) -> str:
    years = {m.group("year") for m in DEADLINE.finditer(tasks_of(clause))}
    years |= {t.deadline.removesuffix("年") for t in targets if t.deadline}
    return "、".join(f"{y}年" for y in sorted(years))


def targets_cell(targets: list[Target]) -> str:
    return "\n".join(f"{t.number}{t.unit}{t.qualifier}（{'到' + t.deadline if t.deadline else '未写期限'}）：{t.what}"
                     for t in targets)


def units_cells(clause: Clause) -> tuple[str, str]:
    lead, support = "、".join(clause.lead), "、".join(clause.support)
    if clause.departments_cut:  # the cut is at the list's end: the supporting units; the lead only if none
        support += INCOMPLETE
        lead = lead or INCOMPLETE
    return lead or "—", support or "—"


def has_units(clause: Clause) -> bool:
    return bool(clause.departments or clause.departments_cut)


def choose_documents(clauses: list[Clause], doc: str | None) -> list[str]:
    """The documents with 责任单位 to export: the one `doc` names (exact title, else a unique part of it)."""
    docs = list(dict.fromkeys(c.doc for c in clauses if has_units(c)))
    if not docs:
        raise ExportError("文件中没有列出责任单位的条款，无法生成分工表")
    if doc is None:
        return docs
    if doc in docs:
        return [doc]
    found = [d for d in docs if doc in d]
    if len(found) == 1:
        return found
    listed = "、".join(f"《{d}》" for d in docs)
    reason = "有多个文件符合" if found else "没有列出责任单位的文件符合"
    raise ExportError(f"「{doc}」{reason}。可选的文件：{listed}")


def _clause_targets(clause: Clause, targets: list[Target]) -> list[Target]:
    return [t for t in targets if t.citation == clause.citation]


def _section_notes(clauses: list[Clause]) -> list[str]:
    notes = [EXPLICIT_NOTE if all(c.lead_explicit for c in clauses if c.departments) else CONVENTION_NOTE]
    return notes + ([CUT_NOTE] if any(c.departments_cut for c in clauses) else [])


def division_table(clauses: list[Clause], targets: list[Target], doc: str | None = None) -> Report:
    """The 重点任务分工表: one row per clause with 责任单位, one section per document."""
    sections = []
    for title in choose_documents(clauses, doc):
        listed = [c for c in clauses if c.doc == title and has_units(c)]
        rows = []
        for number, clause in enumerate(listed, 1):
            mine = _clause_targets(clause, targets)
            rows.append([str(number), " › ".join(clause.path), f"{clause.label}{clause.title}", tasks_of(clause),
                         *units_cells(clause), deadlines_of(clause, mine) or "—", targets_cell(mine) or "—",
                         clause.citation])
        sections.append(Section(title, rows, _section_notes(listed)))
    title = f"《{sections[0].heading}》重点任务分工表" if len(sections) == 1 else "重点任务分工表"
    return Report(title, DIVISION_COLUMNS, sections, [SOURCE_NOTE])


def task_list(department: str, clauses: list[Clause], targets: list[Target]) -> Report:
    """One department's 任务清单: its clauses in every document that names it, with its role."""
    found = [(doc, name, listed) for doc, name, listed in duties_by_document(department, clauses) if listed]
    if not found:
        known = "、".join(department_names(clauses))
        raise ExportError(f"文件的责任单位中没有「{department}」。已列出的部门：{known}")
    sections = []
    for doc, name, listed in found:
        rows = []
        for number, clause in enumerate(listed, 1):
            mine = _clause_targets(clause, targets)
            rows.append([str(number), f"{clause.label}{clause.title}", role(name, clause), tasks_of(clause),
                         *units_cells(clause), deadlines_of(clause, mine) or "—", targets_cell(mine) or "—",
                         clause.citation])
        sections.append(Section(doc, rows, [f"本文件中的名称：{name}"] + _section_notes(listed)))
    return Report(f"{found[0][1]}任务清单", TASK_COLUMNS, sections, [SOURCE_NOTE])


def targets_table(targets: list[Target]) -> Report:
    """Every quantitative target with its deadline, one section per document."""
    docs = dict.fromkeys(t.citation.split(" › ")[0] for t in targets)
    sections = [Section(doc, [[t.label, f"到{t.deadline}" if t.deadline else "—", f"{t.number}{t.unit}{t.qualifier}",
                               t.what, t.sentence, t.citation]
                              for t in targets if t.citation.split(" › ")[0] == doc]) for doc in docs]
    if not sections:
        raise ExportError("文件中没有找到量化目标")
    return Report("量化目标与完成时限", TARGET_COLUMNS, sections, [SOURCE_NOTE])


# -------------------------------------------------------------------------------------------- writers


def write(report: Report, path: Path, fmt: str | None = None) -> Path:
    """Write the report in `fmt` (default: from the file's suffix); return the path."""
    fmt = fmt or path.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise ExportError(f"不支持的格式「{fmt}」，可选：{'、'.join(FORMATS)}")
    path = path.with_suffix(f".{fmt}")
    if not path.parent.is_dir():
        raise ExportError(f"输出目录不存在：{path.parent}")
    {"docx": write_docx, "xlsx": write_xlsx, "csv": write_csv}[fmt](report, path)
    return path


def write_csv(report: Report, path: Path) -> None:
    """UTF-8 with BOM, so that Excel opens it in Chinese; the document is the first column."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["文件", *report.headers])
        for section in report.sections:
            writer.writerows([section.heading, *row] for row in section.rows)


def sheet_title(text: str, taken: set[str]) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", "", text)[:28] or "Sheet"
    name, n = base, 2
    while name in taken:
        name, n = f"{base[:26]}({n})", n + 1
    taken.add(name)
    return name


def write_xlsx(report: Report, path: Path) -> None:
    """One sheet per document: title and notes on top, then a frozen, filterable header and wrapped rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for section in report.sections:
        sheet = book.create_sheet(sheet_title(section.heading, taken))
        width = len(report.columns)
        top = [f"《{section.heading}》 {report.title}", *section.notes, *report.notes]
        for row, text in enumerate(top, 1):
            sheet.cell(row, 1, text).font = Font(name=TITLE_FONT if row == 1 else BODY_FONT, bold=row == 1,
                                                 size=14 if row == 1 else 10)
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        header = len(top) + 1
        for col, (name, _, chars) in enumerate(report.columns, 1):
            cell = sheet.cell(header, col, name)
            cell.font = Font(name=TITLE_FONT, bold=True)
            cell.fill = PatternFill("solid", fgColor="D9E2F3")
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = border
            sheet.column_dimensions[get_column_letter(col)].width = chars
        for r, values in enumerate(section.rows, header + 1):
            for col, value in enumerate(values, 1):
                cell = sheet.cell(r, col, value)
                cell.font = Font(name=BODY_FONT, size=10)
                cell.alignment = Alignment(vertical="top", wrap_text=True)
                cell.border = border
        sheet.freeze_panes = sheet.cell(header + 1, 1)
        last = get_column_letter(width)
        sheet.auto_filter.ref = f"A{header}:{last}{header + max(len(section.rows), 1)}"
        sheet.print_title_rows = f"{header}:{header}"  # printed on every page, like Word's repeated header
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    book.save(path)


def write_docx(report: Report, path: Path) -> None:
    """Landscape A4; a title, its notes, then per document a heading and a real table whose header row
    repeats on every page (w:tblHeader)."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    document = Document()
    _declare_fonts(document)
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(1.8))
    section.top_margin = section.bottom_margin = Cm(2.0)
    _paragraph(document, report.title, TITLE_FONT, 18, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    many = len(report.sections) > 1
    if not many:
        _notes(document, report.sections[0].notes + report.notes)
    else:
        _notes(document, report.notes)
    for index, part in enumerate(report.sections):
        if many:
            if index:
                document.add_page_break()
            _paragraph(document, f"《{part.heading}》", TITLE_FONT, 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
            _notes(document, part.notes)
        table = document.add_table(rows=1, cols=len(report.columns))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        _mark_header(table.rows[0])
        for cell, (name, cm, _) in zip(table.rows[0].cells, report.columns):
            _fill(cell, name, TITLE_FONT, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        for values in part.rows:
            for cell, value in zip(table.add_row().cells, values):
                _fill(cell, value, BODY_FONT)
        for column, (_, cm, _) in zip(table.columns, report.columns):
            column.width = Cm(cm)  # the grid, which LibreOffice reads, and every cell, which Word reads
            for cell in column.cells:
                cell.width = Cm(cm)
    document.core_properties.title = report.title
    document.save(path)


def _notes(document, notes: list[str]) -> None:
    for number, note in enumerate(notes, 1):
        _paragraph(document, f"说明{number}：{note}" if len(notes) > 1 else f"说明：{note}", BODY_FONT, 10.5)


def _paragraph(document, text: str, font: str, size: float, bold: bool = False, align=None):
    paragraph = document.add_paragraph()
    paragraph.alignment = align
    _run(paragraph, text, font, size, bold)
    return paragraph


def _fill(cell, text: str, font: str, bold: bool = False, align=None) -> None:
    """Cell text, one paragraph per line, 10.5 pt (五号)."""
    lines = text.split("\n")
    cell.paragraphs[0].alignment = align
    _run(cell.paragraphs[0], lines[0], font, 10.5, bold)
    for line in lines[1:]:
        paragraph = cell.add_paragraph()
        paragraph.alignment = align
        _run(paragraph, line, font, 10.5, bold)


def _run(paragraph, text: str, font: str, size: float, bold: bool) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run = paragraph.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)
    run.font.name = "Times New Roman"  # Latin text and digits, as in government documents
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), font)


def _mark_header(row) -> None:
    """The header row repeats at the top of every page (w:tblHeader) and is never split."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    for tag in ("w:cantSplit", "w:tblHeader"):
        element = OxmlElement(tag)
        element.set(qn("w:val"), "true")
        properties.append(element)


# Fallback: declared in the document's font table with their alternative names and the GB2312 character set,
# so that Word finds 仿宋_GB2312/FangSong and a reader without them (LibreOffice on Linux) substitutes a
# serif CJK font (Noto Serif CJK SC) instead of a sans one.
FONT_TABLE = {"仿宋": "仿宋_GB2312,FangSong", "宋体": "SimSun"}


def _declare_fonts(document) -> None:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from lxml import etree

    part = next((r.target_part for r in document.part.rels.values() if r.reltype == RT.FONT_TABLE), None)
    if part is None:
        return
    root = etree.fromstring(part.blob)
    for name, alternative in FONT_TABLE.items():
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        for tag, value in (("w:altName", alternative), ("w:charset", "86"), ("w:family", "roman"),
                           ("w:pitch", "variable")):
            child = OxmlElement(tag)
            child.set(qn("w:val"), value)
            font.append(child)
        root.append(font)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def file_name(report: Report, fmt: str) -> str:
    """A file name from the report's title: no characters that file systems refuse."""
    return re.sub(r'[\\/:*?"<>|《》]', "", report.title) + f".{fmt}"
