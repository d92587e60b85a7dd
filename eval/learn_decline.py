"""Fit the decline models (qa/answer.py, qa/data/decline.json) on the fitting questions and report their
errors: on the fitting questions, 5-fold cross-validated, and for the former coverage-only rule. Two models
are fitted: with the question classifier's out-of-scope probability (the shipped model), and without it (the
rule tables route; used with a model the classifier was not fitted on).

    .venv/bin/python eval/learn_decline.py [FILE ...] [--splits tune,dev,test,fit] [--write]

FILE defaults to eval/questions.jsonl and eval/fit/questions.jsonl.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from qa.answer import Assistant
from qa.evaluation import HELD_OUT, calibrate, describe_calibration, load_questions

REPO = Path(__file__).resolve().parent.parent


def single_threaded(assistant: Assistant) -> Assistant:
    """One torch thread: on a busy shared machine two spinning threads per query cost seconds, not ms."""
    import torch

    torch.set_num_threads(1)
    return assistant


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="*", type=Path,
                        default=[Path(__file__).parent / "questions.jsonl", Path(__file__).parent / "fit" / "questions.jsonl"])
    parser.add_argument("--splits", default="tune,dev,test,fit")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    splits = set(args.splits.split(","))
    if splits & set(HELD_OUT):
        parser.error("test3 and test4 are held out: never used for fitting")
    questions = [q for path in args.files for q in load_questions(path) if q.split in splits]
    assistant = single_threaded(Assistant(progress=False))
    if assistant.classifier is None:
        parser.error("the question classifier was not fitted on this model: run `qa classifier train` first")
    models = []
    for name, classifier in (("with the classifier", assistant.classifier), ("rules only", None)):
        assistant.classifier = classifier
        found = calibrate(assistant, questions)
        print(f"## {name}\n{describe_calibration(found, args.splits)}")
        models.append({**found["model"], "splits": sorted(splits), "cross_validated": found["cross_validated"]})
    if args.write:
        path = REPO / "qa" / "data" / "decline.json"
        path.write_text(json.dumps({"models": models}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"written to {path}")


if __name__ == "__main__":
    main()
