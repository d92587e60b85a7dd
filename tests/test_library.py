"""The document library: `qa add` / `qa remove` / `qa docs`, the web app's background jobs, who may change."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import bm25s
import numpy as np
import pytest

from qa.app import Access, may_change_documents
from qa.cli import main
from qa.index import BM25_PARAMS, clause_passage, load_index, read_manifest, tokenize
from qa.documents import read_document
from qa.library import Jobs, add, entries, read_files, remove
from qa.progress import Cancelled, Progress

from . import new_documents as new
from .conftest import LAW, PLAN
from .pdf_fixtures import scanned_statute


class Counting:
    """The real embedder, recording every passage it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.passages = inner, []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def encode_passages(self, texts, **kwargs):
        self.passages += list(texts)
        return self.inner.encode_passages(texts, **kwargs)


@pytest.fixture
def library(index_dir, corpus_copy, tmp_path) -> tuple[Path, Path]:
    """A writable corpus and a copy of the bundled index built from it."""
    shutil.copytree(index_dir, tmp_path / "index")
    return corpus_copy, tmp_path / "index"


def fresh_bm25_scores(index, question: str) -> tuple[np.ndarray, np.ndarray]:
    """BM25 scores of a question from bm25s indexing every clause's tokens anew, and from the stored index."""
    fresh = bm25s.BM25(**BM25_PARAMS)
    fresh.index([tokenize(clause_passage(c)) for c in index.clauses], show_progress=False)
    terms = [t for t in tokenize(question) if t in fresh.vocab_dict]
    assert set(fresh.vocab_dict) == set(index.bm25_clauses.vocab_dict)
    return fresh.get_scores(terms), index.bm25_clauses.get_scores(terms)


def top(assistant, question: str):
    return assistant.ask(question, k=3).results[0].clause


def test_add_embeds_only_the_new_document_and_remove_embeds_nothing(library, embedder, assistant, tmp_path):
    corpus, index_dir = library
    source = new.rules_docx(tmp_path)
    counting = Counting(embedder)
    before = read_manifest(index_dir)
    result = add(read_files([source]), corpus, index_dir, counting)

    [entry] = result.entries
    assert (entry.title, entry.kind, entry.numbered, entry.file) == (new.RULES_TITLE, "statute", 7, source.name)
    assert (corpus / source.name).read_bytes() == source.read_bytes()  # the library holds its own copy
    index = load_index(index_dir)
    mine = [c for c in index.clauses if c.doc == new.RULES_TITLE]
    assert sorted(counting.passages) == sorted([clause_passage(c) for c in mine] + [s for c in mine for s in c.sentences])
    old_docs = Path(index_dir, before["generation"], "docs")
    for record in index.documents[:2]:  # the other documents' vectors and terms are reused, not recomputed
        assert os.path.samefile(old_docs / record["id"] / "clauses.npy",
                                index_dir / index.manifest["generation"] / "docs" / record["id"] / "clauses.npy")
    fresh, stored = fresh_bm25_scores(index, new.RULES_QUESTION)
    assert np.array_equal(fresh, stored)  # BM25 statistics are those of a full build

    now = assistant.with_index(index)
    found = top(now, new.RULES_QUESTION)
    assert (found.doc, found.label) == (new.RULES_TITLE, new.RULES_ANSWER)
    assert top(assistant, new.RULES_QUESTION).doc != new.RULES_TITLE  # the old assistant is unchanged

    removed = remove(new.RULES_TITLE, corpus, index_dir)
    assert removed.file == source.name and not (corpus / source.name).exists()
    index = load_index(index_dir)
    assert [e.title for e in entries(index_dir)] == [e for e in (r["title"] for r in index.documents)]
    assert new.RULES_TITLE not in {c.doc for c in index.clauses} and len(index.documents) == 2
    assert np.array_equal(index.bm25_clauses.get_scores(["培训"]), assistant.index.bm25_clauses.get_scores(["培训"]))
    assert top(assistant.with_index(index), new.RULES_QUESTION).doc != new.RULES_TITLE


