"""`qa eval`: retrieval quality on a question set, side by side for BM25-only, dense-only and the pipeline.

Question file (JSON lines, see eval/questions.jsonl): id, question, doc (document title), type, user,
colloquial, gold (clause labels; a preamble is "前言"), keys (substrings the answering sentence contains),
departments (exact list, who-questions), split ("tune", "dev" or "test"). Out-of-scope questions have type
"out_of_scope" and no gold: the right answer is to decline.

Metrics, per question type and overall:
  top1 / top3      the first / any of the first three results is a gold clause of the gold document
  mrr@10           mean reciprocal rank of the first gold clause within ten results
  ans@1            a key is inside the first highlighted sentence of the first result
  dept             who-questions: the answer's department list equals the gold list exactly
  oos_declined     out-of-scope questions the answer declined
  wrongly_declined in-scope questions the answer declined
"""
from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .answer import COVERAGE_MIN, Assistant
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
    fields = Question.__dataclass_fields__
    with open(path, encoding="utf-8") as fh:
        return [Question(**{k: v for k, v in json.loads(line).items() if k in fields}) for line in fh if line.strip()]


def clause_key(result: dict[str, Any]) -> tuple[str, str]:
    return result["doc"], result["label"] or result["title"]


def score_question(q: Question, answer: dict[str, Any]) -> dict[str, float]:
    """Per-question metric values; absent keys do not apply to this question."""
    declined = answer.get("answer", {}).get("type") == "none"
    if not q.in_scope:
        return {"oos_declined": float(declined)}
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


SPLITS = ("tune", "dev", "test", "test3")  # test3: held out (issue 12); tune, dev and test may be fitted on
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


def calibrate(assistant: Assistant, questions: list[Question]) -> dict[str, float]:
    """Suggest COVERAGE_MIN: of the thresholds between the questions' coverage values, the one with the fewest
    errors (out-of-scope questions kept + in-scope ones declined), ties going to fewer in-scope declined.
    Questions answered from the parsed structure (duties, clause lookup) are never declined and do not count."""
    def answered_by_search(q: Question) -> bool:
        return assistant.intent_of(q.question).kind not in ("duties", "clause")

    cover = [(assistant.searcher.coverage(q.question), q.in_scope) for q in questions if answered_by_search(q)]
    values = sorted({c for c, _ in cover})
    candidates = [(a + b) / 2 for a, b in zip(values, values[1:])] or [COVERAGE_MIN]

    def errors(threshold: float) -> tuple[int, int, int]:
        kept = sum(c >= threshold for c, in_scope in cover if not in_scope)
        declined = sum(c < threshold for c, in_scope in cover if in_scope)
        return kept + declined, declined, kept

    best = min(candidates, key=errors)
    total, declined, kept = errors(best)
    return {"suggested": round(best, 3), "in_scope_declined": declined, "out_of_scope_kept": kept,
            "in_scope": sum(i for _, i in cover), "out_of_scope": sum(not i for _, i in cover)}


def format_report(report: dict[str, Any], title: str) -> str:
    modes = list(report["modes"])
    groups = ["overall", "colloquial"] + sorted(
        g for g in next(iter(report["modes"].values()))["table"] if g not in ("overall", "colloquial"))
    header = f"| group | metric | n | " + " | ".join(modes) + " |"
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


def run(assistant: Assistant, path: Path, split: str = "test", modes: tuple[str, ...] = MODES,
        calibrate_only: bool = False) -> str:
    wanted = set(split.split(","))
    questions = [q for q in load_questions(path) if "all" in wanted or q.split in wanted]
    if calibrate_only:
        found = calibrate(assistant, questions)
        return (f"split {split}: COVERAGE_MIN = {found['suggested']} declines {found['in_scope_declined']} of "
                f"{found['in_scope']} in-scope questions and keeps {found['out_of_scope_kept']} of "
                f"{found['out_of_scope']} out-of-scope ones")
    return format_report(evaluate(assistant, questions, modes), f"{path.name} — split: {split}")

