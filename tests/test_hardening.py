"""Hardening (issue 6): odd documents and questions, index integrity, proof of offline, parser fuzzing."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.answer import QuestionError
from qa.documents import Document, DocumentError, Paragraph, read_document
from qa.index import load_index, open_index, read_manifest
from qa.structure import parse_document

from .conftest import CORPUS


# ------------------------------------------------------------------------------------------ documents


def test_docx_with_only_tables_is_read(tmp_path):
    d = docx.Document()
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "（一）目标任务。", "到2025年建成。"
    table.cell(1, 0).text, table.cell(1, 1).text = "（二）保障措施。", "（责任单位：市教育局）"
    path = tmp_path / "tables.docx"
    d.save(path)
    clauses = parse_document(read_document(path))
    assert [c.label for c in clauses] == ["（一）", "（二）"]
    assert clauses[1].departments == ["市教育局"]


def _png(width: int = 4, height: int = 4) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def test_docx_with_only_an_image_says_there_is_no_text(tmp_path):
    (tmp_path / "dot.png").write_bytes(_png())
    d = docx.Document()
    d.add_picture(str(tmp_path / "dot.png"))
    path = tmp_path / "image.docx"
    d.save(path)
    with pytest.raises(DocumentError, match="image.docx.*没有可读取的文字"):
        read_document(path)


def test_markup_in_documents_is_kept_as_text(tmp_path):
    path = tmp_path / "markup.txt"
    path.write_text("（一）示例。<script>alert(1)</script> **不是粗体** [不是链接](http://x)", encoding="utf-8")
    clause = parse_document(read_document(path))[0]
    assert "<script>alert(1)</script>" in clause.text and "**不是粗体**" in clause.text


def test_large_text_file_is_refused_by_default_and_reads_with_bounded_memory_when_allowed(tmp_path, monkeypatch):
    import tracemalloc

    line = "第一条 为了推动职业教育高质量发展，提高劳动者素质和技术技能水平，促进就业创业。\n"
    path = tmp_path / "big.txt"
    with open(path, "w", encoding="utf-8") as fh:
        for _ in range(50 * 2**20 // len(line.encode())):
            fh.write(line)
    assert path.stat().st_size > 49 * 2**20
    with pytest.raises(DocumentError, match="big.txt.*超过单个文件的上限 5,000,000 个字"):  # qa/limits.py
        read_document(path)
    monkeypatch.setenv("QA_MAX_CHARS", str(10**9))
    monkeypatch.setenv("QA_MAX_UNITS", str(10**7))
    tracemalloc.start()
    clauses = parse_document(read_document(path))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(clauses) > 400_000
    assert peak < 2 * 2**30, f"peak {peak / 2**20:.0f} MiB"


def test_duplicate_documents_are_indexed_once(tmp_path, embedder, corpus_copy):
    shutil.copy(corpus_copy / "中华人民共和国职业教育法(2022-04-20).md", corpus_copy / "职业教育法副本.md")
    from qa.index import build_index

    index = build_index(corpus_copy, tmp_path / "index", embedder, progress=False)
    assert sum(c.label == "第十五条" for c in index.clauses) == 1
    assert any("职业教育法副本.md" in note and "重复" in note for note in index.notes)


# ------------------------------------------------------------------------------------------ questions


@pytest.mark.parametrize("question", ["😀😀 职业教育 🎓", "誰負責退役軍人培訓？", "Who is responsible for veteran training?",
                                      "双师型" * 3334])
def test_odd_questions_get_an_answer(assistant, question):
    data = assistant.ask(question).to_dict()
    assert data["results"] and "answer" in data


def test_traditional_characters_are_searched_as_simplified(assistant):
    data = assistant.ask("誰負責退役軍人培訓？").to_dict()
    assert data["question"] == "谁负责退役军人培训？" and data["notes"] == ["问题中的繁体字已按简体检索"]
    assert data["answer"]["type"] == "units" and data["results"][0]["label"] == "（九）"


@pytest.mark.parametrize("question", ["？？！！。。", "   ", "……——", "😀😀😀"])
def test_questions_without_words_get_a_clear_message(assistant, question):
    with pytest.raises(QuestionError):
        assistant.ask(question)


# ------------------------------------------------------------------------------------ index integrity


def test_killed_build_leaves_the_previous_index_loadable(index_dir, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    before = (copy / "manifest.json").read_bytes()
    process = subprocess.Popen([sys.executable, "-m", "qa.cli", "build", "--corpus", str(CORPUS), "--index",
                                str(copy)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(copy.glob("gen-*"))) < 2:  # the new generation has started
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert (copy / "manifest.json").read_bytes() == before
    assert len(load_index(copy).clauses) == json.loads(before)["counts"]["clauses"]


def test_damaged_index_is_rebuilt_when_the_corpus_is_there(index_dir, tmp_path, embedder):
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    generation = copy / read_manifest(copy)["generation"]
    (generation / "documents.json").write_text("[]", encoding="utf-8")
    messages = []
    index = open_index(copy, CORPUS, embedder, progress=False, say=messages.append)
    assert len(index.clauses) > 80 and any("校验失败" in m for m in messages)


# ------------------------------------------------------------------------------------------- offline


GUARD = """
import socket, sys, json
attempts = []
real_connect = socket.socket.connect
def guarded(self, address):
    host = address[0] if isinstance(address, tuple) else str(address)
    if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
        attempts.append(host)
        raise OSError("network disabled by test")
    return real_connect(self, address)
