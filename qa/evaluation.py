"""`qa eval`: retrieval quality on a question set, side by side for BM25-only, dense-only and the pipeline.

Question file (JSON lines, see eval/questions.jsonl): id, question, doc (document title), type, user,
colloquial, gold (clause labels; a preamble is "前言"), keys (substrings the answering sentence contains),
departments (exact list, who-questions), split ("tune", "dev", "test", "test3" or "test4"). Out-of-scope questions have type
"out_of_scope" and no gold: the right answer is to decline. Overview questions ("方案分为哪几个部分") whose
answer is the document's outline have the gold ["OUTLINE"]: every clause metric counts them as a hit when the
direct answer is the outline (type "outline"), a miss otherwise.

Metrics, per question type and overall:
  top1 / top3      the first / any of the first three results is a gold clause of the gold document
  mrr@10           mean reciprocal rank of the first gold clause within ten results
  ans@1            a key is inside the first highlighted sentence of the first result
  dept             who-questions: the answer's department list equals the gold list exactly
  oos_declined     out-of-scope questions the answer declined
  wrongly_declined in-scope questions the answer declined
"""
from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .answer import COVERAGE_MIN, Assistant, declines
from .paths import REPO
from .search import MODES, Searcher


@dataclass
class Question:
    id: str
    question: str
    doc: str | None
    type: str
    gold: list[str]
    keys: list[str]
    split: str
    departments: list[str] | None = None
    colloquial: bool = False
    user: str = ""

    @property
    def in_scope(self) -> bool:
        return self.type != "out_of_scope"


def load_questions(path: Path) -> list[Question]:
    """An evaluation file, or a training file (qa/training.py's format: its questions get the split "train")."""
    fields = Question.__dataclass_fields__
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [Question(**{k: v for k, v in _as_eval_row(row, n).items() if k in fields}) for n, row in enumerate(rows, 1)]


# training kinds -> evaluation types (clause lookups and content questions are both scored as "fact")
TRAINING_TYPES = {"clause": "fact", "general": "fact"}


def _as_eval_row(row: dict[str, Any], line: int) -> dict[str, Any]:
    if "type" in row or "kind" not in row:
        return row
    return {"id": f"train-{line}", **row, "type": TRAINING_TYPES.get(row["kind"], row["kind"]),
            "keys": [row["answer"]] if row.get("answer") else [], "split": row.get("split", "train"),
            "colloquial": row.get("style") == "colloquial"}


def clause_key(result: dict[str, Any]) -> tuple[str, str]:
    return result["doc"], result["label"] or result["title"]


def score_question(q: Question, answer: dict[str, Any]) -> dict[str, float]:
    """Per-question metric values; absent keys do not apply to this question."""
    declined = answer.get("answer", {}).get("type") == "none"
    if not q.in_scope:
        return {"oos_declined": float(declined)}
    if q.gold == [OUTLINE]:
        hit = float(answer.get("answer", {}).get("type") == "outline")
        return {"top1": hit, "top3": hit, "mrr@10": hit, "ans@1": hit, "wrongly_declined": float(declined)}
    gold = {(q.doc, label) for label in q.gold}
    ranks = [i for i, r in enumerate(answer["results"][:10], start=1) if clause_key(r) in gold]
    first = answer["results"][0] if answer["results"] else None
    highlight = first["highlight"][0] if first and first["highlight"] else ""
    out = {
        "top1": float(bool(ranks) and ranks[0] == 1),
        "top3": float(bool(ranks) and ranks[0] <= 3),
        "mrr@10": 1.0 / ranks[0] if ranks else 0.0,
        "ans@1": float(bool(ranks) and ranks[0] == 1 and any(k in highlight for k in q.keys)),
        "wrongly_declined": float(declined),
    }
    if q.departments is not None:
        out["dept"] = float(answer_departments(answer) == q.departments)
    return out


def answer_departments(answer: dict[str, Any]) -> list[str] | None:
    """The department list the answer gives: the direct answer's, else the first result's."""
    direct = answer.get("answer") or {}
    clauses = direct.get("clauses") or []
    if direct.get("type") == "units" and clauses:
        return clauses[0].get("departments")
    return answer["results"][0]["departments"] if answer["results"] else None


# test3 (issue 12) and test4 (issue 16): held out; tune, dev and test (held out until issue 12 quoted its
# misses): fitting data
SPLITS = ("tune", "dev", "test", "test3", "test4")
HELD_OUT = ("test3", "test4")  # never trained or tuned on
FITTING = ("tune", "dev", "test")
OUTLINE = "OUTLINE"  # the gold of an overview question answered by the document's outline
# The fitting questions the fits of eval/ (learn_ranking, learn_decline, learn_sentences) read by default.
FITTING_FILES = (REPO / "eval" / "questions.jsonl", REPO / "eval" / "fit" / "questions.jsonl")
FITTING_SPLITS = "tune,dev,test,fit"


