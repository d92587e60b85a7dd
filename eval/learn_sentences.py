"""Fit the sentence model (qa/highlight.py, qa/data/sentences.json) on the fitting questions' answering
substrings and estimate by 5-fold cross-validation how often it picks the answering sentence, beside the
former score (0.5 × dense + 0.5 × BM25).

    .venv/bin/python eval/learn_sentences.py [FILE ...] [--splits tune,dev,test,fit] [--write]

FILE defaults to eval/questions.jsonl and eval/fit/questions.jsonl. One item per in-scope question with keys:
the sentences of its (first) gold clause, searched as Assistant.ask searches (the question cleaned, without
the words naming a document); the gold sentences are those containing a key. Items where no sentence or
every sentence contains a key teach nothing and are left out. The training questions are not used: the
fine-tuned model was trained on their answer windows, so their dense scores flatter the answering sentence.
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np
from learn_ranking import fit  # the same conditional logit as the re-ranking fit

from qa import highlight
from qa.answer import Assistant, clean_question
from qa.evaluation import OUTLINE, Question, add_fitting_arguments, fitting_questions
from qa.search import content_terms

REPO = Path(__file__).resolve().parent.parent
PENALTIES = (0.01, 0.1, 1.0)


def item(assistant: Assistant, q: Question) -> tuple[np.ndarray, np.ndarray] | None:
    text = assistant.topic_of(clean_question(q.question)[0])
    position = {(c.doc, c.label or c.title): i for i, c in enumerate(assistant.index.clauses)}
    clause = position.get((q.doc, q.gold[0]))
    if clause is None:
        return None
    searcher = assistant.searcher
    _, _, _, (dense, bm25) = searcher.fused(text, 10)
    positions = range(searcher._sentence_start[clause], searcher._sentence_start[clause + 1])
    texts = [assistant.index.sentence_text(assistant.index.sentence_refs[p]) for p in positions]
    gold = np.array([any(k in t for k in q.keys) for t in texts])
    if gold.all() or not gold.any():
        return None
    x = highlight.sentence_features(text, content_terms(text), texts, [dense.get(p, 0.0) for p in positions],
                                    [bm25.get(p, 0.0) for p in positions], max(bm25.values(), default=0.0) or 1.0)
    return x, gold


def right(items: list[tuple[np.ndarray, np.ndarray]], w: np.ndarray) -> float:
    return float(np.mean([gold[int(np.argmax(x @ w))] for x, gold in items]))


def main() -> None:
    parser = argparse.ArgumentParser()
    add_fitting_arguments(parser)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    splits = set(args.splits.split(","))
    assistant = Assistant(progress=False)
    questions = [q for q in fitting_questions(parser, args) if q.in_scope and q.keys and q.gold and q.gold != [OUTLINE]]
    items = [x for x in (item(assistant, q) for q in questions) if x is not None]
    print(f"{len(questions)} questions with keys; {len(items)} items (clauses with answering and other sentences)")
    order = list(range(len(items)))
    random.Random(0).shuffle(order)
    folds = [[items[i] for i in order[f::5]] for f in range(5)]
    baseline = highlight.baseline_weights()
    print(f"former score (0.5 dense + 0.5 BM25): answering sentence first {right(items, baseline):.3f}")
    best = None
    for penalty in PENALTIES:
        cv = [right(held, fit([x for g in folds if g is not held for x in g], penalty)) for held in folds]
        base = [right(held, baseline) for held in folds]
        print(f"L2 {penalty}: cross-validated answering sentence first {np.mean(cv):.3f} "
              f"(former {np.mean(base):.3f}; per fold {' '.join(f'{v:.3f}' for v in cv)})")
        if best is None or np.mean(cv) > best[0]:
            best = (float(np.mean(cv)), penalty)
    w = fit(items, best[1])
    weights = {name: round(float(v), 4) for name, v in zip(highlight.FEATURES, w)}
    print(f"weights fitted on all (L2 {best[1]}): {weights}")
    if args.write:
        path = REPO / "qa" / "data" / "sentences.json"
        record = {"penalty": best[1], "splits": sorted(splits), "items": len(items),
                  "cross_validated": round(best[0], 4), "former": round(right(items, baseline), 4), "weights": weights}
        path.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"written to {path}")


if __name__ == "__main__":
    main()
