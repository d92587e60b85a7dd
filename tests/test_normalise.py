"""Radical code points written as ideographs (qa/normalise.py), on text and on PDFs printed by Chromium."""
from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qa.answer import clean_question
from qa.documents import read_document
from qa.normalise import normalise, remaining, table
from qa.structure import parse_document

from .conftest import REPO

LAWS = REPO.parent / "shared" / "laws"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTICLE_LINE = re.compile(r"^第[一二三四五六七八九十百千零〇]+条(?:之[一二三四五六七八九十]+)?[\s　]")


def test_radicals_become_ideographs_and_nothing_else_changes():
    assert normalise("第⼀条 ⼈⺠政府 部⻔ ⻓期 ⾼等教育") == "第一条 人民政府 部门 长期 高等教育"
    assert normalise("（一）到２０２５年，建成１０所") == "（一）到２０２５年，建成１０所"  # not NFKC at large
    assert normalise("廊") == "廊"  # a compatibility ideograph (U+F928) is its unified one
    assert not remaining(normalise("".join(chr(cp) for cp in range(0x2F00, 0x2FD6))))
    assert table()[0x2EA0] == "民" and table()[0x2ED4] == "门"
    assert normalise("个体工商⼾") == "个体工商户"  # the simplified ideograph the radical was printed for, not NFKC 戶


def test_a_question_pasted_from_such_a_pdf_is_read_as_written():
    assert clean_question("⼈⺠政府部⻔负责什么？") == ("人民政府部门负责什么？", [])


def _law_html(md: Path, out: Path) -> str:
    """A law's Markdown as a plain web page (title, chapter headings, paragraphs); returns its title."""
    title, blocks = "", []
    for line in md.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("<!--"):
            continue
        if line.startswith("# ") and not title:
            title = line[2:].strip()
            blocks.append(f"<h1>{html.escape(title)}</h1>")
        elif line.startswith("#"):
            blocks.append(f"<h2>{html.escape(line.lstrip('#').strip())}</h2>")
        else:
            blocks.append(f"<p>{html.escape(line)}</p>")
    out.write_text(f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}'
                   f'</title></head><body>{"".join(blocks)}</body></html>', encoding="utf-8")
    return title


def _print_pdf(page: Path, pdf: Path, profile: Path) -> None:
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                    "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)


def _sample_laws(n: int) -> list[Path]:
    """n laws spread over the folders (every k-th by path), of a size that prints in a few seconds."""
    files = sorted(p for p in LAWS.rglob("*.md") if not p.name.startswith("_") and 3_000 < p.stat().st_size < 40_000)
    laws = [p for p in files if sum(bool(ARTICLE_LINE.match(line)) for line in p.read_text(encoding="utf-8").splitlines()) >= 5]
    return laws[::max(1, len(laws) // n)][:n]


@pytest.mark.skipif(not LAWS.is_dir() or not CHROMIUM, reason="needs ../shared/laws and chromium")
def test_chromium_printed_statutes_keep_every_article_and_their_titles(tmp_path):
    radicals_seen = 0
    laws = _sample_laws(20)
    assert len(laws) == 20
    for number, md in enumerate(laws):
        page, pdf = tmp_path / f"{number}.html", tmp_path / f"{number}.pdf"
        title = _law_html(md, page)
        _print_pdf(page, pdf, tmp_path / "profile")
        raw = subprocess.run([sys.executable, "-c", "import sys, pdfplumber; print(''.join(p.extract_text() or '' for p in "
                              "pdfplumber.open(sys.argv[1]).pages))", str(pdf)], capture_output=True, text=True,
                             check=True).stdout if number < 3 else ""
        radicals_seen += len(remaining(raw))
        document = read_document(pdf)
        clauses = parse_document(document)
        source = [c.label for c in parse_document(read_document(md)) if c.kind == "article"]
        assert [c.label for c in clauses if c.kind == "article"] == source and len(source) >= 5, md.name
        assert document.title == title, md.name
        assert not any(remaining(c.text) or remaining(c.title) for c in clauses), md.name
    assert radicals_seen, "the printed PDFs carry radical code points: this test checks their normalisation"
