"""Grid-search the fusion weights of qa/search.py on the *tune* split only.

    .venv/bin/python eval/tune_fusion.py [eval/questions.jsonl]

Each question's channel scores are computed once; every weight setting then re-fuses them, so the grid
costs seconds. The objective is clause top-1 plus answer-sentence hit@1 (hybrid mode, k = 10). The weights
it prints were copied into qa/search.py (WEIGHTS, RRF_K); the test split is never looked at here.
"""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

from qa import search
from qa.answer import Assistant
from qa.evaluation import load_questions, score_question

GRID = [0.0, 0.5, 1.0, 2.0]
SETTINGS = [("rrf", 5), ("rrf", 20), ("rrf", 60), ("zscore", 0)]


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "questions.jsonl")
    questions = [q for q in load_questions(path) if q.split == "tune" and q.in_scope]
    assistant = Assistant(progress=False)
    encode, cache = assistant.embedder.encode_queries, {}

    def cached(texts: list[str]):  # one query embedding per question for the whole grid
        key = tuple(texts)
        if key not in cache:
            cache[key] = encode(texts)
        return cache[key]

    assistant.embedder.encode_queries = cached
    best = None
    for weights in itertools.product(GRID, repeat=4):
        if not any(weights):
            continue
        for fusion, rrf_k in SETTINGS:
            search.WEIGHTS.update(zip(("dense_clause", "dense_sentence", "bm25_clause", "bm25_sentence"), weights))
            search.FUSION, search.RRF_K = fusion, rrf_k
            total = 0.0
            for q in questions:
                values = score_question(q, assistant.ask(q.question, k=10).to_dict())
                total += values["top1"] + values["ans@1"]
            if best is None or total > best[0]:
                best = (total, weights, fusion, rrf_k)
                print(f"{total / len(questions):.3f}  weights={weights}  {fusion} RRF_K={rrf_k}", flush=True)
    print("best:", best)


if __name__ == "__main__":
    main()
