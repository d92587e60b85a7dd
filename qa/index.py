"""Build, store and load the search index: clauses, their vectors and a BM25 index, with a manifest.

Layout of an index folder (default `index/`):

    manifest.json        which generation is current, the model, the corpus file hashes, file checksums
    gen-<stamp>/         one complete generation:
        documents.json   the documents in index order: file, title, sha256, counts, kind, added, info
        docs/<id>/       one folder per document, never changed once written: clauses.json, clauses.npy
                         (clause vectors), sentences.npy (sentence vectors, when the index has them) and
                         terms.npz (the BM25 terms of every clause and sentence, counted, as term ids)
        terms.json       the term of each id (only grows from one generation to the next)
        bm25-clauses/, bm25-sentences/   bm25s indexes over all documents, built from the terms.npz files

A generation is written completely, then manifest.json is replaced atomically (os.replace); only then are
older generations removed (the one before is kept for readers that are still loading it). A build that fails
or is killed midway therefore leaves the previous index loadable, and a reader never sees a half-written one.

Because a document's folder holds everything derived from it, a new generation can be made without the
work for the other documents: `add_documents` embeds only the new documents and hard-links the other
folders from the current generation; `remove_documents` embeds nothing. The BM25 indexes are rebuilt from
the stored term counts (no text is tokenised again), so their statistics (document frequencies, average
length) are exactly those of a full build. A full build (`build_index`) streams: documents are read,
parsed, tokenised and embedded a chunk at a time and written out at once, so memory holds one chunk, not
the corpus.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from .documents import Document, DocumentError, iter_corpus_files, read_document
from .progress import Progress
from .structure import Clause, parse_document

FORMAT_VERSION = 5  # bump when the files, the units or the lexical terms (tokenize, BM25_PARAMS) change (4: per-document
# folders, Clause.version; 5: radical code points normalised, qa/normalise.py)
MANIFEST = "manifest.json"
LOCK = ".lock"  # one writer at a time per index folder (fcntl lock; readers never wait)
BM25_PARAMS = {"k1": 1.5, "b": 0.5}  # b tuned on the tune split (0.3 / 0.5 / 0.75 / 0.9 tried)
BIGRAMS = True  # add character bigrams to the BM25 terms (see tokenize)
CHUNK_PASSAGES = 8192  # passages read and embedded together by a build (sorted by length inside a chunk)
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
    documents: list[dict[str, Any]] = field(default_factory=list)  # documents.json: one record per document

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


def document_kind(clauses: list[Clause]) -> str:
    """"statute" (its units are articles), "policy" (numbered clauses) or "other": what the first clause or
    article of the document is (the rule Assistant uses for "本法" and "这个方案")."""
    kind_of = {"article": "statute", "clause": "policy"}
    return next((kind_of[c.kind] for c in clauses if c.kind in kind_of), "other")


# -------------------------------------------------------------------------------------- reading a corpus


def read_corpus(folder: Path) -> list[Document]:
    """Every document of the corpus, byte-identical copies once (with a note); DocumentError on the first
    bad file. Holds every document in memory: for commands over a small corpus (duties, targets)."""
    return list(_unique_documents(corpus_files(folder)))


def corpus_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise IndexUnusable(f"文档目录不存在：{folder}")
    files = list(iter_corpus_files(folder))
    if not files:
        raise IndexUnusable(f"文档目录 {folder} 中没有可读取的文档")
    return files


def _unique_documents(files: Iterable[Path], notes: list[str] | None = None) -> Iterator[Document]:
    """Read the files one at a time; a file byte-identical to an earlier one is skipped with a note. With a
    `notes` list, the documents' notes go there and nothing is kept (a streaming build); without, the
    note is added to the earlier document."""
    first: dict[str, Document | str] = {}  # sha256 -> the first document with it (its name when streaming)
    for path in files:
        document = read_document(path)
        earlier = first.get(document.sha256)
        if earlier is not None:
            name = earlier if isinstance(earlier, str) else earlier.name
            note = f"{path.name} 与 {name} 内容重复，已跳过"
            if isinstance(earlier, str) and notes is not None:
                notes.append(note)
            elif not isinstance(earlier, str):
                earlier.notes.append(note)
            continue
        if notes is None:
            first[document.sha256] = document
        else:
            first[document.sha256] = document.name
            notes.extend(document.notes)
        yield document


def corpus_clauses(documents: list[Document]) -> list[Clause]:
    return [clause for document in documents for clause in parse_document(document)]


def _count_sentences_upto(files: list[Path], limit: int) -> int:
    """Sentences in the corpus, counted until `limit` is passed (a large corpus is not read twice)."""
    total = 0
    for document in _unique_documents(files, notes=[]):
        total += sum(len(c.sentences) for c in parse_document(document))
        if total > limit:
            break
    return total


# ------------------------------------------------------------------------------ one document's folder


@dataclass
class Prepared:
    """A document parsed and ready to embed."""

    document: Document
    clauses: list[Clause]

    @property
    def sentences(self) -> list[str]:
        return [s for c in self.clauses for s in c.sentences]


def prepare(document: Document) -> Prepared:
    return Prepared(document, parse_document(document))


def document_id(sha256: str) -> str:
    return sha256[:20]


def _record(prepared: Prepared, corpus: Path | None) -> dict[str, Any]:
    """What the library lists for a document, stored so that listing reads no document files."""
    document = prepared.document
    try:
        file = document.path.resolve().relative_to(corpus.resolve()).as_posix() if corpus else document.name
    except ValueError:
        file = document.name
    return {
        "id": document_id(document.sha256), "file": file, "title": document.title, "sha256": document.sha256,
        "clauses": len(prepared.clauses), "sentences": len(prepared.sentences),
        "numbered": sum(c.kind in ("clause", "article") for c in prepared.clauses),  # （一）… clauses, 第X条
        "kind": document_kind(prepared.clauses),
        "added": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "info": document.info.to_dict(),
    }


def term_counts(texts: Iterable[str], vocab: dict[str, int]) -> dict[str, np.ndarray]:
    """The BM25 terms of each text, counted: unit u has the terms term[ptr[u]:ptr[u+1]] (ids in `vocab`,
    which grows) with counts tf[...], and length[u] terms in all."""
    ptr, term, tf, length = [0], [], [], []
    for text in texts:
        tokens = tokenize(text)
        counts = Counter(vocab.setdefault(t, len(vocab)) for t in tokens)
        term.extend(counts)
        tf.extend(counts.values())
        length.append(len(tokens))
        ptr.append(len(term))
    return {"ptr": np.array(ptr, np.int64), "term": np.array(term, np.int32), "tf": np.array(tf, np.int32),
            "length": np.array(length, np.int64)}


def _write_document(folder: Path, prepared: Prepared, clause_vecs: np.ndarray,
                    sentence_vecs: np.ndarray | None, vocab: dict[str, int]) -> None:
    folder.mkdir(parents=True)
    (folder / "clauses.json").write_text(
        json.dumps([c.to_dict() for c in prepared.clauses], ensure_ascii=False), encoding="utf-8")
    np.save(folder / "clauses.npy", clause_vecs)
    if sentence_vecs is not None:
        np.save(folder / "sentences.npy", sentence_vecs)
    clauses = term_counts((clause_passage(c) for c in prepared.clauses), vocab)
    sentences = term_counts(prepared.sentences, vocab)
    np.savez(folder / "terms.npz", **{f"clause_{k}": v for k, v in clauses.items()},
             **{f"sentence_{k}": v for k, v in sentences.items()})


def _read_terms(folder: Path, unit: str) -> dict[str, np.ndarray]:
    with np.load(folder / "terms.npz") as data:
        return {k: data[f"{unit}_{k}"] for k in ("ptr", "term", "tf", "length")}


class Vocabulary:
    """The terms of a generation (terms.json): term ids in the documents' terms.npz files index it. It only
    grows (a removed document's terms stay), so a document's stored ids stay valid in later generations."""

    FILE = "terms.json"

    def __init__(self, words: list[str] | None = None):
        self.ids: dict[str, int] = {w: i for i, w in enumerate(words or [])}
        self.size_read = len(self.ids)

    @classmethod
    def read(cls, generation: Path) -> Vocabulary:
        return cls(json.loads((generation / cls.FILE).read_text(encoding="utf-8")))

    def write(self, generation: Path, previous: Path | None = None) -> None:
        if previous is not None and len(self.ids) == self.size_read:
            _link(previous / self.FILE, generation / self.FILE)  # unchanged: reuse it
            return
        (generation / self.FILE).write_text(json.dumps(list(self.ids), ensure_ascii=False), encoding="utf-8")


# ---------------------------------------------------------------------------------------------- BM25


def bm25_from_counts(parts: Iterable[dict[str, np.ndarray]], words: list[str]):
    """A bm25s.BM25 over the units of all parts (documents) in order, from their counted terms (ids into
    `words`): the same scores as `bm25s.BM25(**BM25_PARAMS).index(token lists)`, using bm25s's own idf and
    tf formulas, built with numpy and scipy arrays instead of a Python list per token."""
    import bm25s
    from bm25s.scoring import _select_idf_scorer, _select_tfc_scorer
    from scipy import sparse

    terms, tfs, lengths, counts_per_unit = [], [], [], []
    for counts in parts:
        terms.append(counts["term"])
        tfs.append(counts["tf"])
        lengths.append(counts["length"])
        counts_per_unit.append(np.diff(counts["ptr"]).astype(np.int32))
    term = np.concatenate(terms or [np.zeros(0, np.int32)])
    del terms
    length = np.concatenate(lengths or [np.zeros(0, np.int64)])
    units = len(length)
    present = np.zeros(len(words), bool)  # the vocabulary of these units only (not the other unit
    present[term] = True  # kind's, nor a removed document's): compact ids in the order of `words`
    used = np.flatnonzero(present)
    col = (np.cumsum(present, dtype=np.int32) - 1)[term]
    del term, present
    row = np.repeat(np.arange(units, dtype=np.int32), np.concatenate(counts_per_unit or [np.zeros(0, np.int32)]))
    bm25 = bm25s.BM25(**BM25_PARAMS)
    df = np.bincount(col, minlength=len(used))
    idf_of = _select_idf_scorer(bm25.idf_method)
    distinct, which = np.unique(df, return_inverse=True)  # bm25s's idf function, once per distinct df
    idf = np.array([idf_of(int(d), N=units) for d in distinct], dtype=bm25.dtype)[which]
    tf = np.concatenate(tfs or [np.zeros(0, np.int32)]).astype(np.float32)
    tfc = _select_tfc_scorer(bm25.method)(tf_array=tf, l_d=length[row], l_avg=length.mean() if units else 1.0,
                                          k1=bm25.k1, b=bm25.b, delta=bm25.delta)
    scores = (idf[col] * tfc).astype(bm25.dtype)
    indptr = np.zeros(units + 1, np.int64)
    np.cumsum(np.bincount(row, minlength=units), out=indptr[1:])
    matrix = sparse.csr_matrix((scores, col, indptr), shape=(units, len(used))).tocsc()  # a column per term
    bm25.scores = {"data": matrix.data, "indices": matrix.indices.astype(bm25.int_dtype), "indptr": matrix.indptr,
                   "num_docs": units}
    vocab = {words[i]: j for j, i in enumerate(used.tolist())}
    vocab[""] = len(vocab)  # as bm25s.index(create_empty_token=True) does
    bm25.vocab_dict = vocab
    bm25.unique_token_ids_set = set(vocab.values())
    bm25.nonoccurrence_array = None
    return bm25


def _write_bm25(generation: Path, records: list[dict[str, Any]], words: list[str]) -> None:
    for unit, name in (("clause", "bm25-clauses"), ("sentence", "bm25-sentences")):
        parts = (_read_terms(generation / "docs" / r["id"], unit) for r in records)
        bm25_from_counts(parts, words).save(str(generation / name), show_progress=False)


# ------------------------------------------------------------------------------------------ generations


_HELD = threading.local()  # index folders whose write lock this thread holds


@contextmanager
def writing(folder: Path) -> Iterator[None]:
    """Hold the index folder's write lock: one build, add or remove at a time (another process or thread
    waits). Re-entrant within a thread: a library change may build the index it then changes."""
    folder.mkdir(parents=True, exist_ok=True)
    key = folder.resolve()
    held = _HELD.__dict__.setdefault("folders", set())
    if key in held:
        yield
        return
    with open(folder / LOCK, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        held.add(key)
        try:
            yield
        finally:
            held.discard(key)
            fcntl.flock(fh, fcntl.LOCK_UN)


def _new_generation(folder: Path) -> Path:
    generation = folder / f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    (generation / "docs").mkdir(parents=True)
    return generation


def _embed_chunk(embedder, chunk: list[Prepared], generation: Path, with_sentences: bool, bar,
                 vocab: dict[str, int]) -> None:
    """Embed a chunk of documents together and write each document's folder."""
    texts = [clause_passage(c) for p in chunk for c in p.clauses]
    n_clauses = len(texts)
    if with_sentences:
        texts += [s for p in chunk for s in p.sentences]
    vectors = _encode(embedder, texts, bar)
    clause_at, sentence_at = 0, n_clauses
    for prepared in chunk:
        n, m = len(prepared.clauses), len(prepared.sentences)
        sentence_vecs = vectors[sentence_at:sentence_at + m] if with_sentences else None
        _write_document(generation / "docs" / document_id(prepared.document.sha256), prepared,
                        vectors[clause_at:clause_at + n], sentence_vecs, vocab)
        clause_at += n
        sentence_at += m if with_sentences else 0


