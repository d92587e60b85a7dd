from __future__ import annotations

import json
import shutil

import pytest

from qa.index import (IndexUnusable, build_index, load_index, open_index, read_manifest, stale_reasons)

from .conftest import CORPUS, LAW, PLAN


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
    vectors = next(generation.glob("docs/*/clauses.npy"))
    vectors.unlink()  # a fresh file: the copy may share it with the original through a hard link
    vectors.write_bytes(b"\x93NUMPY truncated")
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


def test_bm25_is_exactly_that_of_bm25s_over_the_token_lists(index_dir):
    import bm25s
    import numpy as np

    from qa.index import BM25_PARAMS, clause_passage, tokenize

    index = load_index(index_dir)
    units = {"clauses": ([clause_passage(c) for c in index.clauses], index.bm25_clauses),
             "sentences": ([index.sentence_text(r) for r in index.sentence_refs], index.bm25_sentences)}
    for texts, stored in units.values():
        fresh = bm25s.BM25(**BM25_PARAMS)
        fresh.index([tokenize(t) for t in texts], show_progress=False)
        assert set(fresh.vocab_dict) == set(stored.vocab_dict)
        for question in ["谁负责退役军人的职业培训", "双师型教师比例", "职业学校教育分为哪几个层次"]:
            terms = [t for t in tokenize(question) if t in fresh.vocab_dict]
            assert np.array_equal(fresh.get_scores(terms), stored.get_scores(terms))


class HashVectors:
    """Vectors that name their text: the build's bookkeeping, not the model, is under test."""

    name, fingerprint, dim = "hash", "hash-1", 8

    def encode_passages(self, texts, progress=False, batch_size=16):
        import numpy as np

        return np.array([[hash(t) % 1009, len(t), 1, 0, 0, 0, 0, 0] for t in texts], dtype=np.float32)


def test_streaming_build_keeps_every_vector_with_its_unit(tmp_path, corpus_copy, monkeypatch):
    import numpy as np

    from qa import index as index_module
    from qa.index import clause_passage

    monkeypatch.setattr(index_module, "CHUNK_PASSAGES", 50)  # many chunks, documents split across them
    (corpus_copy / "副本.md").write_bytes(LAW.read_bytes())  # a duplicate is skipped with a note
    embedder = HashVectors()
    index = build_index(corpus_copy, tmp_path / "index", embedder, progress=False, sentence_vectors="on")
    assert any("副本.md" in note for note in index.notes)
    assert [r["file"] for r in index.documents] == [LAW.name, PLAN.name]
    expected = embedder.encode_passages([clause_passage(c) for c in index.clauses])
    assert np.array_equal(index.clause_vectors.reconstruct_n(0, len(index.clauses)), expected)
    sentences = embedder.encode_passages([index.sentence_text(r) for r in index.sentence_refs])
    assert np.array_equal(index.sentence_vectors.reconstruct_n(0, len(index.sentence_refs)), sentences)
