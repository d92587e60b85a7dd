"""Does a scanned regulation answer as its text does? (issue 18: ≥ 90 % of questions on it with the right
article first.)

    .venv/bin/python eval/ocr_questions.py [--law ../shared/laws/行政法规/残疾人教育条例(2017-02-01).md]
                                           [--questions eval/ocr_questions.jsonl] [--dpi 200]

The regulation is typeset on A4 pages (Noto Serif CJK SC, 16 pt, page numbers at the foot) and saved as an
image-only PDF: a scan. Two collections are indexed, each with the bundled corpus: one with the scan, one
with the regulation's own text (Markdown). Every question of the file (training format: gold = its article,
written by a helper who read only the regulation's text, before this script ran) is asked in both; printed:
OCR seconds and pages, the character error rate of the OCR'd text against the original, and top-1 (the
regulation's gold article first) on the scan and on the text.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pdf_fixtures import SERIF_FONT as FONT  # noqa: E402  (the tests' scans: same font, same wrapping)
from tests.pdf_fixtures import fit  # noqa: E402

LAW = ROOT.parent / "shared" / "laws" / "行政法规" / "残疾人教育条例(2017-02-01).md"


def scan_pages(title: str, paragraphs: list[str], dpi: int) -> list[Image.Image]:
    width, height = int(8.27 * dpi), int(11.69 * dpi)
    size = int(16 / 72 * dpi)
    font = ImageFont.truetype(FONT, size, index=2)
    margin = int(width * 0.12)
    pages: list[Image.Image] = []

    def new_page():
        image = Image.new("L", (width, height), 255)
        pages.append(image)
        return ImageDraw.Draw(image), int(height * 0.08)

    draw, y = new_page()
    heading = ImageFont.truetype(FONT, int(size * 1.4), index=2)  # a title set larger, as documents do
    draw.text(((width - len(title) * int(size * 1.4)) // 2, y), title, font=heading, fill=0)
    y += int(size * 3)
    for paragraph in paragraphs:
        rest, indent = paragraph, 2
        while rest:
            if y > height - int(height * 0.1):
                draw.text((width // 2 - size, height - int(height * 0.05)), f"- {len(pages)} -", font=font, fill=0)
                draw, y = new_page()
            line = fit(rest, font, width * 0.76 - indent * size)
            draw.text((margin + indent * size, y), line, font=font, fill=0)
            rest, indent, y = rest[len(line):], 0, y + int(size * 1.6)
    draw.text((width // 2 - size, height - int(height * 0.05)), f"- {len(pages)} -", font=font, fill=0)
    return pages


def top1(assistant, questions: list[dict], title: str) -> float:
    right = 0
    for q in questions:
        results = assistant.ask(q["question"], k=5).results
        first = results[0].clause if results else None
        label = first and (first.label or ("前言" if first.kind == "preamble" else ""))
        right += bool(first) and first.doc == title and label == q["gold"][0]
    return right / len(questions)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--law", type=Path, default=LAW)
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "ocr_questions.jsonl")
    parser.add_argument("--dpi", type=int, default=200)
    args = parser.parse_args()
    from rapidfuzz.distance import Levenshtein

    from qa.answer import Assistant
    from qa.documents import read_document
    from qa.model import load_embedder

    source = read_document(args.law)
    paragraphs = [p.text for p in source.paragraphs if p.heading_level is None]
    questions = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    embedder = load_embedder()
    with tempfile.TemporaryDirectory() as tmp:
        figures = {}
        for kind in ("scan", "text"):
            corpus = Path(tmp) / kind
            shutil.copytree(ROOT / "corpus", corpus, ignore=shutil.ignore_patterns("_*", "README.md"))
            if kind == "scan":
                pages = scan_pages(source.title, paragraphs, args.dpi)
                pdf = corpus / f"{source.title}.pdf"
                pages[0].save(pdf, "PDF", resolution=args.dpi, save_all=True, append_images=pages[1:])
                started = time.perf_counter()
                read = read_document(pdf)
                figures["ocr_s"] = time.perf_counter() - started
                figures["pages"] = len(pages)
                truth, got = "".join("".join(paragraphs).split()), "".join("".join(p.text for p in read.paragraphs).split())
                figures["cer"] = Levenshtein.distance(got, truth) / len(truth)
                figures["title"] = read.title
            else:
                shutil.copy(args.law, corpus / args.law.name)
            assistant = Assistant(Path(tmp) / f"{kind}-index", corpus, embedder=embedder, progress=False)
            figures[kind] = top1(assistant, questions, source.title)
    print(f"{len(questions)} questions; {figures['pages']} pages OCR'd in {figures['ocr_s']:.1f} s "
          f"({figures['ocr_s'] / figures['pages']:.1f} s a page); title read: {figures['title']}; "
          f"CER {figures['cer']:.4f}")
    print(f"top-1 (the gold article first): scan {figures['scan']:.3f}, text {figures['text']:.3f}")


if __name__ == "__main__":
    main()