def _encode(embedder, texts: list[str], bar=None) -> np.ndarray:
    """Embed texts shortest first: batches of similar length waste no time on padding (2.4x faster than
    document order on the laws); the vectors come back in the texts' order."""
    order = np.argsort([len(t) for t in texts], kind="stable")
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    step = ENCODE_BATCH * 8
    for start in range(0, len(texts), step):
        part = order[start:start + step]
        out[part] = embedder.encode_passages([texts[i] for i in part], batch_size=ENCODE_BATCH)
        if bar is not None:
            bar.update(len(part))
    return out


def _write_documents(generation: Path, documents: Iterable[Document], corpus: Path | None, embedder,
                     with_sentences: bool, vocab: Vocabulary, bar=None) -> list[dict[str, Any]]:
    """Parse, embed and write documents a chunk at a time; their records, in order."""
    records: list[dict[str, Any]] = []
    chunk: list[Prepared] = []
    passages = 0

    def flush() -> None:
        nonlocal chunk, passages
        if chunk:
            _embed_chunk(embedder, chunk, generation, with_sentences, bar, vocab.ids)
            chunk, passages = [], 0

    for document in documents:
        prepared = prepare(document)
        records.append(_record(prepared, corpus))
        chunk.append(prepared)
        count = len(prepared.clauses) + (len(prepared.sentences) if with_sentences else 0)
        passages += count
        if bar is not None:  # the total known so far (a build streams: it grows chunk by chunk)
            bar.total = (bar.total or 0) + count
        if passages >= CHUNK_PASSAGES:
            flush()
    flush()
    return records


