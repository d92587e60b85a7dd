"""Which OFD reader (issue 18 item 3): ofdkit against reading the XML with lxml directly, on the same files.

    .venv/bin/python eval/ofd_readers.py

Files: the bundled plan and law written as OFD by tests/ofd_fixtures.py in three ways (a text object per line,
per character, and through a scaling transformation matrix). Both readers' text runs go through the same
line grouping and PDF paragraph rules (qa/documents.py); per reader and file: paragraphs recovered exactly
(of the document's own), title right, milliseconds per page. (easyofd was not considered for shipping: it
requires PyMuPDF, AGPL.)
"""
from __future__ import annotations

import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import lxml.etree as etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.documents import _ofd_lines, paragraphs_from_pages, read_document  # noqa: E402
from tests.ofd_fixtures import write_ofd  # noqa: E402


@dataclass
class Run:  # the fields of ofdkit.TextRun the line grouping reads
    text: str
    x: float
    y: float
    size: float
    width: float


def lxml_pages(path: Path) -> list[list]:
    """Text objects straight from the page XML: Boundary for the position, TextCode Y for the baseline, no
    transformation matrix, no DeltaX (the advance is estimated as the size per character)."""
    ns = {"ofd": "http://www.ofdspec.org/2016"}
    pages = []
    with zipfile.ZipFile(path) as ofd:
        document = etree.fromstring(ofd.read("Doc_0/Document.xml"))
        for page in document.iterfind(".//ofd:Pages/ofd:Page", ns):
            root = etree.fromstring(ofd.read("Doc_0/" + page.get("BaseLoc")))
            runs = []
            for obj in root.iterfind(".//ofd:TextObject", ns):
                x, y, _, _ = (float(v) for v in obj.get("Boundary").split())
                size = float(obj.get("Size"))
                for code in obj.iterfind("ofd:TextCode", ns):
                    text = code.text or ""
                    runs.append(Run(text, x + float(code.get("X", 0)), y + float(code.get("Y", 0)), size,
                                    size * len(text)))
            pages.append(_ofd_lines(runs))
    return pages


def ofdkit_pages(path: Path) -> list[list]:
    import ofdkit

    with ofdkit.open(path) as ofd:
        return [_ofd_lines(page.runs) for page in ofd.pages]


READERS = {"ofdkit": ofdkit_pages, "lxml directly": lxml_pages}


def main() -> None:
    sources = [read_document(p) for p in sorted((ROOT / "corpus").iterdir()) if p.suffix in (".docx", ".md")
               and p.name != "README.md"]
    print("| reader | file | paragraphs exact | title | ms per page |\n|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for variant in ("per line", "per character", "scaled (CTM)"):
            for source in sources:
                body = [p.text for p in source.paragraphs if p.heading_level is None]
                path = write_ofd(Path(tmp) / "doc.ofd", source.title, body, per_char=variant == "per character",
                                 ctm=variant == "scaled (CTM)")
                for name, read in READERS.items():
                    started = time.perf_counter()
                    pages = read(path)
                    elapsed = (time.perf_counter() - started) / max(1, len(pages))
                    title, paragraphs = paragraphs_from_pages(pages)
                    texts = [p.text for p in paragraphs]
                    exact = sum(t in texts for t in body) / len(body)
                    right = title == source.title or (texts and texts[0] == source.title)
                    print(f"| {name} | {source.title[:12]}… {variant} | {exact:.3f} | {'yes' if right else 'no'} | "
                          f"{1000 * elapsed:.1f} |")


if __name__ == "__main__":
    main()
