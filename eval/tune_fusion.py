"""Grid-search the fusion weights of qa/search.py on the tuning splits only (tune and dev, never test), and
estimate by cross-validation what the search itself is worth.

    .venv/bin/python eval/tune_fusion.py [eval/questions.jsonl] [--splits tune,dev] [--folds 5]

Each question's channel scores are computed once; every setting then re-fuses them. The objective is clause
top-1 plus answer-sentence hit@1 (hybrid mode, k = 10). Printed: the best setting on all tuning questions
(copied into qa/search.py: WEIGHTS, FUSION, RRF_K), and a k-fold estimate — the setting chosen on k-1 folds,
scored on the fold left out — beside fixed settings scored the same way, so a gain that is only fitting
shows up as a gap between the two.
"""
from __future__ import annotations

import argparse
import itertools
import random
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa import search
from qa.answer import Assistant
from qa.evaluation import load_questions, score_question

GRID = [0.0, 0.25, 0.5, 1.0, 2.0]
SETTINGS = [("rrf", 5), ("rrf", 20), ("rrf", 60), ("zscore", 0)]
CHANNELS = ("dense_clause", "dense_sentence", "bm25_clause", "bm25_sentence")
FIXED = {"equal": (1.0, 1.0, 1.0, 1.0), "lexical only": (0.0, 0.0, 1.0, 1.0), "dense only": (1.0, 1.0, 0.0, 0.0)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", nargs="?", type=Path, default=Path(__file__).parent / "questions.jsonl")
    parser.add_argument("--splits", default="tune,dev")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    splits = set(args.splits.split(","))
    if "test" in splits:
        parser.error("the test split is never used for tuning")
    questions = [q for q in load_questions(args.file) if q.split in splits and q.in_scope]
    assistant = Assistant(progress=False)
    searcher = assistant.searcher
    searcher._channel_scores = lru_cache(maxsize=None)(searcher._channel_scores)  # fusion is all that varies

    settings = [(w, f, k) for w in itertools.product(GRID, repeat=len(CHANNELS)) if any(w) for f, k in SETTINGS]
    settings += [(w, "zscore", 0) for w in FIXED.values()]
    scores = np.array([_per_question(assistant, questions, s) for s in settings])  # settings x questions
    best = int(scores.sum(axis=1).argmax())
    print(f"best over {len(questions)} questions of {sorted(splits)}: weights={settings[best][0]} "
          f"{settings[best][1]} RRF_K={settings[best][2]}  objective {scores[best].mean():.3f}")

    order = list(range(len(questions)))
    random.Random(0).shuffle(order)
    folds = [order[i::args.folds] for i in range(args.folds)]
    tuned = []
    for held in folds:
        rest = [i for i in order if i not in set(held)]
        chosen = int(scores[:, rest].sum(axis=1).argmax())
        tuned += list(scores[chosen, held])
    print(f"{args.folds}-fold estimate of the tuned search: {np.mean(tuned):.3f}")
    for name, weights in FIXED.items():
        print(f"  fixed {name} {weights}: {scores[settings.index((weights, 'zscore', 0))].mean():.3f}")


def _per_question(assistant: Assistant, questions: list, setting: tuple) -> list[float]:
    weights, fusion, rrf_k = setting
    search.WEIGHTS.update(zip(CHANNELS, weights))
    search.FUSION, search.RRF_K = fusion, rrf_k
    values = [score_question(q, assistant.ask(q.question, k=10).to_dict()) for q in questions]
    return [v["top1"] + v["ans@1"] for v in values]


if __name__ == "__main__":
    main()
