"""Read documents (.docx, .md, .txt, .pdf, .ofd, .xlsx, .html; .doc, .wps, .rtf through LibreOffice) into
plain paragraphs.

This is the first stage of the pipeline: documents -> clauses -> index -> search -> answer.
Every error a user can cause (missing, empty, corrupt, scanned, encrypted or unsupported file) raises
DocumentError with the file name and the reason in Chinese, so the CLI can print it without a traceback.

PDF: the text layer is read with pdfplumber (pdfminer.six, MIT; chosen over pypdf and pypdfium2 by
eval/pdf_libraries.py, see eval/RESULTS.md). Lines come with their positions; running headers, footers and
page numbers are dropped (`strip_running_lines`) and lines are rejoined into paragraphs by geometry
(`join_lines`): a paragraph ends where a line stops short of the right margin, and a heading label after a
sentence end starts a new one.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import statistics
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .limits import too_many_characters, too_many_ocr_pages, too_much_xml
from .metadata import DocInfo, document_info
from .normalise import normalise
from .progress import Progress

CONVERTED = (".doc", ".wps", ".rtf")  # converted to .docx by LibreOffice (`soffice`)
IMAGES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")  # read by OCR (qa/ocr.py)
SUPPORTED = (".docx", ".md", ".txt", ".pdf", ".ofd", ".xlsx", ".html", ".htm", *IMAGES, *CONVERTED)
SOFFICE_TIMEOUT = 180  # seconds for one conversion
# Files inside a corpus folder that are not documents: notes and the build sources of documents.
SKIPPED_NAMES = {"readme.md"}
# A heading hint taken from the source format (docx heading style, Markdown '#'): its level, 0 = title.
MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
MD_COMMENT = re.compile(r"^<!--.*-->$")


class DocumentError(Exception):
    """A document cannot be read; the message names the file and says why (in Chinese)."""

    def __init__(self, path: Path | str, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"无法读取文件 {self.path.name}：{reason}")


@dataclass
class Paragraph:
    text: str
    heading_level: int | None = None  # hint from the source format; None for body text
    row: str = ""  # a spreadsheet row ("第3行"): the row is one unit by itself (qa/structure.py)


@dataclass
class Document:
    path: Path
    title: str
    paragraphs: list[Paragraph]
    sha256: str
    notes: list[str] = field(default_factory=list)  # non-fatal remarks for the user (e.g. encoding)
    info: DocInfo = field(default_factory=DocInfo)  # 发文机关, 文号, dates, version (qa/metadata.py)
    ocr_pages: int = 0  # pages read by OCR (qa/ocr.py): its citations say so

    @property
    def name(self) -> str:
        return self.path.name


def read_document(path: Path | str, progress: Progress | None = None) -> Document:
    """Read one document; raise DocumentError for anything unusable. `progress` is told each OCR page and
    may cancel the reading (qa/progress.py)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise DocumentError(path, f"不支持的文件类型「{path.suffix or '无扩展名'}」，"
                                  f"支持 .docx、.pdf、.ofd、.xlsx、.html、.md、.txt、图片（.png、.jpg、.tif，OCR 识别），"
                                  f"以及经 LibreOffice 转换的 .doc、.wps、.rtf")
    if not path.is_file():
        raise DocumentError(path, "文件不存在")
    data = path.read_bytes()
    if not data.strip():
        raise DocumentError(path, "文件为空")
    notes: list[str] = []
    ocr_pages = 0
    if suffix == ".docx":
        title, paragraphs = _read_docx(path)
    elif suffix == ".pdf":
        title, paragraphs, ocr_pages = _read_pdf(path, progress)
    elif suffix in IMAGES:
        title, paragraphs, ocr_pages = _read_image(path, progress)
    elif suffix in CONVERTED:
        title, paragraphs = _read_converted(path)
    elif suffix == ".ofd":
        title, paragraphs = _read_ofd(path)
    elif suffix == ".xlsx":
        title, paragraphs = _read_xlsx(path)
    elif suffix in (".html", ".htm"):
        text, encoding = decode_text(path, data)
        title, paragraphs = _read_html(path, text)
    else:
        text, encoding = decode_text(path, data)
        if encoding != "utf-8":
            notes.append(f"{path.name} 按 {encoding.upper()} 编码读取")
        title, paragraphs = _read_markdown(text) if suffix == ".md" else _read_plain(text)
    # radical code points (PDFs printed by Chromium: 第⼀条, 部⻔) as the ideographs, before structure, in
    # every format (a PDF's lines already are: its paragraphs are joined by their labels)
    title = normalise(title)
    paragraphs = [Paragraph(normalise(p.text), p.heading_level, p.row) for p in paragraphs if p.text]
    if reason := too_many_characters(sum(len(p.text) for p in paragraphs)):
        raise DocumentError(path, reason)
    if not paragraphs and not title:
        raise DocumentError(path, "文件中没有可读取的文字")
    title = title or path.stem
    if ocr_pages:
        notes.append(f"{path.name} 有 {ocr_pages} 页为图片，已经 OCR 识别：引用时标注「（OCR 识别）」，请以原件为准")
    info = document_info(title, [p.text for p in paragraphs], path.name)
    return Document(path, title, paragraphs, hashlib.sha256(data).hexdigest(), notes, info, ocr_pages)


