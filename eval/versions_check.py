"""The version example of issue 10 over a whole collection, lexical channels only (no embedding: the dense
index of all of shared/laws takes ~13 minutes to build, see RESULTS.md).

    PYTHONPATH=. .venv/bin/python eval/versions_check.py [../shared/laws]

Builds an index whose vectors are zeros (a stand-in embedder; `--mode bm25` never reads them), then asks the
version questions through the same Assistant as `qa ask --mode bm25` and prints the first cited clause.
"""
from __future__ import annotations

import hashlib
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qa.answer import Assistant  # noqa: E402
from qa.index import build_index  # noqa: E402

QUESTIONS = [("职业教育法什么时候开始施行？", False), ("1996年的职业教育法什么时候开始施行？", False),
             ("职业教育法什么时候开始施行？", True)]


class ZeroEmbedder:
    """Stands in for the model where only the lexical channels are used."""

    name = "zero-vectors"
    dim = 384
    fingerprint = hashlib.sha256(b"zero-vectors").hexdigest()

    def encode_passages(self, texts, batch_size=32):
        return np.zeros((len(texts), self.dim), dtype=np.float32)

    def encode_queries(self, texts):
        return np.zeros((len(texts), self.dim), dtype=np.float32)


def main() -> int:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "laws"
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        build_index(corpus, Path(tmp), ZeroEmbedder(), progress=False, sentence_vectors="off")
        assistant = Assistant(Path(tmp), corpus, embedder=ZeroEmbedder(), mode="bm25", rebuild=False,
                              progress=False)
        print(f"{len(assistant.versions)} documents, {len(assistant.index.clauses)} clauses, "
              f"{len(assistant.old)} superseded versions; built in {time.perf_counter() - started:.0f} s")
        for question, every in QUESTIONS:
            answer = assistant.ask(question, k=5, all_versions=every)
            flag = " (--all-versions)" if every else ""
            print(f"{question}{flag}\n  1. {answer.results[0].clause.citation}\n     "
                  f"{answer.results[0].highlight[0] if answer.results[0].highlight else ''}")
            print("  versions in the top 5:", sorted({r.clause.document_name for r in answer.results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
