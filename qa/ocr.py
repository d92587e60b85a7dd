"""OCR: the text lines of page images — scanned PDFs, image-only pages inside a text PDF, and images.

PP-OCR through rapidocr-onnxruntime (Apache-2.0): its wheel carries the Chinese detection and recognition
ONNX models, so nothing is downloaded. Chosen over Tesseract chi_sim by eval/ocr_engines.py on pages rendered
from known text at 150–300 dpi, clean and degraded: both stay under 3 % character errors at 200 dpi, PP-OCR at
2.4–3.4 s a page against Tesseract's 9–11 s on 2 cores, and it is installed by pip with the project (Tesseract
needs a system package). PDF pages are rendered at DPI by pypdfium2 (installed with pdfplumber).

Lines come back with their boxes in the page's pixels; documents.py joins them into paragraphs with the rules
it uses for PDF text (running headers, footers and page numbers dropped, lines joined by position).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DPI = 200  # PDF pages are rendered at this resolution: 16 pt body type is ~44 px high
SIZE_OF_BOX = 0.85  # a detected line box is this much taller than the type's size (ascenders, padding)


@dataclass
class OcrLine:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def size(self) -> float:
        return SIZE_OF_BOX * (self.bottom - self.top)


# The detector sees the page scaled so that its longer side is at most this many pixels. rapidocr's default
# (736) shrinks an A4 page at 200 dpi (2,338 px) so far that the gap between two lines closes and a line is
# lost (eval/ocr_engines.py: CER 0.019-0.025, a whole line, at the default; see eval/RESULTS.md).
DETECTION_SIDE = 2000


@lru_cache(maxsize=1)
def _engine() -> Any:
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(det_limit_side_len=DETECTION_SIDE)


def image_lines(image: Any) -> list[OcrLine]:
    """The text lines of one page image (PIL), top to bottom; boxes on one baseline are one line."""
    import numpy as np

    result, _ = _engine()(np.array(image.convert("RGB")))
    boxes = []
    for points, text, _score in result or []:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        if text.strip():
            boxes.append(OcrLine(text.strip(), min(xs), max(xs), min(ys), max(ys)))
    lines: list[list[OcrLine]] = []
    for box in sorted(boxes, key=lambda b: (b.top + b.bottom) / 2):
        middle = (box.top + box.bottom) / 2
        if lines and lines[-1][0].top <= middle <= lines[-1][0].bottom:
            lines[-1].append(box)
        else:
            lines.append([box])
    out = []
    for line in lines:
        line.sort(key=lambda b: b.x0)
        out.append(OcrLine("".join(b.text for b in line), line[0].x0, max(b.x1 for b in line),
                           min(b.top for b in line), max(b.bottom for b in line)))
    return out


def pdf_page_images(path: Path, pages: list[int], dpi: int = DPI) -> Iterator[Any]:
    """The given pages (0-based) of a PDF rendered as images."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        for number in pages:
            yield pdf[number].render(scale=dpi / 72).to_pil()
    finally:
        pdf.close()


def file_images(path: Path) -> Iterator[Any]:
    """Every frame of an image file (a multi-page TIFF has several)."""
    from PIL import Image, ImageSequence

    with Image.open(path) as image:
        for frame in ImageSequence.Iterator(image):
            yield frame.copy()