def iter_corpus_files(folder: Path | str) -> Iterator[Path]:
    """Document files under `folder`, sorted; skips README.md and folders starting with '_' or '.'."""
    folder = Path(folder)
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).parts
        if any(part.startswith(("_", ".")) for part in rel) or not path.is_file():
            continue
        if path.name.lower() in SKIPPED_NAMES:
            continue
        yield path


def decode_text(path: Path, data: bytes) -> tuple[str, str]:
    """Decode UTF-8 (with or without BOM), else GB18030 (a superset of GBK); reject binary data."""
    if b"\x00" in data[:8192]:
        raise DocumentError(path, "不是文本文件（含有二进制内容）")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            break
        return text, "utf-8" if encoding == "utf-8-sig" else encoding
    raise DocumentError(path, "无法识别文本编码（既不是 UTF-8 也不是 GBK/GB18030），或不是文本文件")


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t\f")
    return controls > max(4, len(sample) // 100)


def _read_docx(path: Path) -> tuple[str, list[Paragraph]]:
    import docx  # imported here: python-docx is only needed for .docx files
    from docx.opc.exceptions import PackageNotFoundError

    if not zipfile.is_zipfile(path):
        raise DocumentError(path, "不是有效的 .docx 文件（文件已损坏或不是 Word 文档）")
    if reason := too_much_xml(path):  # from the zip's directory, before anything is inflated
        raise DocumentError(path, reason)
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentError(path, f"不是有效的 .docx 文件（{type(exc).__name__}）") from exc
    except Exception as exc:  # lxml and zlib errors from a damaged package
        raise DocumentError(path, f".docx 文件已损坏（{type(exc).__name__}）") from exc
    title = (document.core_properties.title or "").strip()
    paragraphs: list[Paragraph] = []
    for block in _docx_blocks(document):
        paragraphs.extend(block)
    if paragraphs and paragraphs[0].heading_level == 0:
        title = title or paragraphs[0].text
        paragraphs = paragraphs[1:]
    return title, paragraphs


def _docx_blocks(document) -> Iterator[list[Paragraph]]:
    """Paragraphs and table cells in body order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph as DocxParagraph

    for item in document.iter_inner_content():
        if isinstance(item, DocxParagraph):
            yield [Paragraph(item.text.strip(), _style_level(item.style.name if item.style else ""))]
        elif isinstance(item, Table):
            yield [Paragraph(text) for text in _table_texts(item)]


def _table_texts(table) -> Iterator[str]:
    seen: set = set()  # the cell elements themselves: merged cells repeat the same element
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            cells.append(cell.text.strip())
        line = " | ".join(c for c in cells if c)
        if line:
            yield line


def _style_level(style: str) -> int | None:
    if style == "Title":
        return 0
    match = re.match(r"Heading (\d)", style)
    return int(match.group(1)) if match else None


# ------------------------------------------------------------------------------------------------- PDF


@dataclass
class PdfLine:
    """One text line of a PDF page, with the positions the paragraph joining needs (PDF points)."""

    text: str
    x0: float
    x1: float
    size: float  # font size: the unit of indents and margins


# Page numbers as they are printed in Chinese documents: "- 3 -", "— 3 —", "3", "第3页", "第 3 页 共 11 页",
# "3/11", "Page 3". Checked only on the first and last lines of a page.
PAGE_NUMBER = re.compile(r"^(?:[-—–－\s]*\d{1,4}[-—–－\s]*|第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?|"
                         r"\d{1,4}\s*/\s*\d{1,4}|(?:page|p\.)\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$", re.IGNORECASE)
RUNNING_ZONE = 2  # lines at the top and at the bottom of a page that may be a running header or footer
# A line that opens a new paragraph when the line before ends a sentence: 一、 （一） 第一章 第一条 1. （1）
PARAGRAPH_LABEL = re.compile(r"^(?:[一二三四五六七八九十百]+、|[（(][一二三四五六七八九十百]+[）)]|"
                             r"第[一二三四五六七八九十百千零〇\d]+[编章节条]|\d{1,2}[.．、]|[（(]\d{1,2}[）)])")
SENTENCE_END = "。！？；：）)」”"
SHORT_LINE = 2.5  # a line ending this many font sizes before the right margin ends its paragraph (ragged
# right and line-breaking rules leave up to two characters free at the end of a full line)
INDENT = 1.5  # a line starting this many font sizes right of the left margin starts a paragraph
# Gap between characters, in font sizes, above which pdfplumber puts a space: LibreOffice and Word set a
# quarter-em gap between digits and Chinese ("2022 年"); real spaces are glyphs in the text layer.
X_TOLERANCE = 0.3
TITLE_SIZE = 1.2  # lines at the top of page 1 this much larger than the body text are the title
TITLE_WINDOW = 4  # lines of page 1 in which the title is looked for


def _read_pdf(path: Path, progress: Progress | None = None) -> tuple[str, list[Paragraph], int]:
    """Title, paragraphs and how many pages were read by OCR: a page without a text layer but with an image
    (a scan, or a scanned page inside a text PDF) is read by OCR."""
    pages = pdf_pages(path)
    blank = [i for i, page in enumerate(pages) if not page]
    if not blank or not _pdf_has_images(path):
        return (*paragraphs_from_pages(pages), 0)
    if reason := too_many_ocr_pages(len(blank)):
        raise DocumentError(path, reason)
    from .ocr import pdf_page_images

    for number, image in zip(blank, _progress(pdf_page_images(path, blank), len(blank), path, progress)):
        pages[number] = _ocr_lines(image)
    if not any(pages):
        raise DocumentError(path, "扫描件经 OCR 未识别出文字（图片可能过于模糊，或不是文字页面）")
    return (*paragraphs_from_pages(pages), len(blank))


def _read_image(path: Path, progress: Progress | None = None) -> tuple[str, list[Paragraph], int]:
    """An image file (a photographed or scanned page; a multi-page TIFF), read by OCR."""
    from PIL import Image, UnidentifiedImageError

    from .ocr import file_images

    try:
        with Image.open(path) as image:
            frames = getattr(image, "n_frames", 1)
    except (UnidentifiedImageError, OSError) as exc:
        raise DocumentError(path, f"不是有效的图片文件（{type(exc).__name__}）") from exc
    if reason := too_many_ocr_pages(frames):
        raise DocumentError(path, reason)
    pages = [_ocr_lines(image) for image in _progress(file_images(path), frames, path, progress)]
    if not any(pages):
        raise DocumentError(path, "图片经 OCR 未识别出文字（图片可能过于模糊，或不是文字页面）")
    title, paragraphs = paragraphs_from_pages(pages)
    return title, paragraphs, frames


# OCR reads 「第一条　为了…」 as 「第一条为了…」: the blank after an article label is no glyph. A line that
# starts with a label followed by text gets it back, so the statute rules see the article line.
OCR_ARTICLE = re.compile(r"^(第[一二三四五六七八九十百千零〇两]+条(?:之[一二三四五六七八九十]+)?)(?=[^\s，。、；：的])")


def _ocr_lines(image) -> list[PdfLine]:
    from .ocr import image_lines

    return [PdfLine(OCR_ARTICLE.sub(r"\1 ", normalise(line.text)), line.x0, line.x1, line.size)
            for line in image_lines(image)]


def _progress(images, total: int, path: Path, progress: Progress | None = None) -> Iterator[Any]:
    """Per page, on the terminal and to `progress` (OCR takes seconds a page): the page about to be read."""
    from tqdm import tqdm

    for number, image in enumerate(tqdm(images, total=total, desc=f"OCR {path.name}", unit="页", leave=False,
                                        disable=None), 1):
        if progress is not None:
            progress.step("OCR", number, total)
        yield image


def pdf_pages(path: Path) -> list[list[PdfLine]]:
    """The text lines of every page, read with pdfplumber; DocumentError for encrypted or damaged files."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        with pdfplumber.open(path) as pdf:
            # normalised here, before the lines are joined: 第⼆⼗⼆条 must read as an article label
            return [[PdfLine(normalise(line["text"]), line["x0"], line["x1"], _median_size(line["chars"]))
                     for line in page.extract_text_lines(return_chars=True, x_tolerance_ratio=X_TOLERANCE)
                     if line["text"].strip()]
                    for page in pdf.pages]
    except Exception as exc:  # pdfplumber wraps every pdfminer error in PdfminerException
        cause = exc.__context__ or (exc.args[0] if exc.args else None)
        if isinstance(exc, PDFPasswordIncorrect) or isinstance(cause, PDFPasswordIncorrect):
            raise DocumentError(path, "PDF 已加密，需要密码才能打开：请先解除密码保护（另存为不加密的 PDF）") from exc
        raise DocumentError(path, f"不是有效的 PDF 文件，或文件已损坏（{type(exc).__name__}）") from exc


def _pdf_has_images(path: Path) -> bool:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return any(page.images for page in pdf.pages)


def _median_size(chars: list[dict]) -> float:
    sizes = [c["size"] for c in chars if c.get("text", "").strip()]
    return statistics.median(sizes) if sizes else 0.0


def paragraphs_from_pages(pages: list[list[PdfLine]]) -> tuple[str, list[Paragraph]]:
    """Title and paragraphs of a PDF's lines: running headers, footers and page numbers dropped, lines
    rejoined. Independent of the PDF library (eval/pdf_libraries.py feeds it each library's lines)."""
    lines = strip_running_lines(pages)
    title, lines = _split_title(lines)
    return title, [Paragraph(text) for text in join_lines(lines)]


def strip_running_lines(pages: list[list[PdfLine]]) -> list[PdfLine]:
    """Every page's lines in order, without page numbers and without lines that recur at the top or bottom
    of at least half of the pages (digits ignored: "第3页" and "第4页" are one running line; the font size
    counts: a title set large is not the running header that repeats it)."""
    def zone(page: list[PdfLine]) -> list[PdfLine]:
        return page[:RUNNING_ZONE] + page[-RUNNING_ZONE:] if len(page) > RUNNING_ZONE else page

    def key(line: PdfLine) -> tuple[str, int]:
        return re.sub(r"\d+", "#", re.sub(r"\s+", "", line.text)), round(line.size)

    counts: dict[tuple[str, int], int] = {}
    for page in pages:
        for k in {key(line) for line in zone(page)}:
            counts[k] = counts.get(k, 0) + 1
    recurring = {k for k, n in counts.items() if len(pages) >= 2 and n >= max(2, len(pages) / 2)}
    out: list[PdfLine] = []
    for page in pages:
        edge = {id(line) for line in zone(page)}
        out.extend(line for line in page if id(line) not in edge
                   or not (PAGE_NUMBER.match(line.text.strip()) or key(line) in recurring))
    return out


def _split_title(lines: list[PdfLine]) -> tuple[str, list[PdfLine]]:
    """The first run of lines set larger than the body text, among the first few lines, is the title (a
    long title wraps onto two lines; a header line such as the issuer may come before it)."""
    sizes = [line.size for line in lines if line.size]
    if not sizes:
        return "", lines
    body = statistics.median(sizes)
    large = [i for i, line in enumerate(lines[:TITLE_WINDOW]) if line.size >= TITLE_SIZE * body]
    if not large:
        return "", lines
    start = end = large[0]
    while end < len(lines) and lines[end].size >= TITLE_SIZE * body:
        end += 1
    return _join_texts(line.text for line in lines[start:end]), lines[:start] + lines[end:]


def join_lines(lines: list[PdfLine]) -> list[str]:
    """Rejoin wrapped lines into paragraphs. A paragraph ends where a line stops short of the right margin;
    a line indented from the left margin, or a heading label after a sentence end, starts one."""
    if not lines:
        return []
    left = min(line.x0 for line in lines)
    right = max(line.x1 for line in lines)
    paragraphs: list[list[str]] = []
    previous: PdfLine | None = None
    for line in lines:
        text = line.text.strip()
        unit = line.size or 10.0
        starts = previous is None or previous.x1 < right - SHORT_LINE * (previous.size or unit) \
            or line.x0 > left + INDENT * unit \
            or (previous.text.rstrip().endswith(tuple(SENTENCE_END)) and bool(PARAGRAPH_LABEL.match(text)))
        if starts:
            paragraphs.append([text])
        else:
            paragraphs[-1].append(text)
        previous = line
    return [_join_texts(parts) for parts in paragraphs]


def _join_texts(parts) -> str:
    """Join wrapped lines: nothing between Chinese characters, a space between two Latin words; nothing
    inside a number the line broke (「到203」+「5年」: typesetting breaks a line between any two digits)."""
    out = ""
    for part in parts:
        part = part.strip()
        if out and part and out[-1].isascii() and out[-1].isalnum() and part[0].isascii() and part[0].isalnum() \
                and not (out[-1].isdigit() and part[0].isdigit()):
            out += " "
        out += part
    return out


# ---------------------------------------------------------------------------- .doc, .wps, .rtf (LibreOffice)


# -- OFD (GB/T 33190), the fixed-layout format of e-government documents: a zip of XML pages

LINE_TOLERANCE = 0.3  # text runs whose baselines differ by less than this many font sizes share a line


def _read_ofd(path: Path) -> tuple[str, list[Paragraph]]:
    """The text layer through ofdkit (Apache-2.0; chosen over reading the XML with lxml directly by
    eval/ofd_readers.py: it applies the text objects' transformation matrices, DeltaX advances and page
    templates): runs into lines by baseline, then the PDF rules — running headers, footers and page
    numbers dropped, lines joined into paragraphs by their positions. The title: the file's DocInfo title,
    else as a PDF's (the larger lines at the top of page 1)."""
    import ofdkit

    if not zipfile.is_zipfile(path):
        raise DocumentError(path, "不是有效的 .ofd 文件（文件已损坏或不是 OFD 文档）")
    if reason := too_much_xml(path):
        raise DocumentError(path, reason)
    try:
        with ofdkit.open(path) as ofd:
            declared = " ".join((ofd.info.title or "").split())
            pages = [_ofd_lines(page.runs) for page in ofd.pages]
    except ofdkit.OFDLimitError as exc:
        raise DocumentError(path, f"OFD 文件超过安全上限（{exc}）") from exc
    except ofdkit.OFDError as exc:
        raise DocumentError(path, f"不是有效的 OFD 文件，或文件已损坏（{exc}）") from exc
    if not any(pages):
        raise DocumentError(path, "OFD 中没有可提取的文字（可能是扫描件，需要先做 OCR）")
    title, paragraphs = paragraphs_from_pages(pages)
    if declared:
        if paragraphs and paragraphs[0].text == declared:
            paragraphs = paragraphs[1:]
        title = declared
    return title, paragraphs


def _ofd_lines(runs) -> list[PdfLine]:
    """One page's text runs (ofdkit.TextRun: millimetres, baseline y) as lines, top to bottom."""
    lines: list[list] = []
    for run in sorted((r for r in runs if r.text.strip()), key=lambda r: (r.y, r.x)):
        if lines and abs(run.y - lines[-1][0].y) < LINE_TOLERANCE * max(run.size, 1e-6):
            lines[-1].append(run)
        else:
            lines.append([run])
    out = []
    for line in lines:
        line.sort(key=lambda r: r.x)
        size = statistics.median(r.size for r in line)
        text = line[0].text
        for before, run in zip(line, line[1:]):  # a gap of a character is a space (第一条 为了); less is kerning
            text += (" " if run.x - (before.x + before.width) >= 0.9 * size else "") + run.text
        out.append(PdfLine(normalise(text), line[0].x, max(r.x + r.width for r in line), size))
    return out


# -- spreadsheets: a task table (分工表) has a row per task, with the units responsible in their own columns

LEAD_COLUMN = re.compile(r"牵头")
SUPPORT_COLUMN = re.compile(r"配合|协助|协办|参与")
DUTY_COLUMN = re.compile(r"(?:牵头|责任|配合|协助|协办|参与|主办|承办)(?:单位|部门)|责任单位|牵头部门")
NUMBER_COLUMN = re.compile(r"^(?:序号|编号|序)$")
MAIN_COLUMN = re.compile(r"任务|内容|事项|措施|工作|目标|名称")


def _read_xlsx(path: Path) -> tuple[str, list[Paragraph]]:
    """Each sheet's rows under its header row (the first with two or more cells), each row one paragraph
    marked as a row: its main text (a 任务/内容/事项 column, else the first text column), the other columns
    as 「表头：值」, and the 牵头/配合/责任单位 columns as the note the plan writes (（牵头单位：…；配合单位：…）),
    so the structure rules read who is responsible. A single-cell row above the header is the title."""
    import openpyxl

    if not zipfile.is_zipfile(path):
        raise DocumentError(path, "不是有效的 .xlsx 文件（文件已损坏或不是 Excel 工作簿）")
    if reason := too_much_xml(path):
        raise DocumentError(path, reason)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises a zoo of errors for a damaged workbook
        raise DocumentError(path, f".xlsx 文件已损坏（{type(exc).__name__}）") from exc
    title, paragraphs = (book.properties.title or "").strip(), []
    sheets = book.worksheets
    for sheet in sheets:
        header: list[str] | None = None
        if len(sheets) > 1:
            paragraphs.append(Paragraph(sheet.title, heading_level=1))
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            filled = [c for c in cells if c]
            if header is None:
                if len(filled) == 1 and not title:
                    title = filled[0]
                elif len(filled) >= 2:
                    header = cells
                continue
            if filled:
                paragraphs.append(Paragraph(_row_text(header, cells), row=f"第{number}行"))
    book.close()
    return title or path.stem, paragraphs


def _cell_text(value) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _row_text(header: list[str], cells: list[str]) -> str:
    named = [(h, c) for h, c in zip(header, cells) if c and not NUMBER_COLUMN.match(h)]
    duty = [(h, c) for h, c in named if DUTY_COLUMN.search(h)]
    rest = [(h, c) for h, c in named if (h, c) not in duty]
    main = next(((h, c) for h, c in rest if MAIN_COLUMN.search(h)), rest[0] if rest else None)
    parts = [main[1]] if main else []
    parts += [f"{h}：{c}" if h else c for h, c in rest if (h, c) != main]
    text = "；".join(parts)
    lead = [_unit_list(c) for h, c in duty if LEAD_COLUMN.search(h)]
    support = [_unit_list(c) for h, c in duty if SUPPORT_COLUMN.search(h)]
    plain = [_unit_list(c) for h, c in duty if not LEAD_COLUMN.search(h) and not SUPPORT_COLUMN.search(h)]
    if lead:
        note = f"牵头单位：{'、'.join(lead)}" + (f"；配合单位：{'、'.join(support)}" if support else "")
    elif plain or support:
        note = f"责任单位：{'、'.join(plain + support)}"
    else:
        return text
    return f"{text}（{note}）"


# -- saved web pages: the main text only

HTML_BLOCKS = ("br", "p", "div", "td", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6")
# Lines of a government site's frame that an extractor keeps when the body has no <p> of its own: the
# breadcrumb, the counter and font-size line, share and print links, the footer's copyright and ICP number.
SITE_LINE = re.compile(r"^(?:当前位置|您现在的位置|您的位置)[:：]|浏览次数|字号[:：]|分享到[:：]|打印本页|关闭窗口|"
                       r"版权所有|ICP备|网站标识码|主办单位[:：]|承办单位?[:：]|技术支持[:：]|建议使用.*分辨率")


def _read_html(path: Path, source: str) -> tuple[str, list[Paragraph]]:
    """A saved policy page: its main text by readability-lxml (chosen over trafilatura by
    eval/html_extractors.py: no navigation, sidebar or footer left, and bodies laid out in tables or as
    <br>-broken blocks kept a paragraph per line), one paragraph per block; the title is the page's title
    without the site's name (readability's short title) or its first heading."""
    import lxml.html
    from readability import Document as Readable

    try:
        page = Readable(source)
        tree = lxml.html.fromstring(page.summary(html_partial=True))
        title = _page_title(lxml.html.fromstring(source), page.short_title() or "")
    except Exception as exc:  # lxml and readability errors on markup that is not a page
        raise DocumentError(path, f"无法解析网页（{type(exc).__name__}）") from exc
    for element in tree.iter(*HTML_BLOCKS):  # a line per block
        element.tail = "\n" + (element.tail or "")
    lines = [" ".join(line.split()) for line in tree.text_content().split("\n")]
    paragraphs = [Paragraph(line) for line in lines if line and line != title and not SITE_LINE.search(line)]
    return title, paragraphs


def _page_title(page, short: str) -> str:
    """The document's title: the page's first heading when the <title> holds it (「…方案_XX市人民政府」),
    else the longest part of the <title> between site separators."""
    short = " ".join(short.split())
    heading = next((" ".join(h.text_content().split()) for h in page.iter("h1", "h2")), "")
    if heading and heading in short:
        return heading
    return max(re.split(r"\s*[_|｜—–-]\s*", short), key=len) if short else heading


def _unit_list(cell: str) -> str:
    """A cell's units as the plan lists them, split at 、: 「市教育局，市财政局」 / one per line -> 市教育局、市财政局."""
    return "、".join(u for u in re.split(r"[、，,；;/\s]+", cell) if u)


def _read_converted(path: Path) -> tuple[str, list[Paragraph]]:
    """Convert with LibreOffice to .docx in a temporary folder, then read that (the original is untouched)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise DocumentError(path, f"读取 {path.suffix.lower()} 文件需要 LibreOffice，但未找到 soffice 命令：请安装"
                                  f"（Debian/Ubuntu：sudo apt install libreoffice-writer-nogui），或先将文件另存为 .docx")
    with tempfile.TemporaryDirectory(prefix="qa-convert-") as tmp:
        # A private profile: a LibreOffice already running under the same user would otherwise take the
        # job and the conversion would silently produce nothing.
        profile = Path(tmp, "profile").as_uri()
        command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                   "--convert-to", "docx", "--outdir", tmp, str(path.resolve())]
        try:
            subprocess.run(command, capture_output=True, timeout=SOFFICE_TIMEOUT, check=False)
        except subprocess.TimeoutExpired as exc:
            raise DocumentError(path, f"LibreOffice 转换超时（{SOFFICE_TIMEOUT} 秒）") from exc
        converted = Path(tmp, path.stem + ".docx")
        if not converted.is_file():
            raise DocumentError(path, f"LibreOffice 无法转换此文件，文件可能已损坏或不是 {path.suffix.lower()} 文档")
        try:
            title, paragraphs = _read_docx(converted)
        except DocumentError as exc:
            raise DocumentError(path, exc.reason) from exc
    # LibreOffice imports what it cannot recognise as plain text: undecodable bytes show as U+FFFD
    if any("\ufffd" in p.text for p in paragraphs):
        raise DocumentError(path, f"LibreOffice 无法识别此文件的内容，文件可能已损坏或不是 {path.suffix.lower()} 文档")
    return title, paragraphs


def _read_markdown(text: str) -> tuple[str, list[Paragraph]]:
    title = ""
    paragraphs: list[Paragraph] = []
    for line in _lines(text):
        if MD_COMMENT.match(line):
            continue
        heading = MD_HEADING.match(line)
        if heading and len(heading.group(1)) == 1 and not title and not paragraphs:
            title = heading.group(2).strip()
        elif heading:
            paragraphs.append(Paragraph(heading.group(2).strip(), len(heading.group(1)) - 1))
        else:
            paragraphs.append(Paragraph(line))
    return title, paragraphs


def _read_plain(text: str) -> tuple[str, list[Paragraph]]:
    return "", [Paragraph(line) for line in _lines(text)]


def _lines(text: str) -> Iterator[str]:
    for line in text.splitlines():
        line = line.strip()
        if line:
            yield line
