"""Rebuild the plan's .docx from the scraped raw text beside this script.

Run from the repository root:  python corpus/_source/build_plan_docx.py

The raw text (`关于加快推进职业教育现代化服务的实施方案.txt`) is a scrape of an 11-page .docx excerpt:
line 1 is the sharing site's banner, every other line starts with a page number (`3、`) and a page break
may fall inside a word. This script
  1. drops the banner line,
  2. strips the page-number markers and joins the pages without a separator (rejoining split words),
  3. fixes the OCR slips listed in OCR_FIXES (each checked to occur exactly as listed),
  4. turns ASCII punctuation into the full-width forms the rest of the text uses,
  5. puts the title, the preamble, each part heading and each clause in its own paragraph,
  6. marks the cut-off clause (十八) with an editor's note paragraph.
The output is deterministic (fixed core properties), so re-running it reproduces the committed file.
"""
from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE

HERE = Path(__file__).resolve().parent
TITLE = "关于加快推进职业教育现代化服务的实施方案"
RAW = HERE / f"{TITLE}.txt"
OUT = HERE.parent / f"{TITLE}.docx"

# OCR slip -> correct text. Each entry is asserted to occur in the raw text.
OCR_FIXES: dict[str, str] = {
    "(-)": "(一)",  # clause (一): a hyphen read for the numeral 一
    "IOoO名": "1000名",  # clause (十七): letters read for the digits of 1000
    "100虬": "100%。",  # clause (十八): "%。" read as one glyph 虬
}
# ASCII punctuation the scrape introduced -> the full-width forms of the original.
PUNCTUATION = str.maketrans({",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "?": "？", "!": "！"})
NUMERALS = "一二三四五六七八九十"
PART_HEADING = re.compile(rf"(?<=[。）])(?=[{NUMERALS}]+、)")
CLAUSE_LABEL = re.compile(rf"(?=（[{NUMERALS}]+）)")
CUT_NOTE = "【编者注：原文摘录至此截断，本条其余内容及责任单位缺失。】"


def clean(raw: str) -> str:
    lines = raw.splitlines()
    if not lines or "由会员分享" not in lines[0]:
        sys.exit("unexpected raw text: line 1 should be the sharing site's banner")
    pages = [re.sub(r"^\d+、", "", line, count=1) for line in lines[1:] if line.strip()]
    text = "".join(pages)
    for wrong, right in OCR_FIXES.items():
        if wrong not in text:
            sys.exit(f"OCR fix not applicable, raw text changed: {wrong!r}")
        text = text.replace(wrong, right)
    return text.translate(PUNCTUATION)


def split_paragraphs(text: str) -> list[tuple[str, str]]:
    """Return (role, text) pairs: title, preamble, part, clause."""
    if not text.startswith(TITLE):
        sys.exit("raw text does not start with the title")
    body = text[len(TITLE):]
    out: list[tuple[str, str]] = [("title", TITLE)]
    for i, chunk in enumerate(PART_HEADING.split(body)):
        pieces = [p for p in CLAUSE_LABEL.split(chunk) if p]
        head, clauses = pieces[0], pieces[1:]
        out.append(("preamble" if i == 0 else "part", head))
        out.extend(("clause", c) for c in clauses)
    return out


def write_docx(paragraphs: list[tuple[str, str]], path: Path) -> None:
    document = docx.Document()
    note_style = document.styles.add_style("Editor Note", WD_STYLE_TYPE.PARAGRAPH)
    note_style.base_style = document.styles["Normal"]
    styles = {"title": "Title", "part": "Heading 1", "preamble": "Normal", "clause": "Normal"}
    for role, text in paragraphs:
        document.add_paragraph(text, style=styles[role])
    if not paragraphs[-1][1].endswith("）"):
        document.add_paragraph(CUT_NOTE, style=note_style)
    props = document.core_properties
    props.title = TITLE
    props.author = "政策问答 corpus script"
    props.comments = "Rebuilt from a scraped excerpt; clause (十八) is cut off in the source."
    fixed = dt.datetime(2021, 1, 1)
    props.created = props.modified = fixed
    props.last_modified_by = props.author
    props.revision = 1
    document.save(str(path))


def main() -> None:
    paragraphs = split_paragraphs(clean(RAW.read_text(encoding="utf-8")))
    write_docx(paragraphs, OUT)
    parts = sum(role == "part" for role, _ in paragraphs)
    clauses = sum(role == "clause" for role, _ in paragraphs)
    print(f"wrote {OUT.name}: {parts} parts, {clauses} clauses")


if __name__ == "__main__":
    main()
