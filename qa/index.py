"""Build, store and load the search index: clauses, their vectors and a BM25 index, with a manifest.

Layout of an index folder (default `index/`):

    manifest.json        which generation is current, the model, the corpus file hashes, file checksums
    gen-<stamp>/         one complete build: clauses.json, clauses.faiss, sentences.faiss,
                         bm25-clauses/, bm25-sentences/

A build writes a new generation folder completely, then replaces manifest.json atomically (os.replace) and
only then removes older generations. A build that fails or is killed midway therefore leaves the previous
index loadable, and a reader never sees a half-written one.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .documents import Document, DocumentError, iter_corpus_files, read_document
from .structure import Clause, parse_document

FORMAT_VERSION = 3  # bump when the files or the lexical terms (tokenize, BM25_PARAMS) change (3: Clause.version)
MANIFEST = "manifest.json"
BM25_PARAMS = {"k1": 1.5, "b": 0.5}  # b tuned on the tune split (0.3 / 0.5 / 0.75 / 0.9 tried)
BIGRAMS = True  # add character bigrams to the BM25 terms (see tokenize)
ENCODE_CHUNK = 256  # passages per progress-bar step
ENCODE_BATCH = 32  # passages per forward pass
SENTENCE_VECTOR_LIMIT = 50_000  # "auto": sentence vectors up to this many sentences
# Characters that are never useful search terms on their own.
PUNCT = set("，。、；：？！“”‘’（）《》【】〔〕—…·,.;:?!\"'()[]<>-_/\\|　 \t\n%％+")


class IndexUnusable(Exception):
    """The index cannot be built or used; the message says why (Chinese, for users)."""



@dataclass
class SentenceRef:
    clause: int  # position in Index.clauses
    sentence: int  # position in that clause's sentences


@dataclass
class Index:
    folder: Path
    manifest: dict[str, Any]
    clauses: list[Clause]
    sentence_refs: list[SentenceRef]
    clause_vectors: Any  # faiss.Index over clause vectors
    sentence_vectors: Any  # faiss.Index over sentence vectors, or None (large collections, see build_index)
    bm25_clauses: Any  # bm25s.BM25
    bm25_sentences: Any
    notes: list[str] = field(default_factory=list)

    def sentence_text(self, ref: SentenceRef) -> str:
        return self.clauses[ref.clause].sentences[ref.sentence]


# ------------------------------------------------------------------------------------------- tokenizing


def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")


def tokenize(text: str) -> list[str]:
    """Lexical terms for BM25: jieba's search-mode words, and character bigrams (prefixed "#") of every run
    of Chinese characters, which match where jieba cuts a colloquial phrase differently from the text."""
    text = text.lower()
    words = [w for w in (w.strip() for w in _jieba().cut_for_search(text)) if w and not all(ch in PUNCT for ch in w)]
    if BIGRAMS:
        words += [f"#{run[i:i + 2]}" for run in CJK_RUN.findall(text) for i in range(len(run) - 1)]
    return words


def word_bounds(text: str) -> set[int]:
    """Positions in `text` where a jieba word starts or ends (precise mode, not the search mode of tokenize)."""
    bounds, position = {0}, 0
    for word in _jieba().cut(text):
        position += len(word)
        bounds.add(position)
    return bounds


# -------------------------------------------------------------------------------------------- texts


def clause_passage(clause: Clause) -> str:
    """What is embedded and BM25-indexed for a clause: its place in the document, then its text."""
    return "\n".join([clause.doc, *clause.path, clause.text])


def sentence_refs(clauses: list[Clause]) -> list[SentenceRef]:
    return [SentenceRef(ci, si) for ci, c in enumerate(clauses) for si in range(len(c.sentences))]


# -------------------------------------------------------------------------------------------- building


def read_corpus(folder: Path) -> list[Document]:
    """Every document of the corpus, byte-identical copies once (with a note); DocumentError on the first
    bad file, so nothing half-built is kept."""
    if not folder.is_dir():
        raise IndexUnusable(f"文档目录不存在：{folder}")
    files = list(iter_corpus_files(folder))
    if not files:
        raise IndexUnusable(f"文档目录 {folder} 中没有可读取的文档（.docx、.md、.txt）")
    documents: dict[str, Document] = {}
    for path in files:
        document = read_document(path)
        first = documents.setdefault(document.sha256, document)
        if first is not document:
            first.notes.append(f"{path.name} 与 {first.name} 内容重复，已跳过")
    return list(documents.values())


def corpus_clauses(documents: list[Document]) -> list[Clause]:
    return [clause for document in documents for clause in parse_document(document)]


def build_index(corpus: Path, folder: Path, embedder, progress: bool = True,
                sentence_vectors: str = "auto") -> Index:
    """Read, parse, embed and store the corpus as a new index generation; return the loaded index.

    `sentence_vectors`: "on", "off" or "auto" (on up to SENTENCE_VECTOR_LIMIT sentences). Sentence vectors
    make the dense channel find the one answering sentence of a long clause; on a large collection
    (60,000 articles, 190,000 sentences) they would triple the build time, and sentences are then ranked
    by BM25 and the clause vector alone."""
    documents = read_corpus(corpus)
    clauses = corpus_clauses(documents)
    refs = sentence_refs(clauses)
    with_sentences = sentence_vectors == "on" or (sentence_vectors == "auto" and len(refs) <= SENTENCE_VECTOR_LIMIT)
    started = time.perf_counter()
    texts = [clause_passage(c) for c in clauses]
    if with_sentences:
        texts += [clauses[r.clause].sentences[r.sentence] for r in refs]
    vectors = _encode(embedder, texts, progress)
    folder.mkdir(parents=True, exist_ok=True)
    generation = folder / f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    try:
        generation.mkdir()
        _write_generation(generation, clauses, refs, vectors[: len(clauses)],
                          vectors[len(clauses):] if with_sentences else None)
        manifest = {
            "format_version": FORMAT_VERSION, "generation": generation.name, "model": embedder.name,
            "model_fingerprint": embedder.fingerprint, "dimension": embedder.dim,
            "corpus": str(corpus.resolve()), "documents": {d.name: d.sha256 for d in documents},
            "counts": {"documents": len(documents), "clauses": len(clauses), "sentences": len(refs)},
            "sentence_vectors": with_sentences,
            "build_seconds": round(time.perf_counter() - started, 2),
            "files": _checksums(generation),
        }
        _write_json_atomic(folder / MANIFEST, manifest)
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    _remove_old_generations(folder, keep=generation.name)
    index = load_index(folder)
    index.notes = [note for d in documents for note in d.notes]
    return index


def _encode(embedder, texts: list[str], progress: bool) -> np.ndarray:
    """Embed all texts, shortest first: batches of similar length waste no time on padding (2.4x faster
    than document order on the laws), then put the vectors back in the texts' order."""
    from tqdm import tqdm

    order = np.argsort([len(t) for t in texts], kind="stable")
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    bar = tqdm(total=len(texts), desc="向量化", unit="段", disable=not progress, leave=False)
    for start in range(0, len(texts), ENCODE_CHUNK):
        chunk = order[start:start + ENCODE_CHUNK]
        out[chunk] = embedder.encode_passages([texts[i] for i in chunk], batch_size=ENCODE_BATCH)
        bar.update(len(chunk))
    bar.close()
    return out


