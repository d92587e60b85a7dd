"""The question classifier (qa/classifier.py) against the rule tables (qa/intent.py), on the same index:
the classifier's kinds (accuracy, confusion matrix) and the answers per question type when each routes
(top-1, answer sentence, who-lists, outline, declined). Prints Markdown tables for eval/RESULTS.md.

    .venv/bin/python eval/classifier_eval.py [FILE ...] --splits fit [--routing classifier,rules]

A held-out split (test3, test4) may be run — every run goes into RESULTS.md — but never fitted on.
"""
from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

import numpy as np

from qa.answer import Assistant, clean_question
from qa.evaluation import Question, evaluate, format_report, load_questions

HERE = Path(__file__).parent
# evaluation types -> the classifier kinds that route them right ("fact": a content question, or one that
# names its clause by its heading words; "goal": the plan's targets, a content question)
ACCEPTED = {"fact": {"general", "clause"}, "goal": {"general", "number"}, "number": {"number"},
            "who": {"who"}, "duties": {"duties"}, "overview": {"overview"}, "out_of_scope": {"out_of_scope"}}


def gold_type(q: Question) -> str:
    return "overview" if q.gold == ["OUTLINE"] else q.type


def kinds_table(assistant: Assistant, questions: list[Question]) -> str:
    """Accuracy of the classifier's most probable kind, and its confusion (gold type x predicted kind)."""
    classifier = assistant.classifier
    texts = [clean_question(q.question)[0] for q in questions]
    p = classifier.probabilities(texts, assistant.embedder.encode_queries(texts))
    predicted = [classifier.kinds[i] for i in p.argmax(axis=1)]
    gold = [gold_type(q) for q in questions]
    right = [kind in ACCEPTED[g] for g, kind in zip(gold, predicted)]
    counts = Counter(zip(gold, predicted))
    kinds = list(classifier.kinds)
    lines = [f"classifier accuracy {np.mean(right):.3f} ({sum(right)}/{len(right)}); fact = general or clause, "
             "goal = general or number", "", "| gold \\ predicted | " + " | ".join(kinds) + " | right |",
             "|---|" + "---|" * (len(kinds) + 1)]
    for g in sorted(set(gold)):
        row = [counts.get((g, k), 0) for k in kinds]
        n = sum(row)
        ok = sum(counts.get((g, k), 0) for k in ACCEPTED[g])
        lines.append(f"| {g} | " + " | ".join(str(v) for v in row) + f" | {ok}/{n} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="*", type=Path, default=[HERE / "questions.jsonl", HERE / "fit" / "questions.jsonl"])
    parser.add_argument("--splits", required=True)
    parser.add_argument("--routing", default="classifier,rules")
    args = parser.parse_args()
    splits = set(args.splits.split(","))
    questions = [q for path in args.files for q in load_questions(path) if q.split in splits]
    assistant = Assistant(progress=False)
    classifier = assistant.classifier
    if classifier is None:
        parser.error("the question classifier was not fitted on this model")
    print(f"{len(questions)} questions, splits {args.splits}\n")
    print(kinds_table(assistant, questions), "\n")
    for routing in args.routing.split(","):
        assistant.classifier = classifier if routing == "classifier" else None
        started = time.perf_counter()
        report = evaluate(assistant, questions, modes=("hybrid",))
        print(format_report(report, f"routing: {routing} ({time.perf_counter() - started:.0f} s)"), "\n")


if __name__ == "__main__":
    main()