def _link(source: Path, target: Path) -> None:
    """Reuse a file of the current generation: a hard link (files are never changed once written), a copy
    where the file system has no links."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _link_documents(old: Path, new: Path, records: list[dict[str, Any]]) -> None:
    for record in records:
        source, target = old / "docs" / record["id"], new / "docs" / record["id"]
        target.mkdir()
        for path in source.iterdir():
            _link(path, target / path.name)


def _commit(folder: Path, generation: Path, records: list[dict[str, Any]], base: dict[str, Any],
            started: float, vocab: Vocabulary, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """Finish a generation (vocabulary, BM25, documents.json, checksums) and make it current atomically.
    `previous`: the manifest of the generation it was made from (its files' checksums are reused for the
    files linked from it)."""
    vocab.write(generation, folder / previous["generation"] if previous else None)
    _write_bm25(generation, records, list(vocab.ids))
    (generation / "documents.json").write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    manifest = {
        **base, "format_version": FORMAT_VERSION, "generation": generation.name,
        "documents": {Path(r["file"]).name: r["sha256"] for r in records},
        "counts": {"documents": len(records), "clauses": sum(r["clauses"] for r in records),
                   "sentences": sum(r["sentences"] for r in records)},
        "build_seconds": round(time.perf_counter() - started, 2),
        "files": _checksums(generation, folder / previous["generation"] if previous else None,
                            previous["files"] if previous else {}),
    }
    _write_json_atomic(folder / MANIFEST, manifest)
    _remove_old_generations(folder, keep={generation.name, base.get("generation")})
    return manifest


@contextmanager
def _generation(folder: Path) -> Iterator[Path]:
    """A new generation folder, removed again if anything fails before it is committed."""
    generation = _new_generation(folder)
    try:
        yield generation
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise


def build_index(corpus: Path, folder: Path, embedder, progress: bool = True,
                sentence_vectors: str = "auto") -> Index:
    """Read, parse, embed and store the corpus as a new index generation; return the loaded index.

    Streams: documents are read, parsed, tokenised and embedded CHUNK_PASSAGES at a time and written out,
    so memory holds one chunk (and the model), not the corpus. A bad file raises DocumentError naming it
    and leaves the previous index in place.

    `sentence_vectors`: "on", "off" or "auto" (on up to SENTENCE_VECTOR_LIMIT sentences). Sentence vectors
    make the dense channel find the one answering sentence of a long clause; on a large collection
    (60,000 articles, 190,000 sentences) they would triple the build time, and sentences are then ranked
    by BM25 and the clause vector alone."""
    from tqdm import tqdm

    files = corpus_files(corpus)
    with_sentences = sentence_vectors == "on" or (
        sentence_vectors == "auto" and _count_sentences_upto(files, SENTENCE_VECTOR_LIMIT) <= SENTENCE_VECTOR_LIMIT)
    started = time.perf_counter()
    notes: list[str] = []
    with writing(folder), _generation(folder) as generation:
        with tqdm(desc="向量化", unit="段", disable=not progress, leave=False) as bar:
            vocab = Vocabulary()
            records = _write_documents(generation, _unique_documents(files, notes), corpus, embedder,
                                       with_sentences, vocab, bar)
        base = {"model": embedder.name, "model_fingerprint": embedder.fingerprint, "dimension": embedder.dim,
                "corpus": str(corpus.resolve()), "sentence_vectors": with_sentences,
                "generation": _current_generation(folder)}
        _commit(folder, generation, records, base, started, vocab)
    index = load_index(folder)
    index.notes = notes
    return index


def _current_generation(folder: Path) -> str | None:
    try:
        return read_manifest(folder)["generation"]
    except (IndexUnusable, KeyError):
        return None


def add_documents(folder: Path, documents: list[Document], embedder, corpus: Path | None = None,
                  replace: Iterable[str] = (), progress: Progress | None = None) -> dict[str, Any]:
    """A new generation with `documents` added (only they are embedded) and the documents with the ids in
    `replace` left out; the other documents' folders are reused. Returns the new manifest. The caller
    holds `writing(folder)` and has checked that the documents are new (see qa.library). `progress` is told
    each batch embedded; when it cancels, the new generation is removed and the current one stays."""
    manifest = read_manifest(folder)
    _check_model(manifest, embedder)
    started = time.perf_counter()
    drop = set(replace)
    old = folder / manifest["generation"]
    kept = [r for r in read_records(folder, manifest) if r["id"] not in drop]
    with _generation(folder) as generation:
        _link_documents(old, generation, kept)
        vocab = Vocabulary.read(old)
        records = _write_documents(generation, documents, corpus, embedder, manifest["sentence_vectors"], vocab,
                                   progress.bar("向量化") if progress else None)
        if progress is not None:
            progress.check()  # the last chance to cancel: committing is quick and cannot be undone
        return _commit(folder, generation, kept + records, _base(manifest), started, vocab, manifest)


def remove_documents(folder: Path, ids: Iterable[str]) -> dict[str, Any]:
    """A new generation without the documents with these ids; nothing is embedded. The caller holds
    `writing(folder)`."""
    manifest = read_manifest(folder)
    started = time.perf_counter()
    drop = set(ids)
    kept = [r for r in read_records(folder, manifest) if r["id"] not in drop]
    if not kept:
        raise IndexUnusable("不能移除全部文件：索引中至少要保留一个文件")
    with _generation(folder) as generation:
        old = folder / manifest["generation"]
        _link_documents(old, generation, kept)
        return _commit(folder, generation, kept, _base(manifest), started, Vocabulary.read(old), manifest)


def _base(manifest: dict[str, Any]) -> dict[str, Any]:
    keys = ("model", "model_fingerprint", "dimension", "corpus", "sentence_vectors", "generation")
    return {k: manifest[k] for k in keys if k in manifest}


def _check_model(manifest: dict[str, Any], embedder) -> None:
    if manifest.get("model_fingerprint") != embedder.fingerprint:
        raise IndexUnusable(f"索引由模型「{manifest.get('model')}」建立，当前模型为「{embedder.name}」："
                            "请先用 `qa build` 重建索引")


def _checksums(folder: Path, previous: Path | None = None, known: dict[str, str] | None = None) -> dict[str, str]:
    """sha256 of every file; a file that is a link to the same file of the previous generation keeps the
    digest recorded there (only new files are read)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(folder).as_posix()
        same = previous is not None and name in (known or {}) and (previous / name).exists() \
            and os.path.samefile(path, previous / name)
        out[name] = known[name] if same else _sha256(path)
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _remove_old_generations(folder: Path, keep: set[str | None]) -> None:
    for old in folder.glob("gen-*"):
        if old.name not in keep:
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


