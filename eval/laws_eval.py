"""Retrieval at law scale: layperson questions over an index of all of ../shared/laws (issue 12).

    .venv/bin/python eval/laws_eval.py [--questions eval/laws_questions.jsonl] [--corpus ../shared/laws]
                                       [--index DIR] [--json OUT]

The index is built once beforehand (`qa build --corpus ../shared/laws --index DIR`, ≈ 15 min idle); this script
never rebuilds it. Every question goes through the answer layer (`Assistant.ask`, k = 100: documents named
in the question, intents) with the search in each mode — the same path as `qa ask --batch --json -k 100`.

Metrics, gold = (document title, article label) pairs of the question: R@10 and R@100 (a gold article among
the first 10 / 100 results), MRR@10. Two versions of a law share a title: either version's article counts.

Fusion variants of the hybrid are compared on a split of the questions by document (sha256 of the title,
even = "tune", odd = "report"): the variant to ship is chosen on the tune half, and the report half is the
held-out check. Dense-only and BM25-only are the baselines, through the same answer layer.
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import re
import time
from functools import lru_cache
from pathlib import Path

from qa import search
from qa.answer import Assistant
from qa.model import load_embedder
from qa.search import Searcher

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

# name -> settings of qa.search applied for that run; "shipped" is whatever qa/search.py says now.
VARIANTS: dict[str, dict] = {
    "4-channel weights, no renormalisation": {"RENORMALISE": False, "MISSING": "zero", "FUSION": "zscore"},
    "renormalised by family": {"RENORMALISE": True, "MISSING": "zero", "FUSION": "zscore"},
    "renormalised, unranked = channel floor": {"RENORMALISE": True, "MISSING": "floor", "FUSION": "zscore"},
    "RRF k=60, renormalised": {"RENORMALISE": True, "MISSING": "zero", "FUSION": "rrf", "RRF_K": 60},
}
# Weights tuned for the configuration without sentence vectors (three channels present), on the tune half:
# the dense weight against fixed lexical splits (the four-channel search found equal lexical weights).
DENSE_GRID = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0]
LEXICAL_GRID = [(0.25, 0.25), (0.5, 0.0), (0.0, 0.5)]


def laws_folder() -> Path:
    for candidate in (REPO.parent / "shared" / "laws", REPO.parent.parent / "shared" / "laws"):
        if candidate.is_dir():
            return candidate
    return REPO.parent / "shared" / "laws"


def law_stem(file: str) -> str:
    """劳动合同法(2012-12-28).md -> 劳动合同法, as eval/train/heldout_laws.json names the laws."""
    return re.sub(r"\(\d{4}-\d{2}-\d{2}\)$", "", Path(file).stem)


def half(question: dict) -> str:
    return "tune" if int(hashlib.sha256(question["doc"].encode()).hexdigest(), 16) % 2 == 0 else "report"


def ranks(assistant: Assistant, question: dict, k: int) -> int | None:
    """1-based rank of the first gold article in the answer's results, None when absent from the k."""
    gold = {(question["doc"], label) for label in question["gold"]}
    results = assistant.ask(question["question"], k=k).results
    return next((i for i, r in enumerate(results, 1) if (r.clause.doc, r.clause.label) in gold), None)


def metrics(found: list[int | None]) -> dict[str, float]:
    n = len(found) or 1
    return {"R@10": sum(r is not None and r <= 10 for r in found) / n,
            "R@100": sum(r is not None and r <= 100 for r in found) / n,
            "MRR@10": sum(1 / r for r in found if r is not None and r <= 10) / n}


def run(assistant: Assistant, questions: list[dict], k: int) -> list[int | None]:
    return [ranks(assistant, q, k) for q in questions]


def with_settings(settings: dict):
    saved = {name: getattr(search, name) for name in settings}
    saved["WEIGHTS"] = dict(search.WEIGHTS)
    for name, value in settings.items():
        if name == "WEIGHTS":
            search.WEIGHTS.update(value)
        else:
            setattr(search, name, value)
    return saved


