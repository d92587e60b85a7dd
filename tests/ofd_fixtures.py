"""OFD files (GB/T 33190) for tests and eval/ofd_readers.py, written from paragraphs we know.

A4 pages (210 × 297 mm), 4.2 mm (≈ 12 pt) type, 35 characters a line, 7 mm line pitch, a paragraph's first
line indented two characters, a page number at the foot of each page — laid out as an office's typesetting
program would. `per_char`: one text object per character (some producers write OFD so); `ctm`: the text
objects placed through a transformation matrix at twice the size of their coordinates (a scaled layer).
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

NS = "http://www.ofdspec.org/2016"
SIZE = 4.2
PER_LINE = 35
PITCH = 7.0
LEFT, TOP, LINES_PER_PAGE = 25.0, 30.0, 33


def layout(paragraphs: list[str]) -> list[list[tuple[float, float, str]]]:
    """Pages of (x, baseline y, text) lines."""
    lines: list[tuple[float, str]] = []
    for paragraph in paragraphs:
        indent, rest = 2, paragraph
        while rest:
            room = PER_LINE - indent
            lines.append((LEFT + indent * SIZE, rest[:room]))
            rest, indent = rest[room:], 0
    pages = []
    for start in range(0, len(lines), LINES_PER_PAGE):
        chunk = lines[start:start + LINES_PER_PAGE]
        pages.append([(x, TOP + (i + 1) * PITCH, text) for i, (x, text) in enumerate(chunk)])
    return pages


def _text_object(oid: int, x: float, y: float, text: str, scale: float = 1.0) -> str:
    """Boundary in page coordinates (mm); Size, TextCode X/Y and DeltaX in the object's own space, which
    the CTM maps into the boundary (GB/T 33190: a scaled object is written at 1/scale of its printed size)."""
    size = SIZE / scale
    deltas = " ".join([f"{size:g}"] * (len(text) - 1))
    ctm = f' CTM="{scale:g} 0 0 {scale:g} 0 0"' if scale != 1.0 else ""
    return (f'<ofd:TextObject ID="{oid}" Boundary="{x:g} {y - SIZE:g} {SIZE * len(text):g} {SIZE * 1.2:g}" '
            f'Font="2" Size="{size:g}"{ctm}><ofd:TextCode X="0" Y="{size:g}"'
            + (f' DeltaX="{deltas}"' if deltas else "") + f">{escape(text)}</ofd:TextCode></ofd:TextObject>")


def page_xml(lines: list[tuple[float, float, str]], number: int, per_char: bool, ctm: bool) -> str:
    objects, oid = [], 100
    scale = 2.0 if ctm else 1.0
    for x, y, text in [*lines, (100.0, 285.0, f"- {number} -")]:
        pieces = [(x + i * SIZE, ch) for i, ch in enumerate(text)] if per_char else [(x, text)]
        for px, piece in pieces:
            oid += 1
            objects.append(_text_object(oid, px, y, piece, scale))
    return (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{NS}"><ofd:Area><ofd:PhysicalBox>0 0 210 297'
            f'</ofd:PhysicalBox></ofd:Area><ofd:Content><ofd:Layer ID="3">{"".join(objects)}</ofd:Layer></ofd:Content>'
            "</ofd:Page>")


def write_ofd(path: Path, title: str, paragraphs: list[str], per_char: bool = False, ctm: bool = False) -> Path:
    pages = layout([title, *paragraphs])
    body = "".join(f'<ofd:Page ID="{10 + i}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages)))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as ofd:
        ofd.writestr("OFD.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{NS}" Version="1.0" '
                     f'DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>0</ofd:DocID><ofd:Title>{escape(title)}'
                     "</ofd:Title></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
        ofd.writestr("Doc_0/Document.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{NS}">'
                     "<ofd:CommonData><ofd:MaxUnitID>100000</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297"
                     "</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>"
                     f"<ofd:Pages>{body}</ofd:Pages></ofd:Document>")
        ofd.writestr("Doc_0/PublicRes.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{NS}" '
                     'BaseLoc="Res"><ofd:Fonts><ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>')
        for i, lines in enumerate(pages):
            ofd.writestr(f"Doc_0/Pages/Page_{i}/Content.xml", page_xml(lines, i + 1, per_char, ctm))
    return path