def test_bad_or_duplicate_file_changes_nothing(library, capsys, tmp_path):
    corpus, index_dir = library
    bad = tmp_path / "坏文件.docx"
    bad.write_bytes(b"not a zip at all")
    manifest = (index_dir / "manifest.json").read_bytes()
    files = sorted(p.name for p in corpus.iterdir())
    args = ["--corpus", str(corpus), "--index", str(index_dir)]
    assert main(["add", str(bad), *args]) == 1
    assert "坏文件.docx" in capsys.readouterr().err
    assert main(["remove", "没有这个文件", *args]) == 1
    assert "文件库中没有「没有这个文件」" in capsys.readouterr().err
    assert (index_dir / "manifest.json").read_bytes() == manifest
    assert sorted(p.name for p in corpus.iterdir()) == files


def test_same_content_is_not_added_twice(library, embedder, tmp_path):
    corpus, index_dir = library
    copy = tmp_path / "同一部法律.md"
    shutil.copy(LAW, copy)
    manifest = (index_dir / "manifest.json").read_bytes()
    result = add(read_files([copy]), corpus, index_dir, embedder)
    assert not result.entries and "相同" in result.skipped["同一部法律.md"]
    assert (index_dir / "manifest.json").read_bytes() == manifest and not (corpus / copy.name).exists()


def test_docs_lists_the_library(library, capsys):
    corpus, index_dir = library
    assert main(["docs", "--index", str(index_dir)]) == 0
    out = capsys.readouterr().out
    assert "《关于加快推进职业教育现代化服务的实施方案》" in out and "政策文件 · 18 条" in out
    assert "《中华人民共和国职业教育法》" in out and f"法律法规 · 69 条 · {LAW.name}" in out
    assert "共 2 个文件" in out


def test_jobs_report_each_file(library, embedder, tmp_path):
    corpus, index_dir = library
    good, bad = new.opinion_docx(tmp_path), tmp_path / "说明.xyz"
    bad.write_text("x", encoding="utf-8")
    changed = threading.Event()
    seen = []
    jobs = Jobs(corpus, index_dir, embedder, lambda index: (seen.append(index), changed.set()))
    jobs.add([good, bad])
    assert {s.file: s.state for s in jobs.pending()} == {good.name: "解析中", bad.name: "解析中"}
    assert changed.wait(120)
    for _ in range(50):
        if not any(s.state == "解析中" for s in jobs.statuses):
            break
        threading.Event().wait(0.1)
    states = {s.file: s.text for s in jobs.statuses}
    assert states[good.name] == "已加入" and states[bad.name].startswith("失败：不支持的文件类型")
    assert [s.file for s in jobs.pending()] == [bad.name]
    assert new.OPINION_TITLE in {c.doc for c in seen[0].clauses}
    assert PLAN.name in {r["file"] for r in seen[0].documents}


def _library_state(corpus: Path, index_dir: Path) -> tuple:
    """What a change would alter: the manifest, the corpus files (staged ones included), the generations."""
    return ((index_dir / "manifest.json").read_bytes(), sorted(p.name for p in corpus.iterdir()),
            sorted(p.name for p in index_dir.iterdir()))


def test_a_cancelled_add_leaves_the_library_as_it_was(library, embedder, tmp_path):
    corpus, index_dir = library
    before = _library_state(corpus, index_dir)
    steps = []

    def cancel_at_first_batch(stage, done, total):
        steps.append((stage, done, total))
        progress.cancel()

    progress = Progress(cancel_at_first_batch)
    with pytest.raises(Cancelled):
        add(read_files([new.opinion_docx(tmp_path)]), corpus, index_dir, embedder, progress=progress)
    assert steps and steps[0][0] == "向量化" and 0 < steps[0][1] <= steps[0][2]
    assert _library_state(corpus, index_dir) == before


def _wait_for(jobs: Jobs, file: str, predicate, seconds: float = 120) -> str:
    for _ in range(int(seconds * 20)):
        text = next((s.text for s in jobs.statuses if s.file == file), "")
        if predicate(text):
            return text
        threading.Event().wait(0.05)
    pytest.fail(f"{file}: status stayed {text!r}")