def restore(saved: dict) -> None:
    for name, value in saved.items():
        if name == "WEIGHTS":
            search.WEIGHTS.clear()
            search.WEIGHTS.update(value)
        else:
            setattr(search, name, value)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, default=HERE / "laws_questions.jsonl")
    parser.add_argument("--corpus", type=Path, default=laws_folder())
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("-k", type=int, default=100)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--model", default=None, help="e5-small (shipped), e5-small-base, or a folder")
    args = parser.parse_args()

    questions = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    started = time.perf_counter()
    embedder = load_embedder(args.model)
    assistant = Assistant(args.index, args.corpus, embedder=embedder, rebuild=False, progress=False)
    print(f"index: {len(assistant.index.clauses)} units, sentence vectors: "
          f"{assistant.index.sentence_vectors is not None}; loaded in {time.perf_counter() - started:.1f} s")
    units = {(c.doc, c.label) for c in assistant.index.clauses}
    missing = [(q["id"], q["doc"], label) for q in questions for label in q["gold"] if (q["doc"], label) not in units]
    print(f"{len(questions)} questions; gold articles that are not units of the index: {missing or 'none'}")
    halves = {name: [i for i, q in enumerate(questions) if half(q) == name] for name in ("tune", "report")}
    held = set(json.loads((HERE / "train" / "heldout_laws.json").read_text(encoding="utf-8")))
    untrained = [i for i, q in enumerate(questions) if law_stem(q["file"]) in held]
    trained = [i for i, q in enumerate(questions) if law_stem(q["file"]) not in held]
    print("split by document: " + ", ".join(f"{n} {len(ix)}" for n, ix in halves.items()))

    searchers = {mode: Searcher(assistant.index, embedder, mode=mode) for mode in search.MODES}
    for s in searchers.values():  # channels are computed once per question; only the fusion varies
        s._channel_scores = lru_cache(maxsize=None)(s._channel_scores)

    table: dict[str, list[int | None]] = {}
    timings: dict[str, float] = {}

    def measure(name: str, mode: str, settings: dict) -> list[int | None]:
        saved = with_settings(settings)
        assistant.searcher = searchers[mode]
        t = time.perf_counter()
        try:
            table[name] = run(assistant, questions, args.k)
        finally:
            restore(saved)
        timings[name] = time.perf_counter() - t
        return table[name]

    measure("dense only", "dense", {})
    measure("BM25 only", "bm25", {})
    measure("hybrid (as shipped)", "hybrid", {})
    for name, settings in VARIANTS.items():
        measure(f"hybrid: {name}", "hybrid", settings)

    # weights for the three channels present without sentence vectors, chosen on the tune half only
    tune = halves["tune"]
    best, best_score = None, -1.0
    for wd, (wc, ws) in itertools.product(DENSE_GRID, LEXICAL_GRID):
        for missing in ("zero", "floor"):
            settings = {"RENORMALISE": False, "MISSING": missing, "FUSION": "zscore",
                        "WEIGHTS": {"dense_clause": wd, "bm25_clause": wc, "bm25_sentence": ws}}
            saved = with_settings(settings)
            assistant.searcher = searchers["hybrid"]
            try:
                found = [ranks(assistant, questions[i], 10) for i in tune]
            finally:
                restore(saved)
            m = metrics(found)
            score = m["R@10"] + m["MRR@10"]
            if score > best_score + 1e-9:
                best, best_score = settings, score
    print(f"weights tuned on the tune half (R@10 + MRR@10): {best}")
    measure("hybrid: 3-channel weights tuned on tune half", "hybrid", best)

    report = {"questions": len(questions), "index_units": len(assistant.index.clauses),
              "tuned_on_tune_half": best, "rows": {}}
    header = "| method | " + " | ".join(f"{h} R@10 | {h} R@100 | {h} MRR@10" for h in ("all", "tune", "report")) + " |"
    print(f"\n{header}\n|---|" + "---|" * 9)
    for name, found in table.items():
        cells, row = [], {}
        for part, ix in (("all", range(len(questions))), ("tune", halves["tune"]), ("report", halves["report"])):
            m = metrics([found[i] for i in ix])
            row[part] = {**m, "n": len(ix)}
            cells += [f"{m['R@10']:.3f}", f"{m['R@100']:.3f}", f"{m['MRR@10']:.3f}"]
        row["ranks"] = found
        row["seconds"] = round(timings[name], 1)
        report["rows"][name] = row
        print(f"| {name} | " + " | ".join(cells) + " |")
        for part, ix in (("untrained", untrained), ("trained", trained)):
            row[part] = {**metrics([found[i] for i in ix]), "n": len(ix)}
    print("\n| method | laws with no training question R@10 / MRR@10 | laws with training questions R@10 / MRR@10 |")
    print("|---|---|---|")
    for name, row in report["rows"].items():
        u, t = row["untrained"], row["trained"]
        print(f"| {name} | {u['R@10']:.3f} / {u['MRR@10']:.3f} (n={u['n']}) | {t['R@10']:.3f} / {t['MRR@10']:.3f} (n={t['n']}) |")
    base = table["hybrid (as shipped)"]
    for other in ("dense only", "BM25 only"):
        wins = sum((a or 999) <= 10 < (b or 999) for a, b in zip(base, table[other]))
        losses = sum((b or 999) <= 10 < (a or 999) for a, b in zip(base, table[other]))
        print(f"R@10, shipped hybrid against {other}: found by hybrid only {wins}, by {other} only {losses}")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
