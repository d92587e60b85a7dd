"""Which sentence of a clause answers the question: the highlight, and the direct answer of a passage answer.

A linear score over each sentence's features, fitted as a conditional logit (softmax over the sentences of the
clause that answers) on the fitting questions' answering substrings by `eval/learn_sentences.py`, weights in
qa/data/sentences.json. Features (FEATURES):

  dense        the sentence's cosine to the question (the fine-tuned model),
  bm25         the sentence's BM25 over the best BM25 of any sentence for the question (as before: 0..1),
  bm25_clause  the sentence's BM25 over the best BM25 inside its own clause (0..1),
  terms        the share of the question's topic words the sentence contains,
  number       the sentence states a quantity (facts.TARGET) and the question asks for one (intent.NUMBER),
  first        the sentence is the clause's first (often its heading sentence),
  departments_who, departments_other
               the sentence is a （责任单位：…） note, and the question asks who (intent.WHO) / does not,
  length       log of the sentence's length in characters.

Before the fit the score was 0.5 × dense + 0.5 × bm25 (`BASELINE`), kept for the comparison.
"""
from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from importlib import resources

import numpy as np

from .intent import NUMBER, WHO

FEATURES = ("dense", "bm25", "bm25_clause", "terms", "number", "first", "departments_who", "departments_other",
            "length")
BASELINE = {"dense": 0.5, "bm25": 0.5}
# a quantity in a sentence: digits, Chinese numerals with a unit or a share (same idea as facts.TARGET, which
# needs a target's verb; here any stated quantity counts)
QUANTITY = re.compile(r"\d|[一二三四五六七八九十百千万两]+(?:个|所|名|年|门|家|条|项|人|成|倍|%|以上|以下)|百分之")


def sentence_features(question: str, terms: list[str], sentences: list[str], dense: list[float],
                      bm25: list[float], best_bm25: float) -> np.ndarray:
    """sentences x FEATURES for the sentences of one clause."""
    asks_number, asks_who = bool(NUMBER.search(question)), bool(WHO.search(question))
    top_in_clause = max(bm25, default=0.0) or 1.0
    rows = []
    for i, (text, d, b) in enumerate(zip(sentences, dense, bm25)):
        rows.append([
            d, b / (best_bm25 or 1.0), b / top_in_clause,
            sum(t in text for t in terms) / len(terms) if terms else 0.0,
            float(asks_number and bool(QUANTITY.search(text))), float(i == 0),
            float(asks_who and "责任单位" in text), float(not asks_who and "责任单位" in text),
            math.log(1 + len(text)),
        ])
    return np.array(rows, dtype=np.float64).reshape(len(sentences), len(FEATURES))


@lru_cache(maxsize=1)
def weights() -> np.ndarray:
    """The fitted weights in FEATURES order (the baseline's when none are shipped)."""
    path = resources.files("qa").joinpath("data", "sentences.json")
    fitted = json.loads(path.read_text(encoding="utf-8"))["weights"] if path.is_file() else BASELINE
    return np.array([fitted.get(name, 0.0) for name in FEATURES])


def baseline_weights() -> np.ndarray:
    return np.array([BASELINE.get(name, 0.0) for name in FEATURES])
