"""Fit the re-ranking weights of qa/ranking.py on the fitting splits, and estimate by 5-fold cross-validation
what the re-ranking is worth against the plain fusion and BM25-only.

    .venv/bin/python eval/learn_ranking.py [FILE ...] [--splits tune,dev,test,fit] [--folds 5] [--write]

FILE defaults to eval/questions.jsonl and eval/fit/questions.jsonl (the fitting set: questions the fine-tuned
model never saw, so its dense scores are those of a user's question, not of a training question).

Model: a conditional logit over each question's candidates (the RERANK_DEPTH best fused clauses): the
probability of a clause is softmax(w · features) among them, and w maximises the log-probability of the gold
clauses minus an L2 penalty (scipy L-BFGS). Questions answered from the parsed structure (clause lookup,
duties) and questions whose gold is not among the candidates do not enter the fit.

Cross-validation: the questions are shuffled (seed 0) and cut into folds; for each fold the weights are fitted
on the other folds and the fold's questions are run through the whole answer layer (`Assistant.ask`, k = 10)
with them. Printed per fold and averaged over folds: top1, ans@1, mrr@10, colloquial top1, beside the plain
fusion (mode "fusion") and BM25-only on the same questions. `--write` stores the weights fitted on all the
questions in qa/data/ranking.json, scaled so the channel weights sum as search.WEIGHTS do (the answer layer's
score ratios keep their meaning).
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from qa import ranking, search
from qa.answer import Assistant, clean_question
from qa.evaluation import Question, add_fitting_arguments, fitting_questions, score_question

REPO = Path(__file__).resolve().parent.parent
SHIPPED = ranking.weights  # the weights in qa/data/ranking.json (the cross-validation below swaps the function)


def single_threaded(assistant: Assistant) -> Assistant:
    """One torch thread: on a busy shared machine two spinning threads per query cost seconds, not ms."""
    import torch

    torch.set_num_threads(1)
    return assistant
PENALTIES = (0.1, 0.3, 1.0, 3.0, 10.0)  # L2 penalty: the one with the best cross-validated candidate top1
METRICS = ("top1", "ans@1", "mrr@10")


def candidates(assistant: Assistant, q: Question) -> tuple[np.ndarray, np.ndarray] | None:
    """The question's candidate features and gold mask, as the answer layer would search; None when the
    question does not go through search or its gold is not among the candidates."""
    text, _ = clean_question(q.question)
    docs, versions = assistant._scope(text, None, False, [])
    clauses = [c for c in assistant.index.clauses if docs is None or c.doc in docs]
    if assistant.intent_of(text, clauses).kind in ("clause", "duties"):
        return None
    query = assistant.topic_of(text)  # as Assistant.ask searches: without the words naming a document
    order, _, channels, _ = assistant.searcher.fused(query, 10, docs, versions)
    head = order[:ranking.RERANK_DEPTH]
    gold = np.array([(assistant.index.clauses[c].doc, assistant.index.clauses[c].label or assistant.index.clauses[c].title)
                     in {(q.doc, g) for g in q.gold} for c in head])
    if not gold.any():
        return None
    return assistant.searcher.rank_matrix(query, head, channels), gold


def fit(data: list[tuple[np.ndarray, np.ndarray]], penalty: float) -> np.ndarray:
    """A conditional logit: per item (candidates x features, gold mask), softmax(x @ w) over its candidates;
    w maximises the log-probability of the gold ones minus penalty/2 · |w|² (also eval/learn_sentences.py)."""
    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = penalty * w @ w / 2, penalty * w
        for x, gold in data:
            s = x @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            pg = p * gold / (p * gold).sum()
            total -= np.log((p * gold).sum())
            grad = grad - (pg - p) @ x
        return total, grad

    start = np.zeros(data[0][0].shape[1])
    return minimize(loss, start, jac=True, method="L-BFGS-B").x


# Features the fitting questions cannot teach: the bundled corpus has no document of a named place, so the
# place preference (a question naming 上海 prefers Shanghai's document) keeps the weights it has now.
KEPT = ("place", "other_place")


def scaled(w: np.ndarray) -> np.ndarray:
    """Channel weights summing as search.WEIGHTS do; the KEPT features at their shipped weights."""
    channels = w[:len(ranking.CHANNELS)].sum()
    w = w * (sum(search.WEIGHTS.values()) / channels) if channels > 0 else w
    shipped = SHIPPED()
    return np.array([shipped[i] if name in KEPT else v for i, (name, v) in enumerate(zip(ranking.FEATURES, w))])


def run(assistant: Assistant, questions: list[Question]) -> list[dict[str, float]]:
    return [score_question(q, assistant.ask(q.question, k=10).to_dict()) for q in questions]


def summary(rows: list[dict[str, float]], questions: list[Question]) -> dict[str, float]:
    out = {m: float(np.mean([r[m] for r in rows])) for m in METRICS}
    colloquial = [r["top1"] for r, q in zip(rows, questions) if q.colloquial]
    out["colloquial top1"] = float(np.mean(colloquial)) if colloquial else float("nan")
    return out


def cache_queries(assistant: Assistant) -> None:
    """Encode each question once: the runs below differ only in ranking."""
    encode, seen = assistant.embedder.encode_queries, {}

    def cached(texts: list[str]):
        key = tuple(texts)
        if key not in seen:
            seen[key] = encode(texts)
        return seen[key]

    assistant.embedder.encode_queries = cached


def main() -> None:
    parser = argparse.ArgumentParser()
    add_fitting_arguments(parser)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    splits = set(args.splits.split(","))
    fitting = fitting_questions(parser, args)
    assistant = single_threaded(Assistant(progress=False))
    indexed = {c.doc for c in assistant.index.clauses}  # a training file also has questions on other laws
    questions = [q for q in fitting if q.in_scope and q.doc in indexed]
    cache_queries(assistant)
    data = {q.id: candidates(assistant, q) for q in questions}
    print(f"{len(questions)} in-scope questions of {sorted(splits)}; "
          f"{sum(v is not None for v in data.values())} enter the fit")

    order = list(range(len(questions)))
    random.Random(0).shuffle(order)
    folds = [[questions[i] for i in order[f::args.folds]] for f in range(args.folds)]
    baselines = {}
    for mode in ("hybrid", "fusion", "bm25"):  # hybrid: re-ranked with the weights shipped now
        assistant.searcher = search.Searcher(assistant.index, assistant.embedder, mode=mode)
        baselines["shipped weights" if mode == "hybrid" else mode] = [summary(run(assistant, fold), fold)
                                                                       for fold in folds]
    assistant.searcher = search.Searcher(assistant.index, assistant.embedder, mode="hybrid")

    # The penalty is chosen on the candidate lists alone (cheap): share of held-out questions whose gold leads.
    best = None
    for penalty in PENALTIES:
        hits = []
        for held in folds:
            held_ids = {q.id for q in held}
            w = fit([v for k, v in data.items() if v is not None and k not in held_ids], penalty)
            hits += [float(gold[int(np.argmax(x @ w))]) for k, (x, gold) in
                     ((k, v) for k, v in data.items() if v is not None and k in held_ids)]
        print(f"L2 {penalty}: held-out candidate top1 {np.mean(hits):.3f} (questions that enter the fit)")
        if best is None or np.mean(hits) > best[0]:
            best = (np.mean(hits), penalty)
    per_fold = []
    for held in folds:
        held_ids = {q.id for q in held}
        w = scaled(fit([v for k, v in data.items() if v is not None and k not in held_ids], best[1]))
        ranking.weights = lambda w=w: w  # the searcher reads the weights through this function
        per_fold.append(summary(run(assistant, held), held))
    report(f"re-ranked, L2 {best[1]}", per_fold)
    for mode, per_fold in baselines.items():
        report(f"{mode}", per_fold)

    w = scaled(fit([v for v in data.values() if v is not None], best[1]))
    weights = {name: round(float(v), 4) for name, v in zip(ranking.FEATURES, w)}
    print(f"weights fitted on all (L2 {best[1]}): {weights}")
    if args.write:
        path = REPO / "qa" / "data" / "ranking.json"
        path.write_text(json.dumps({"penalty": best[1], "splits": sorted(splits), "weights": weights},
                                   ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"written to {path}")


def report(name: str, per_fold: list[dict[str, float]]) -> None:
    keys = list(per_fold[0])
    folds = "  ".join("/".join(f"{f[k]:.3f}" for k in keys[:2]) for f in per_fold)
    means = "  ".join(f"{k} {np.nanmean([f[k] for f in per_fold]):.3f}" for k in keys)
    print(f"{name:24s} fold-averaged: {means}   per fold top1/ans@1: {folds}")


if __name__ == "__main__":
    main()