def read_records(folder: Path, manifest: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The documents of the current generation (documents.json), in index order."""
    manifest = manifest or read_manifest(folder)
    path = folder / manifest["generation"] / "documents.json"
    if not path.is_file():
        raise IndexUnusable(f"索引文件缺失：{path}")
    return json.loads(path.read_text(encoding="utf-8"))


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
    records = read_records(folder, manifest)
    clauses: list[Clause] = []
    clause_vectors = faiss.IndexFlatIP(manifest["dimension"])
    sentence_vectors = faiss.IndexFlatIP(manifest["dimension"]) if manifest["sentence_vectors"] else None
    for record in records:
        docs = generation / "docs" / record["id"]
        clauses.extend(Clause.from_dict(d) for d in json.loads((docs / "clauses.json").read_text("utf-8")))
        clause_vectors.add(np.load(docs / "clauses.npy"))
        if sentence_vectors is not None:
            sentence_vectors.add(np.load(docs / "sentences.npy"))
    return Index(
        folder=folder, manifest=manifest, clauses=clauses, sentence_refs=sentence_refs(clauses),
        clause_vectors=clause_vectors, sentence_vectors=sentence_vectors,
        bm25_clauses=bm25s.BM25.load(str(generation / "bm25-clauses"), show_progress=False, verbosity=0),
        bm25_sentences=bm25s.BM25.load(str(generation / "bm25-sentences"), show_progress=False, verbosity=0),
        documents=records,
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


__all__ = ["Index", "IndexUnusable", "DocumentError", "add_documents", "build_index", "load_index", "open_index",
           "remove_documents", "tokenize", "writing"]
