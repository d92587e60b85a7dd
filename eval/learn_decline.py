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

from learn_ranking import single_threaded  # one torch thread, as the re-ranking fit

from qa.answer import Assistant
from qa.evaluation import add_fitting_arguments, calibrate, describe_calibration, fitting_questions

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    add_fitting_arguments(parser)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    questions = fitting_questions(parser, args)
    splits = set(args.splits.split(","))
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