def test_an_upload_shows_its_ocr_pages_and_can_be_cancelled(library, embedder, tmp_path):
    corpus, index_dir = library
    articles = [p.text for p in read_document(LAW).paragraphs if p.text.startswith("第")][1:10]
    scanned = scanned_statute(tmp_path, [articles[:3], articles[3:6], articles[6:]])
    before = _library_state(corpus, index_dir)
    changed = []
    jobs = Jobs(corpus, index_dir, embedder, changed.append)
    jobs.add([scanned])
    assert _wait_for(jobs, scanned.name, lambda t: t.startswith("解析中：OCR 识别第 1/3 页"))
    assert jobs.cancel() == 1
    assert _wait_for(jobs, scanned.name, lambda t: not t.startswith("解析中")) == "已取消：文件库未改变"
    assert [s.file for s in jobs.pending()] == [scanned.name]
    assert not changed and _library_state(corpus, index_dir) == before
    assert jobs.cancel() == 0  # nothing is running any more


@pytest.mark.parametrize("access, user, allowed", [
    (Access(), None, True),  # local use: no login at all
    (Access(auth=("u", "p")), "u", False),  # logins but no administrator: nobody
    (Access(auth=("u", "p"), admin=("boss", "x")), "u", False),
    (Access(auth=("u", "p"), admin=("boss", "x")), "boss", True),
    (Access(read_only=True), None, False),
])
def test_who_may_change_documents(access, user, allowed):
    class Request:
        username = user
    assert may_change_documents(Request(), access) is allowed
    assert Access(auth=("u", "p"), admin=("boss", "x")).accounts() == [("u", "p"), ("boss", "x")]


def test_cli_add_docs_remove(library, embedder, capsys, monkeypatch, tmp_path):
    corpus, index_dir = library
    monkeypatch.setattr("qa.cli.load_embedder", lambda model=None: embedder)  # the session's model
    args = ["--corpus", str(corpus), "--index", str(index_dir)]
    source = new.rules_docx(tmp_path)
    assert main(["add", str(source), *args]) == 0
    assert f"已加入：《{new.RULES_TITLE}》（法律法规，7 条）→ {source.name}" in capsys.readouterr().err
    assert main(["docs", *args]) == 0
    listed = capsys.readouterr().out
    assert f"《{new.RULES_TITLE}》\n  法律法规 · 7 条 · {source.name}" in listed and "共 3 个文件" in listed
    assert main(["remove", source.name, *args]) == 0
    assert f"已移除：《{new.RULES_TITLE}》" in capsys.readouterr().err
    assert main(["docs", *args]) == 0 and new.RULES_TITLE not in capsys.readouterr().out


def test_versions_and_dates_are_listed_from_document_info():
    """Two versions of one law, with the dates a reader found (Document.info): the newer one is 现行."""
    from qa.app import file_rows

    base = {"kind": "statute", "clauses": 70, "sentences": 300, "numbered": 69, "added": "2026-11-29T12:00:00+00:00",
            "title": "中华人民共和国职业教育法"}
    older = {**base, "id": "a", "sha256": "a", "file": "职业教育法(1996-05-15).md",
             "info": {"published": "1996-05-15", "effective": "1996-09-01", "version": "1996-05-15", "revised": []}}
    newer = {**base, "id": "b", "sha256": "b", "file": "职业教育法(2022-04-20).md",
             "info": {"published": "1996-05-15", "effective": "2022-05-01", "version": "2022-04-20",
                      "revised": ["2022-04-20"]}}
    rows = file_rows([newer, older], [])
    assert [(r[0], r[4], r[5]) for r in rows] == [("职业教育法(2022-04-20).md", "2022-05-01", "现行"),
                                                 ("职业教育法(1996-05-15).md", "1996-09-01", "已有新版本")]
    plain = {**base, "id": "c", "sha256": "c", "file": "其他.md", "title": "其他文件", "info": None}
    assert file_rows([plain], [])[0][3:6] == ["", "", ""]


def test_read_only_app_has_no_files_tab(assistant):
    from qa.app import build_app

    def elem_ids(app) -> set[str]:
        return {c.get("props", {}).get("elem_id") for c in app.get_config_file()["components"]}

    assert "qa-upload" in elem_ids(build_app(assistant))
    assert "qa-upload" not in elem_ids(build_app(assistant, Access(read_only=True)))