def add_fitting_arguments(parser: argparse.ArgumentParser) -> None:
    """The question files and splits a fit reads (FILE ... --splits)."""
    parser.add_argument("files", nargs="*", type=Path, default=list(FITTING_FILES))
    parser.add_argument("--splits", default=FITTING_SPLITS)


def fitting_questions(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[Question]:
    """The questions of `args.files` in `args.splits`; a held-out split is refused (parser.error)."""
    splits = set(args.splits.split(","))
    if splits & set(HELD_OUT):
        parser.error("test3 and test4 are held out: never used for fitting")
    return [q for path in args.files for q in load_questions(path) if q.split in splits]


METRICS = ["top1", "top3", "mrr@10", "ans@1", "dept", "oos_declined", "wrongly_declined"]


def aggregate(rows: list[tuple[Question, dict[str, float]]]) -> dict[str, dict[str, tuple[float, int]]]:
    """group -> metric -> (mean, count); groups are question types, 'colloquial' and 'overall'."""
    sums: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for q, values in rows:
        groups = [q.type, "overall"] + (["colloquial"] if q.colloquial and q.in_scope else [])
        for group in groups:
            for name, value in values.items():
                sums[group][name].append(value)
    return {g: {m: (sum(v) / len(v), len(v)) for m, v in ms.items()} for g, ms in sums.items()}


def evaluate(assistant: Assistant, questions: list[Question], modes: tuple[str, ...] = MODES,
             k: int = 10) -> dict[str, Any]:
    """Run every question through every mode on the same index; return the aggregated table."""
    report: dict[str, Any] = {"questions": len(questions), "modes": {}}
    base_searcher = assistant.searcher
    try:
        for mode in modes:
            assistant.searcher = Searcher(assistant.index, assistant.embedder, mode=mode)
            started = time.perf_counter()
            rows = [(q, score_question(q, assistant.ask(q.question, k=k).to_dict())) for q in questions]
            elapsed = time.perf_counter() - started
            report["modes"][mode] = {"table": aggregate(rows), "seconds": round(elapsed, 2),
                                     "failures": [q.id for q, v in rows if v.get("top1") == 0.0]}
    finally:
        assistant.searcher = base_searcher
    return report


DECLINE_FEATURES = ("coverage", "dense_max", "dense_z", "bm25_max", "unmatched_idf",  # Searcher.signals
                    "out_of_scope")  # the question classifier's probability (qa/classifier.py), when it is used
# The feature sets compared by cross-validation (eval/learn_decline.py); the best one is shipped, one with
# the classifier and one without (for a model the classifier was not fitted on).
DECLINE_SETS = (("coverage",), ("coverage", "unmatched_idf"), ("coverage", "dense_max", "dense_z"),
                ("coverage", "bm25_max", "unmatched_idf"), DECLINE_FEATURES[:5])
CLASSIFIER_DECLINE_SETS = (("out_of_scope",), ("out_of_scope", "coverage"),
                           ("out_of_scope", "coverage", "unmatched_idf"),
                           ("out_of_scope", "coverage", "dense_max", "dense_z"),
                           ("out_of_scope", "coverage", "dense_max", "dense_z", "unmatched_idf"), DECLINE_FEATURES)
MAX_WRONGLY_DECLINED = 0.01  # share of in-scope fitting questions the chosen threshold may decline (target: 2 %)


def decline_signals(assistant: Assistant, questions: list[Question], features: tuple[str, ...] | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The decline rule's inputs for the questions answered by search (structural answers — clause lookup,
    duties, outline — are never declined and do not count), and whether each is out of scope. `features`:
    DECLINE_FEATURES, less the classifier's when the assistant has none."""
    features = features or (DECLINE_FEATURES if assistant.classifier else DECLINE_FEATURES[:5])
    rows, labels = [], []
    for q in questions:
        signals = assistant.ask(q.question, k=10).signals
        if signals:
            rows.append([signals[f] for f in features])
            labels.append(not q.in_scope)
    return np.array(rows), np.array(labels)


def fit_decline(x: np.ndarray, y: np.ndarray, features: tuple[str, ...] = DECLINE_FEATURES,
                max_declined: float = MAX_WRONGLY_DECLINED) -> dict[str, Any]:
    """A logistic regression (standardised features, balanced classes) and the lowest threshold that declines
    at most `max_declined` of the in-scope questions (midway to the next in-scope probability)."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    model = LogisticRegression(class_weight="balanced", C=1.0).fit((x - mean) / scale, y)
    p = model.predict_proba((x - mean) / scale)[:, 1]
    inside = np.sort(p[~y])[::-1]
    allowed = int(max_declined * len(inside))  # this many in-scope questions may be declined
    threshold = float((inside[allowed] + inside[allowed - 1]) / 2) if allowed else float(inside[0] + 1e-6)
    threshold = min(threshold, 1.0)
    return {"features": list(features), "mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(),
            "coef": model.coef_[0].round(6).tolist(), "intercept": round(float(model.intercept_[0]), 6),
            "threshold": round(threshold, 6)}


def decline_errors(model: dict[str, Any], x: np.ndarray, y: np.ndarray) -> tuple[int, int]:
    """(out-of-scope declined, in-scope declined) under a fitted model."""
    declined = np.array([declines(dict(zip(model["features"], row)), model) for row in x], dtype=bool)
    return int((declined & y).sum()), int((declined & ~y).sum())


def calibrate(assistant: Assistant, questions: list[Question], folds: int = 5) -> dict[str, Any]:
    """For each feature set (CLASSIFIER_DECLINE_SETS when the assistant has its classifier, else
    DECLINE_SETS): a `folds`-fold cross-validated estimate (stratified; each fold scored by a model fitted on
    the others). The set with the most out-of-scope questions declined under cross-validation while declining
    at most 2 % of the in-scope ones (then fewer in-scope declined, then fewer features) is fitted on all the
    questions. The former coverage-only rule is reported beside it."""
    x, y = decline_signals(assistant, questions)  # columns: DECLINE_FEATURES, or its first five
    candidates = CLASSIFIER_DECLINE_SETS if assistant.classifier else DECLINE_SETS
    order = np.random.default_rng(0).permutation(len(y))
    out_ids, in_ids = order[y[order]], order[~y[order]]  # stratified: every fold has both kinds
    sets = {}
    for features in candidates:
        cols = x[:, [DECLINE_FEATURES.index(f) for f in features]]
        cv_oos = cv_in = 0
        for f in range(folds):
            held = np.concatenate([out_ids[f::folds], in_ids[f::folds]])
            rest = np.setdiff1d(order, held)
            oos, wrong = decline_errors(fit_decline(cols[rest], y[rest], features), cols[held], y[held])
            cv_oos, cv_in = cv_oos + oos, cv_in + wrong
        sets[features] = (cv_oos, cv_in)
    n_in = int((~y).sum())
    best = min(sets, key=lambda f: (sets[f][1] > 0.02 * n_in, -sets[f][0], sets[f][1], len(f)))
    cols = x[:, [DECLINE_FEATURES.index(f) for f in best]]
    model = fit_decline(cols, y, best)
    coverage_only = x[:, 0] < COVERAGE_MIN
    return {"model": model, "fitted": decline_errors(model, cols, y), "cross_validated": sets[best],
            "sets": {"+".join(f): v for f, v in sets.items()},
            "coverage_only": (int((coverage_only & y).sum()), int((coverage_only & ~y).sum())),
            "out_of_scope": int(y.sum()), "in_scope": n_in}


def describe_calibration(found: dict[str, Any], split: str) -> str:
    n_out, n_in = found["out_of_scope"], found["in_scope"]
    lines = [f"split {split}: {n_out} out-of-scope and {n_in} in-scope questions answered by search"]
    for name, (oos, inside) in found["sets"].items():
        lines.append(f"  cross-validated {name:45s} out of scope declined {oos}/{n_out}, in scope declined {inside}/{n_in}")
    for name in ("fitted", "coverage_only"):
        oos, inside = found[name]
        lines.append(f"  {name:61s} out of scope declined {oos}/{n_out}, in scope declined {inside}/{n_in}")
    lines.append(json.dumps(found["model"], ensure_ascii=False))
    return "\n".join(lines)


def format_report(report: dict[str, Any], title: str) -> str:
    modes = list(report["modes"])
    groups = ["overall", "colloquial"] + sorted(
        g for g in next(iter(report["modes"].values()))["table"] if g not in ("overall", "colloquial"))
    header = "| group | metric | n | " + " | ".join(modes) + " |"
    lines = [f"### {title}", "", header, "|" + "---|" * (3 + len(modes))]
    for group in groups:
        for metric in METRICS:
            cells = [report["modes"][m]["table"].get(group, {}).get(metric) for m in modes]
            if all(c is None for c in cells):
                continue
            n = next(c[1] for c in cells if c is not None)
            values = " | ".join("—" if c is None else f"{c[0]:.3f}" for c in cells)
            lines.append(f"| {group} | {metric} | {n} | {values} |")
    timing = ", ".join(f"{m}: {report['modes'][m]['seconds']} s" for m in modes)
    lines += ["", f"{report['questions']} questions; time per mode — {timing}"]
    return "\n".join(lines)


def default_split(questions: list[Question]) -> str:
    """The newest held-out split present: test4, else test3, else test."""
    present = {q.split for q in questions}
    return next((s for s in ("test4", "test3") if s in present), "test")


def run(assistant: Assistant, path: Path, split: str = "", modes: tuple[str, ...] = MODES,
        calibrate_only: bool = False) -> str:
    everything = load_questions(path)
    split = split or default_split(everything)
    wanted = set(split.split(","))
    questions = [q for q in everything if "all" in wanted or q.split in wanted]
    if calibrate_only:
        return describe_calibration(calibrate(assistant, questions), split)
    return format_report(evaluate(assistant, questions, modes), f"{path.name} — split: {split}")

