"""Fit the decline model (qa/answer.py, qa/data/decline.json) on the fitting splits and report its errors:
on the fitting questions, 5-fold cross-validated, and for the former coverage-only rule.

    .venv/bin/python eval/learn_decline.py [eval/questions.jsonl] [--splits tune,dev,test] [--write]
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
    parser.add_argument("file", nargs="?", type=Path, default=Path(__file__).parent / "questions.jsonl")
    parser.add_argument("--splits", default="tune,dev,test")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    splits = set(args.splits.split(","))
    if splits & set(HELD_OUT):
        parser.error("test3 and test4 are held out: never used for fitting")
    questions = [q for q in load_questions(args.file) if q.split in splits]
    found = calibrate(single_threaded(Assistant(progress=False)), questions)
    print(describe_calibration(found, args.splits))
    if args.write:
        path = REPO / "qa" / "data" / "decline.json"
        path.write_text(json.dumps({**found["model"], "splits": sorted(splits)}, ensure_ascii=False) + "\n",
                        encoding="utf-8")
        print(f"written to {path}")


if __name__ == "__main__":
    main()
