"""A smaller law collection for side-by-side model runs (issue 16), as a folder of symlinks into ../shared/laws:
every file of the law-scale questions (all versions of each), plus EXTRA other files drawn with a fixed seed.

    .venv/bin/python eval/laws_subset.py OUT [--extra 230] [--laws ../shared/laws]
    .venv/bin/qa build --corpus OUT --index OUT-index [--model …]
    .venv/bin/python eval/laws_eval.py --corpus OUT --index OUT-index [--model …]

The full collection (68,737 units) takes ≈ 10 min to embed per model on 2 cores; this one a tenth of that.
"""
from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent


def stem(file: str) -> str:
    return re.sub(r"\(\d{4}-\d{2}-\d{2}\)$", "", Path(file).stem)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--extra", type=int, default=230)
    parser.add_argument("--laws", type=Path, default=HERE.parent.parent / "shared" / "laws")
    args = parser.parse_args()
    files = sorted(p.relative_to(args.laws).as_posix() for p in args.laws.rglob("*.md") if not p.name.startswith("_"))
    wanted = {stem(json.loads(line)["file"]) for line in (HERE / "laws_questions.jsonl").open(encoding="utf-8")}
    chosen = [f for f in files if stem(f) in wanted]
    others = [f for f in files if f not in chosen]
    chosen += random.Random(19).sample(others, min(args.extra, len(others)))
    for f in chosen:
        link = args.out / f
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to((args.laws / f).resolve())
    print(f"{len(chosen)} files -> {args.out}")


if __name__ == "__main__":
    main()
