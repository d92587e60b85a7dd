"""Which OCR engine (issue 18 item 2): PP-OCR through rapidocr-onnxruntime against Tesseract chi_sim, on the
same pages rendered from text we know, at 150, 200 and 300 dpi, clean and degraded (Gaussian blur, a slight
rotation, JPEG noise) as scans and phone photos of red-header documents are.

    .venv/bin/pip install rapidocr-onnxruntime rapidfuzz pytesseract   # + apt install tesseract-ocr-chi-sim
    .venv/bin/python eval/ocr_engines.py [--pages 3] [--engines NAME,NAME]

Pages: the bundled plan's paragraphs typeset on A4 (Noto Serif CJK SC, 16 pt body as official documents use,
a paragraph's first line indented). Per engine × dpi × degradation: character error rate (Levenshtein
distance over the page's characters, whitespace ignored, punctuation width ignored (NFKC), / the page's
characters), seconds per page, and
the peak RSS of the process after the engine ran (ru_maxrss, shared by both: printed as it grows). Prints a
Markdown table for eval/RESULTS.md; say the CPU with it.
"""
from __future__ import annotations

import argparse
import io
import resource
import statistics
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parent.parent
FONT = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
A4_INCHES = (8.27, 11.69)


def page_texts(pages: int) -> list[list[str]]:
    from qa.documents import read_document

    plan = read_document(ROOT / "corpus" / "关于加快推进职业教育现代化服务的实施方案.docx")
    paragraphs = [p.text for p in plan.paragraphs]
    per_page = max(1, len(paragraphs) // pages)
    return [paragraphs[i * per_page:(i + 1) * per_page][:4] for i in range(pages)]


def render(paragraphs: list[str], dpi: int) -> tuple[Image.Image, str]:
    """A4 page with the paragraphs typeset; returns it and the text as laid out (what OCR should read)."""
    width, height = int(A4_INCHES[0] * dpi), int(A4_INCHES[1] * dpi)
    size = int(16 / 72 * dpi)  # 16 pt
    font = ImageFont.truetype(FONT, size, index=2)  # the SC face of the collection
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    margin, y, per_line = int(width * 0.12), int(height * 0.1), int(width * 0.76) // size
    laid = []
    for paragraph in paragraphs:
        rest, indent = paragraph, 2
        while rest and y < height - 2 * size:
            line = rest[:per_line - indent]
            draw.text((margin + indent * size, y), line, font=font, fill=0)
            laid.append(line)
            rest, indent, y = rest[len(line):], 0, y + int(size * 1.6)
    return image, "".join(laid)


def degrade(image: Image.Image, how: str) -> Image.Image:
    if how == "blur":
        return image.filter(ImageFilter.GaussianBlur(radius=image.width / 1650))  # ≈ 1 px at 200 dpi
    if how == "rotated":
        return image.rotate(0.8, resample=Image.BICUBIC, fillcolor=255, expand=False)
    if how == "jpeg":
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=35)
        return Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    return image


def rapidocr_default_text(image: Image.Image) -> str:
    import numpy as np
    from rapidocr_onnxruntime import RapidOCR

    global _RAPID
    if "_RAPID" not in globals():
        _RAPID = RapidOCR()
    result, _ = _RAPID(np.array(image.convert("RGB")))
    return "".join(text for _, text, _ in (result or []))


def rapidocr_text(image: Image.Image) -> str:
    """As the product reads a page: qa/ocr.py's engine settings and line grouping."""
    from qa.ocr import image_lines

    return "".join(line.text for line in image_lines(image))


def tesseract_text(image: Image.Image) -> str:
    import pytesseract

    return pytesseract.image_to_string(image, lang="chi_sim", config="--psm 6")


ENGINES = {"PP-OCR (rapidocr-onnxruntime) default settings": rapidocr_default_text,
           "PP-OCR as qa/ocr.py (detector side 2000)": rapidocr_text, "Tesseract 5 chi_sim": tesseract_text}


def cer(read: str, truth: str) -> float:
    from rapidfuzz.distance import Levenshtein

    import unicodedata

    # full- and half-width punctuation (，/, （/() count as the same character: a width is no misreading
    read, truth = ("".join(unicodedata.normalize("NFKC", t).split()) for t in (read, truth))
    return Levenshtein.distance(read, truth) / max(1, len(truth))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated names (default: all)")
    args = parser.parse_args()
    texts = page_texts(args.pages)
    print("| engine | dpi | page | CER | s / page | peak RSS MB |\n|---|---|---|---|---|---|")
    for name, read in ENGINES.items():
        if name not in args.engines.split(","):
            continue
        for dpi in (150, 200, 300):
            for how in ("clean", "blur", "rotated", "jpeg"):
                errors, seconds = [], []
                for paragraphs in texts:
                    image, truth = render(paragraphs, dpi)
                    image = degrade(image, how)
                    started = time.perf_counter()
                    text = read(image)
                    seconds.append(time.perf_counter() - started)
                    errors.append(cer(text, truth))
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(f"| {name} | {dpi} | {how} | {statistics.mean(errors):.3f} | {statistics.mean(seconds):.2f} | "
                      f"{rss:.0f} |", flush=True)


if __name__ == "__main__":
    main()
