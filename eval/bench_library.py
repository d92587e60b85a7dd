"""Memory and time of index builds and library changes (not a test): run by hand, figures in RESULTS.md.

    .venv/bin/python eval/bench_library.py build --corpus DIR --index DIR [--stub-vectors]
    .venv/bin/python eval/bench_library.py add FILE --corpus DIR --index DIR
    .venv/bin/python eval/bench_library.py remove NAME --corpus DIR --index DIR

Each command is one process and prints one JSON line: wall seconds, CPU seconds (user + system, all threads),
peak RSS (ru_maxrss, the whole process: model included) and the index counts. The model is always loaded (its memory counts). `--stub-vectors`
replaces only the embedding step with deterministic pseudo-random unit vectors: everything else (reading,
parsing, tokenising, BM25, writing, loading) is the real code. It measures the pipeline's memory and the
cost outside the model on a shared CPU where embedding 72,000 articles would take hours; it also builds a
full-size index cheaply for timing `add` and `remove`, whose own embedding is real. The same command runs
an older checkout (PYTHONPATH=that checkout) for a before/after at equal size.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import zlib
from pathlib import Path

import numpy as np


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def cpu_seconds() -> float:
    """User + system CPU time of this process (all threads): on a shared machine a steadier measure of the
    work than wall time."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class StubVectors:
    """The real embedder (name, fingerprint, dimension, memory) with the embedding step replaced."""

    def __init__(self, inner):
        self.inner = inner
        self.name, self.fingerprint, self.dim = inner.name, inner.fingerprint, inner.dim

    def encode_queries(self, texts):
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts, progress=False, batch_size=16):
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = np.random.default_rng(zlib.crc32(text.encode("utf-8"))).standard_normal(self.dim)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=("build", "add", "remove"))
    parser.add_argument("target", nargs="?", help="add: the file; remove: title or file name")
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--stub-vectors", action="store_true")
    args = parser.parse_args()

    import qa
    from qa.model import load_embedder

    embedder = load_embedder()
    if args.stub_vectors:
        embedder = StubVectors(embedder)
    loaded = peak_mb()
    started, cpu = time.perf_counter(), cpu_seconds()
    if args.command == "build":
        from qa.index import build_index

        index = build_index(args.corpus, args.index, embedder, progress=False)
        counts = index.manifest["counts"]
    elif args.command == "add":
        from qa.library import add, read_files

        result = add(read_files([Path(args.target)]), args.corpus, args.index, embedder)
        counts = {"added": [(e.title, e.clauses, e.sentences) for e in result.entries]}
    else:
        from qa.library import remove

        entry = remove(args.target, args.corpus, args.index)
        counts = {"removed": (entry.title, entry.clauses)}
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    print(json.dumps({"command": args.command, "code": str(Path(qa.__file__).parent.parent),
                      "stub_vectors": args.stub_vectors, "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1),
                      "peak_rss_mb": peak_mb(), "rss_after_model_load_mb": loaded, "counts": counts},
                     ensure_ascii=False), flush=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