socket.socket.connect = guarded
import atexit
atexit.register(lambda: print("ATTEMPTS=" + json.dumps(attempts), file=sys.stderr))
"""


def test_cli_makes_no_outside_connection(index_dir):
    code = GUARD + f"""
from qa.cli import main
main(["ask", "谁负责退役军人培训", "--json", "--index", {str(index_dir)!r}, "--corpus", {str(CORPUS)!r}])
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={k: v for k, v in os.environ.items() if not k.startswith(("HF_", "GRADIO_"))})
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["results"][0]["label"] == "（九）"
    assert "ATTEMPTS=[]" in run.stderr


def test_web_app_makes_no_outside_connection(index_dir):
    code = GUARD + f"""
import socket
from qa.answer import Assistant
from qa.app import launch
from gradio_client import Client
with socket.socket() as s:
    s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
app = launch(Assistant({str(index_dir)!r}, {str(CORPUS)!r}, progress=False), port=port, block=False)
data = Client(f"http://127.0.0.1:{{port}}/", verbose=False).predict("双师型比例要达到多少？", 3, api_name="/ask")
assert data["results"][0]["label"] == "（十二）"
app.close()
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={k: v for k, v in os.environ.items() if not k.startswith(("HF_", "GRADIO_"))})
    assert run.returncode == 0, run.stderr
    assert "ATTEMPTS=[]" in run.stderr, run.stderr[-2000:]


# --------------------------------------------------------------------------------------------- fuzzing

HEADINGS = st.sampled_from(["一、总则", "二、任务", "（一）目标。", "（二）措施。", "(三)保障。", "第一章 总则",
                            "第二节 规定", "第一条 甲。", "第十条之一 乙。"])
TEXT = st.text(alphabet=st.sampled_from(list("职业教育发展，。；学校企业1（）、")), min_size=1, max_size=30)


def reconstruct(clauses) -> list[str]:
    """The paragraphs the clauses stand for, in order: each heading of a path once, then the clause's text."""
    out, open_path = [], []
    for clause in clauses:
        common = 0
        while common < min(len(open_path), len(clause.path)) and open_path[common] == clause.path[common]:
            common += 1
        out.extend(clause.path[common:])
        open_path = clause.path
        out.extend(clause.text.split("\n"))
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(HEADINGS, TEXT), min_size=1, max_size=25))
def test_parser_never_loses_or_duplicates_text(paragraphs):
    # numbered so that a repeated heading is a new heading, which the reconstruction can tell apart
    cleaned = [f"{p.strip()}{i}" for i, p in enumerate(paragraphs) if p.strip()]
    document = Document(Path("fuzz.txt"), "测试", [Paragraph(p) for p in cleaned], "0")
    assert reconstruct(parse_document(document)) == cleaned
