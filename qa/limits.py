"""Bounds on what one file may cost, checked before any parsing or embedding, so that no file can hold the
machine (or the web app's one change lock) for hours. Each is generous for a real 1,000-page compendium and
can be set per run by an environment variable:

| bound | default | variable | a 1,000-page compendium |
|---|---|---|---|
| XML inside a .docx (unzipped) | 100 MB | QA_MAX_XML_MB | ≈ 30 MB |
| characters of a document | 5,000,000 | QA_MAX_CHARS | ≈ 2,000,000 |
| units (clauses, articles, paragraphs) of a document | 50,000 | QA_MAX_UNITS | ≈ 15,000 |
| pages read by OCR (≈ 3 s a page on 2 cores) | 300 | QA_MAX_OCR_PAGES | (a scan: 15 min) |

A file over a bound raises documents.DocumentError naming it and the bound: nothing is indexed, and an
index or library stays as it was (the build and `qa add` read every file before they write).
"""
from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

MB = 1_000_000


@dataclass(frozen=True)
class Limits:
    xml_bytes: int = 100 * MB
    characters: int = 5_000_000
    units: int = 50_000
    ocr_pages: int = 300

    @classmethod
    def current(cls) -> Limits:
        """The defaults, or what QA_MAX_XML_MB / QA_MAX_CHARS / QA_MAX_UNITS / QA_MAX_OCR_PAGES set."""
        default = cls()
        return cls(xml_bytes=int(float(os.environ.get("QA_MAX_XML_MB") or default.xml_bytes / MB) * MB),
                   characters=int(os.environ.get("QA_MAX_CHARS") or default.characters),
                   units=int(os.environ.get("QA_MAX_UNITS") or default.units),
                   ocr_pages=int(os.environ.get("QA_MAX_OCR_PAGES") or default.ocr_pages))


def unzipped_xml_bytes(path: Path) -> int:
    """What the XML parts of a zip package (.docx, .xlsx, .ofd) inflate to, from its directory alone."""
    with zipfile.ZipFile(path) as package:
        return sum(info.file_size for info in package.infolist() if info.filename.lower().endswith((".xml", ".rels")))


def too_much_xml(path: Path, limits: Limits | None = None) -> str | None:
    """The reason (Chinese) when the package inflates past the bound, else None."""
    limits = limits or Limits.current()
    size = unzipped_xml_bytes(path)
    if size > limits.xml_bytes:
        return (f"文件解压后的内容有 {size / MB:.0f} MB，超过上限 {limits.xml_bytes / MB:.0f} MB"
                "（可能是异常或被构造的文件；确需处理可设置 QA_MAX_XML_MB）")
    return None


def too_many_characters(count: int, limits: Limits | None = None) -> str | None:
    limits = limits or Limits.current()
    if count > limits.characters:
        return f"文件有 {count:,} 个字，超过单个文件的上限 {limits.characters:,} 个字（可设置 QA_MAX_CHARS）"
    return None


def too_many_units(count: int, limits: Limits | None = None) -> str | None:
    limits = limits or Limits.current()
    if count > limits.units:
        return f"文件有 {count:,} 个条款或段落，超过单个文件的上限 {limits.units:,} 个（可设置 QA_MAX_UNITS）"
    return None


def too_many_ocr_pages(count: int, limits: Limits | None = None) -> str | None:
    limits = limits or Limits.current()
    if count > limits.ocr_pages:
        return (f"文件有 {count} 页需要 OCR 识别，超过上限 {limits.ocr_pages} 页（约 3 秒一页；"
                "可拆分文件，或设置 QA_MAX_OCR_PAGES）")
    return None
