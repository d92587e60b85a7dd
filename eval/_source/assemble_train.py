"""Assemble the training questions of issue 16 (or the fitting set of issue 17) from the writers' files.

    .venv/bin/python eval/_source/assemble_train.py [RAW_DIR] [--laws ../shared/laws]
    .venv/bin/python eval/_source/assemble_train.py eval/_source/fit_raw --out eval/fit/questions.jsonl \
        --split fit --exclude eval/train/questions.jsonl
    .venv/bin/python eval/_source/assemble_train.py eval/_source/kinds_raw --out eval/train/kinds.jsonl \
        --exclude eval/train/questions.jsonl,eval/fit/questions.jsonl

RAW_DIR (default eval/_source/train_raw) holds one JSONL file per writer, written to the instructions in
eval/_source/train_writers.md (each writer read only the documents named in their task: the plan, the 2022
职业教育法, or excerpts of sampled laws made by train_sample.py). Lines are kept when they pass
`qa.training.validate` (the gold unit exists, the answer is inside it); dropped are questions without a letter or
digit (「？」: the product asks for words), exact duplicates, any
question also in test3 or test4 (held out), and questions on the held-out laws (eval/train/heldout_laws.json).
Writes eval/train/questions.jsonl (ids `<writer>-NNNN`; --out another file, --split a split written into every
row, --exclude drops questions also in those files (comma-separated), e.g. the fitting set drops training
questions) and prints the counts.
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

from qa.training import load_training_questions, load_units, validate

ROOT = Path(__file__).resolve().parents[2]
HELD_OUT = ("test3", "test4")


def normalise(question: str) -> str:
    return re.sub(r"[\s？?！!。，,、]", "", question)


def held_out_questions() -> set[str]:
    rows = [json.loads(line) for line in (ROOT / "eval/questions.jsonl").open(encoding="utf-8") if line.strip()]
    return {normalise(r["question"]) for r in rows if r["split"] in HELD_OUT}


def main(raw: Path, laws: Path, out: Path, split: str = "", exclude: list[Path] = ()) -> None:
    held_laws = set(json.loads((ROOT / "eval/train/heldout_laws.json").read_text(encoding="utf-8")))
    held_questions = held_out_questions()
    for path in exclude:
        held_questions |= {normalise(q.question) for q in load_training_questions(path)}
    folders = [ROOT / "corpus", laws]
    kept, seen, dropped = [], set(), Counter()
    for path in sorted(raw.glob("*.jsonl")):
        writer = path.stem
        questions = load_training_questions(path)
        store = load_units(questions, folders)
        bad = {q.line for q in questions if validate([q], store)}
        for q in questions:
            key = normalise(q.question)
            stem = re.sub(r"\(\d{4}-\d{2}-\d{2}\)$", "", Path(q.file).stem) if q.file else ""
            reason = ("invalid" if q.line in bad else "no text" if not any(ch.isalnum() for ch in q.question) else "held-out question" if key in held_questions
                      else "held-out law" if stem in held_laws else "duplicate" if (key, q.doc) in seen else "")
            if reason:
                dropped[reason] += 1
                continue
            seen.add((key, q.doc))
            row = {"id": f"{writer}-{len(kept) + 1:04d}", "question": q.question, "doc": q.doc, "file": q.file,
                   "gold": q.gold, "answer": q.answer, "kind": q.kind, "style": q.style, **q.extra}
            row.pop("writer", None)
            if split:
                row["split"] = split
            kept.append(row)
    with out.open("w", encoding="utf-8") as fh:
        for row in kept:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    by_kind = Counter(r["kind"] for r in kept)
    colloquial = sum(r["style"] == "colloquial" for r in kept)
    docs = len({r["file"] for r in kept if r["file"]})
    print(f"{len(kept)} questions -> {out}; dropped {dict(dropped)}")
    print(f"kinds {dict(by_kind)}; colloquial {colloquial / len(kept):.2f}; documents {docs}")


if __name__ == "__main__":
    args = sys.argv[1:]
    options = {a: args[i + 1] for i, a in enumerate(args) if a.startswith("--")}
    positional = [a for i, a in enumerate(args) if not a.startswith("--") and (i == 0 or not args[i - 1].startswith("--"))]
    main(Path(positional[0]) if positional else ROOT / "eval/_source/train_raw",
         Path(options.get("--laws", ROOT.parent / "shared" / "laws")),
         Path(options.get("--out", ROOT / "eval/train/questions.jsonl")), options.get("--split", ""),
         [Path(p) for p in options["--exclude"].split(",")] if "--exclude" in options else [])