def _write_generation(folder: Path, clauses: list[Clause], refs: list[SentenceRef],
                      clause_vecs: np.ndarray, sentence_vecs: np.ndarray | None) -> None:
    import bm25s
    import faiss

    (folder / "clauses.json").write_text(
        json.dumps([c.to_dict() for c in clauses], ensure_ascii=False), encoding="utf-8")
    for name, vecs in (("clauses.faiss", clause_vecs), ("sentences.faiss", sentence_vecs)):
        if vecs is None:
            continue
        flat = faiss.IndexFlatIP(vecs.shape[1])
        flat.add(vecs)
        faiss.write_index(flat, str(folder / name))
    corpora = {
        "bm25-clauses": [tokenize(clause_passage(c)) for c in clauses],
        "bm25-sentences": [tokenize(clauses[r.clause].sentences[r.sentence]) for r in refs],
    }
    for name, tokens in corpora.items():
        bm25 = bm25s.BM25(**BM25_PARAMS)
        bm25.index(tokens, show_progress=False)
        bm25.save(str(folder / name), show_progress=False)


def _checksums(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): _sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _remove_old_generations(folder: Path, keep: str) -> None:
    for old in folder.glob("gen-*"):
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


# --------------------------------------------------------------------------------------------- loading


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        raise IndexUnusable(f"索引目录 {folder} 中没有索引（缺少 {MANIFEST}），请先运行 `qa build`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IndexUnusable(f"索引清单 {path} 已损坏：{exc}") from exc
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexUnusable(
            f"索引格式版本为 {manifest.get('format_version')}，本程序需要 {FORMAT_VERSION}：请重新运行 `qa build`")
    return manifest


def verify_files(folder: Path, manifest: dict[str, Any]) -> None:
    generation = folder / manifest["generation"]
    for name, digest in manifest["files"].items():
        path = generation / name
        if not path.is_file():
            raise IndexUnusable(f"索引文件缺失：{path}")
        if _sha256(path) != digest:
            raise IndexUnusable(f"索引文件校验失败（已被截断或修改）：{path}")


def load_index(folder: Path) -> Index:
    import bm25s
    import faiss

    manifest = read_manifest(folder)
    verify_files(folder, manifest)
    generation = folder / manifest["generation"]
    clauses = [Clause.from_dict(d) for d in json.loads((generation / "clauses.json").read_text("utf-8"))]
    return Index(
        folder=folder, manifest=manifest, clauses=clauses, sentence_refs=sentence_refs(clauses),
        clause_vectors=faiss.read_index(str(generation / "clauses.faiss")),
        sentence_vectors=faiss.read_index(str(generation / "sentences.faiss"))
        if (generation / "sentences.faiss").exists() else None,
        bm25_clauses=bm25s.BM25.load(str(generation / "bm25-clauses"), show_progress=False, verbosity=0),
        bm25_sentences=bm25s.BM25.load(str(generation / "bm25-sentences"), show_progress=False, verbosity=0),
    )


def stale_reasons(manifest: dict[str, Any], corpus: Path | None, embedder) -> list[str]:
    """Why an index no longer matches the corpus on disk or the model in use (empty: it is current)."""
    reasons = []
    if embedder is not None and manifest.get("model_fingerprint") != embedder.fingerprint:
        reasons.append(f"索引由模型「{manifest.get('model')}」建立，当前模型为「{embedder.name}」")
    if corpus is not None and corpus.is_dir():
        current = {p.name: _sha256(p) for p in iter_corpus_files(corpus)}
        if current != manifest.get("documents"):
            changed = sorted(set(current.items()) ^ set(manifest.get("documents", {}).items()))
            names = sorted({name for name, _ in changed})
            reasons.append("文档已变化：" + "、".join(names[:5]) + (" 等" if len(names) > 5 else ""))
    return reasons


def open_index(folder: Path, corpus: Path | None, embedder, rebuild: bool = True,
               progress: bool = True, say: Any = None) -> Index:
    """Load the index; when missing, stale or damaged, rebuild it from `corpus` (or say why it cannot)."""
    say = say or (lambda message: None)
    try:
        manifest = read_manifest(folder)
        reasons = stale_reasons(manifest, corpus, embedder)
        if not reasons:
            return load_index(folder)
    except IndexUnusable as exc:
        reasons = [str(exc)]
    if not rebuild or corpus is None or not corpus.is_dir():
        raise IndexUnusable("索引不可用：" + "；".join(reasons))
    if (folder / MANIFEST).is_file():
        say("重新建立索引：" + "；".join(reasons))
    else:
        say(f"首次使用，正在为 {corpus} 中的文档建立索引……")
    return build_index(corpus, folder, embedder, progress=progress)


def documents_of(clauses: Iterable[Clause]) -> list[str]:
    seen: dict[str, None] = {}
    for clause in clauses:
        seen.setdefault(clause.doc, None)
    return list(seen)


__all__ = ["Index", "IndexUnusable", "DocumentError", "build_index", "load_index", "open_index", "tokenize"]
