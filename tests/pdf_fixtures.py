"""Generated PDF fixtures (nothing downloaded): documents written with python-docx, printed to PDF by
LibreOffice headless, with running headers and page-number footers so that their removal is exercised; an
image-only ("scanned") PDF drawn with Pillow; an encrypted PDF written by pypdf. Used by the tests and by
eval/pdf_libraries.py. `scan` typesets paragraphs on an A4 page image as a scanner sees it."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from qa.documents import read_document

CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"  # Debian fonts-noto-cjk


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that LibreOffice fills in per page."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, instruction), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def _running_lines(document, header: str, footer: str) -> None:
    """A header line, and a footer in the given style: "dash" (- 3 -) or "page-of" (第 3 页 共 11 页)."""
    section = document.sections[0]
    section.header.paragraphs[0].text = header
    paragraph = section.footer.paragraphs[0]
    if footer == "dash":
        paragraph.add_run("- ")
        _field(paragraph, "PAGE")
        paragraph.add_run(" -")
    else:
        paragraph.add_run("第 ")
        _field(paragraph, "PAGE")
        paragraph.add_run(" 页 共 ")
        _field(paragraph, "NUMPAGES")
        paragraph.add_run(" 页")


def plan_docx(plan: Path, folder: Path) -> Path:
    """The bundled plan with a running header and "- N -" page numbers."""
    document = docx.Document(str(plan))
    _running_lines(document, "XX市人民政府办公室文件", "dash")
    out = folder / "plan.docx"
    document.save(str(out))
    return out


def law_docx(law: Path, folder: Path, name: str = "law.docx") -> Path:
    """A statute (.md) written as a Word file: title, chapter headings, articles with a first-line indent,
    a header with the title on every page and "第 N 页 共 M 页" footers."""
    source = read_document(law)
    document = docx.Document()
    document.add_paragraph(source.title, style="Title")
    for paragraph in source.paragraphs:
        if paragraph.heading_level:
            document.add_paragraph(paragraph.text, style="Heading 2")
            continue
        body = document.add_paragraph(paragraph.text)
        body.paragraph_format.first_line_indent = Pt(24)
    _running_lines(document, source.title, "page-of")
    out = folder / name
    document.save(str(out))
    return out


def notice_docx(folder: Path) -> Path:
    """A short notice in the layout of a government document (issuer, number, date) over two pages."""
    document = docx.Document()
    document.add_paragraph("关于做好2022年职业院校招生工作的通知", style="Title")
    document.add_paragraph("X政办发〔2022〕12号")
    document.add_paragraph("各县市区人民政府，市直各单位：")
    for n, label in enumerate("一二三四五六", start=1):
        text = (f"{label}、第{label}项工作要求。" + "各职业院校要按照招生计划，规范招生行为，" * 6
                + f"确保2022年招生人数达到{n}000人以上。")
        document.add_paragraph(text).paragraph_format.first_line_indent = Pt(24)
    document.add_paragraph("XX市人民政府办公室")
    document.add_paragraph("2022年3月1日")
    _running_lines(document, "XX市人民政府办公室", "page-of")
    out = folder / "notice.docx"
    document.save(str(out))
    return out


def to_pdf(files: list[Path], folder: Path) -> list[Path]:
    """Print Word files to PDF with LibreOffice headless (one process for all of them)."""
    profile = (folder / ".lo-profile").as_uri()
    subprocess.run([soffice(), f"-env:UserInstallation={profile}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(folder), *map(str, files)],
                   check=True, capture_output=True, timeout=300)
    out = [folder / f"{f.stem}.pdf" for f in files]
    missing = [p.name for p in out if not p.is_file()]
    assert not missing, f"LibreOffice did not write {missing}"
    return out


def scanned_pdf(folder: Path) -> Path:
    """A page that is only an image of Chinese text, as a scanner produces it: no text layer."""
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    # Without the CJK font the glyphs are boxes: still an image without a text layer, which is what counts.
    font = ImageFont.truetype(CJK_FONT, 40) if Path(CJK_FONT).is_file() else ImageFont.load_default()
    for row, line in enumerate(["关于加快推进职业教育现代化服务的实施方案", "一、总体要求", "（一）指导思想。坚持……"]):
        draw.text((120, 150 + 80 * row), line, fill="black", font=font)
    out = folder / "scanned.pdf"
    page.save(out, "PDF", resolution=150)
    return out


SERIF_FONT = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"


def fit(text: str, font, room: float) -> str:
    """The longest head of `text` that fits `room` pixels: lines wrap by width, as typesetting does (digits
    are narrower than characters)."""
    end = 1
    while end < len(text) and font.getlength(text[:end + 1]) <= room:
        end += 1
    return text[:end]


def scan(paragraphs: list[str], dpi: int = 200):
    """An A4 page with the paragraphs typeset in 16 pt, first lines indented, as a scanner would see it."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = int(8.27 * dpi), int(11.69 * dpi)
    size = int(16 / 72 * dpi)
    font = ImageFont.truetype(SERIF_FONT, size, index=2)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    margin, y = int(width * 0.12), int(height * 0.1)
    for paragraph in paragraphs:
        rest, indent = paragraph, 2
        while rest:
            line = fit(rest, font, width * 0.76 - indent * size)
            draw.text((margin + indent * size, y), line, font=font, fill=0)
            rest, indent, y = rest[len(line):], 0, y + int(size * 1.6)
    return image


def scanned_statute(folder: Path, pages: list[list[str]], name: str = "条例扫描件.pdf") -> Path:
    """A scanned statute: one page image per list of paragraphs, saved as an image-only PDF at 200 dpi."""
    images = [scan(paragraphs).convert("RGB") for paragraphs in pages]
    out = folder / name
    images[0].save(out, "PDF", resolution=200, save_all=True, append_images=images[1:])
    return out


def encrypted_pdf(source: Path, folder: Path) -> Path:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=str(source))
    writer.encrypt("secret", algorithm="AES-256")
    out = folder / "encrypted.pdf"
    with open(out, "wb") as fh:
        writer.write(fh)
    return out
