"""Read documents (.docx, .md, .txt) into plain paragraphs.

This is the first stage of the pipeline: documents -> clauses -> index -> search -> answer.
Every error a user can cause (missing, empty, corrupt or unsupported file) raises DocumentError with the
file name and the reason in Chinese, so the CLI can print it without a traceback.
"""
from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SUPPORTED = (".docx", ".md", ".txt")
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


@dataclass
class Document:
    path: Path
    title: str
    paragraphs: list[Paragraph]
    sha256: str
    notes: list[str] = field(default_factory=list)  # non-fatal remarks for the user (e.g. encoding)

    @property
    def name(self) -> str:
        return self.path.name


def read_document(path: Path | str) -> Document:
    """Read one document; raise DocumentError for anything unusable."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise DocumentError(path, f"不支持的文件类型「{path.suffix or '无扩展名'}」，支持 .docx、.md、.txt")
    if not path.is_file():
        raise DocumentError(path, "文件不存在")
    data = path.read_bytes()
    if not data.strip():
        raise DocumentError(path, "文件为空")
    notes: list[str] = []
    if suffix == ".docx":
        title, paragraphs = _read_docx(path)
    else:
        text, encoding = decode_text(path, data)
        if encoding != "utf-8":
            notes.append(f"{path.name} 按 {encoding.upper()} 编码读取")
        title, paragraphs = _read_markdown(text) if suffix == ".md" else _read_plain(text)
    paragraphs = [p for p in paragraphs if p.text]
    if not paragraphs and not title:
        raise DocumentError(path, "文件中没有可读取的文字")
    title = title or path.stem
    return Document(path, title, paragraphs, hashlib.sha256(data).hexdigest(), notes)


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
