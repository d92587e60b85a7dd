from __future__ import annotations

import json
import shutil

import pytest

from qa.index import (IndexUnusable, build_index, load_index, open_index, read_manifest, stale_reasons)

from .conftest import CORPUS


def test_round_trip(index_dir):
    index = load_index(index_dir)
    manifest = index.manifest
    assert manifest["counts"]["documents"] == 2
    assert index.clause_vectors.ntotal == len(index.clauses) == manifest["counts"]["clauses"]
    assert index.sentence_vectors.ntotal == len(index.sentence_refs) == manifest["counts"]["sentences"]
    assert sum(c.kind == "clause" for c in index.clauses) == 18
    assert sum(c.kind == "article" for c in index.clauses) == 69
    assert manifest["dimension"] == 384 and manifest["model"] == "e5-small"


def test_current_index_is_not_stale(index_dir, embedder):
    assert stale_reasons(read_manifest(index_dir), CORPUS, embedder) == []


def test_changed_corpus_and_other_model_are_detected(index_dir, embedder, corpus_copy):
    (corpus_copy / "新文件.txt").write_text("（一）新增条款。", encoding="utf-8")
    manifest = read_manifest(index_dir)
    assert any("新文件.txt" in r for r in stale_reasons(manifest, corpus_copy, embedder))

    class Other:
        name, fingerprint = "other-model", "x"
    assert any("other-model" in r for r in stale_reasons(manifest, None, Other()))


def test_altered_index_file_is_detected(index_dir, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    generation = copy / read_manifest(copy)["generation"]
    with open(generation / "clauses.faiss", "r+b") as fh:
        fh.truncate(100)
    with pytest.raises(IndexUnusable, match="校验失败"):
        load_index(copy)


def test_missing_index_is_reported_without_rebuild(tmp_path, embedder):
    with pytest.raises(IndexUnusable, match="qa build"):
        open_index(tmp_path / "none", None, embedder, rebuild=False)


def test_failed_build_keeps_the_previous_index(index_dir, tmp_path, embedder, corpus_copy):
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    before = (copy / "manifest.json").read_bytes()
    (corpus_copy / "坏文件.docx").write_bytes(b"not a zip at all")
    with pytest.raises(Exception, match="坏文件.docx"):
        build_index(corpus_copy, copy, embedder, progress=False)
    assert (copy / "manifest.json").read_bytes() == before
    assert len(load_index(copy).clauses) == json.loads(before)["counts"]["clauses"]
    assert len(list(copy.glob("gen-*"))) == 1
