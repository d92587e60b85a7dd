"""Re-ranking after fusion: a linear model over the channel scores and features of the question and clause.

Fusion (qa/search.py) ranks clauses by how well the question's words and meaning match them. Some evidence it
cannot see is cheap to compute for the few clauses it ranks first (RERANK_DEPTH):

| feature         | what it measures |
|-----------------|------------------|
| dense_clause …  | the four channels' z-scores among their candidates, as fusion computes them (a clause a |
| bm25_sentence   | channel did not score gets that channel's lowest z) |
| title           | the clause's own title against the question, characters in between allowed: 总目标 ↔ 总体目标 |
| heading         | the same against the heading above it (part, chapter) |
| quantity        | number questions: the best share of the question's topic words in one sentence carrying a number |
| unit            | number questions: the unit asked for (几所 -> 所, 比例 -> %) follows a number in the clause |
| place           | the question names a place or level (上海, 市里, 省里, 国家) and the clause's document is of it |
| other_place     | the question names one and the document is of another |
| specific        | the document is local (a city or province policy or regulation) rather than a national law: |
|                 | where a plan clause and a general law article both match, the more specific one leads |

The score is the weighted sum; WEIGHTS are fitted by eval/learn_ranking.py (a conditional logit over each
question's candidates, 5-fold cross-validated over the fitting splits; figures in eval/RESULTS.md). Nothing
is dropped: re-ranking only reorders the candidates. No feature names a question or a clause.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from .facts import TARGET
from .intent import NUMBER
from .structure import Clause

RERANK_DEPTH = 30  # fused candidates that are re-ranked; the rest follow in fused order
CHANNELS = ("dense_clause", "dense_sentence", "bm25_clause", "bm25_sentence")
# The two families of channels (see search.fuse): an absent channel's feature is its family's present one.
FAMILIES = {"dense_clause": "dense", "dense_sentence": "dense", "bm25_clause": "bm25", "bm25_sentence": "bm25"}
FEATURES = CHANNELS + ("title", "heading", "quantity", "unit", "place", "other_place", "specific")

# Levels of government a question can name, and the words that name them (checked in this order).
LEVEL_WORDS = (
    ("national", re.compile(r"国家|全国|中央|国务院")),
    ("province", re.compile(r"省里|全省|本省|我省|咱省|省级|省政府|省委")),
    ("city", re.compile(r"市里|全市|本市|我市|咱市|市级|市政府|市委")),
)
# A place at the start of a document title: 上海市职业教育条例 -> (上海, city), 河南省… -> (河南, province).
TITLE_PLACE = re.compile(r"^(?P<place>[\u4e00-\u9fff]{2,3}?)(?P<kind>省|市|自治区)")
PLACE_LEVEL = {"省": "province", "自治区": "province", "市": "city"}
# The unit a number question asks for, and the units in the text that answer it.
QUESTION_UNITS = (
    (re.compile(r"比例|百分之|百分比|几成|占比|%"), ("%", "％")),
    (re.compile(r"人次"), ("人次", "万人次")),
    (re.compile(r"几所|多少所"), ("所",)),
    (re.compile(r"几门|多少门"), ("门",)),
    (re.compile(r"几家|多少家"), ("家",)),
    (re.compile(r"几名|多少名|多少人|几个人"), ("名", "人")),
    (re.compile(r"几年|多少年"), ("年",)),
    (re.compile(r"几个|多少个"), ("个",)),
)


@lru_cache(maxsize=1)
def weights() -> np.ndarray:
    """The fitted weights, in FEATURES order (qa/data/ranking.json, written by eval/learn_ranking.py)."""
    data = json.loads(resources.files("qa").joinpath("data", "ranking.json").read_text(encoding="utf-8"))
    return np.array([data["weights"][name] for name in FEATURES])


@dataclass(frozen=True)
class DocProfile:
    """Where a document applies: a place named in its title, and a level of government."""

    place: str  # "上海"; "" when the title names none
    level: str  # "national" | "province" | "city" | ""


def profiles(clauses: list[Clause]) -> dict[str, DocProfile]:
    """Each document's place and level: a place at the start of its title; else the level its 责任单位
    lists speak for (市教育局 -> city); else a statute without a place is national."""
    docs: dict[str, list[Clause]] = {}
    for clause in clauses:
        docs.setdefault(clause.doc, []).append(clause)
    out = {}
    for title, own in docs.items():
        if match := TITLE_PLACE.match(title):
            out[title] = DocProfile(match.group("place"), PLACE_LEVEL[match.group("kind")])
            continue
        units = [d for c in own for d in c.departments]
        prefixes = {p: sum(d.startswith(p) for d in units) for p in ("市", "省")}
        if units and max(prefixes.values()) * 2 > len(units):
            out[title] = DocProfile("", "city" if prefixes["市"] >= prefixes["省"] else "province")
        elif any(c.kind == "article" for c in own):
            out[title] = DocProfile("", "national")
        else:
            out[title] = DocProfile("", "")
    return out


def lcs(a: str, b: str) -> int:
    """Length of the longest common subsequence of two short strings."""
    prev = [0] * (len(b) + 1)
    for ch in a:
        cur = [0]
        for j, other in enumerate(b):
            cur.append(prev[j] + 1 if ch == other else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def title_match(question: str, title: str) -> float:
    """Share of a title's characters the question contains in the same order (gaps allowed on both sides);
    0 below two characters."""
    if not title:
        return 0.0
    chars = set(question)
    kept = "".join(ch for ch in title if ch in chars)  # only these can match: keeps the table small
    if len(kept) < 2:
        return 0.0
    common = lcs(kept, question)
    return common / len(title) if common >= 2 else 0.0


HEADING_LABEL = re.compile(r"^(?:[一二三四五六七八九十百]+、|第[一二三四五六七八九十百\d]+[编章节])\s*")


@dataclass
class QuestionView:
    """What the features need from a question, computed once per question."""

    text: str  # question words removed (search.lexical_query)
    terms: list[str]  # topic words (search.content_terms)
    number: bool
    units: tuple[str, ...]
    places: set[str]
    levels: set[str]


def view(question: str, text: str, terms: list[str], known_places: set[str]) -> QuestionView:
    number = bool(NUMBER.search(question))
    units = next((u for pattern, u in QUESTION_UNITS if pattern.search(question)), ()) if number else ()
    places = {p for p in known_places if p in question}
    levels = {level for level, pattern in LEVEL_WORDS if pattern.search(question)}
    return QuestionView(text.replace(" ", ""), terms, number, units, places, levels)


def features(q: QuestionView, clause: Clause, profile: DocProfile) -> list[float]:
    """The non-channel features of one candidate clause (FEATURES after CHANNELS)."""
    title = title_match(q.text, clause.title) if clause.kind == "clause" else 0.0
    heading = title_match(q.text, HEADING_LABEL.sub("", clause.path[-1]).replace(" ", "")) if clause.path else 0.0
    quantity = unit = 0.0
    if q.number:
        numbered = [s for s in clause.sentences if TARGET.search(s)]
        if numbered and q.terms:
            quantity = max(sum(t in s for t in q.terms) / len(q.terms) for s in numbered)
        found = {m.group("unit") for s in numbered for m in TARGET.finditer(s)}
        unit = float(bool(found & set(q.units)))
    named = bool(q.places or q.levels)
    matches = profile.place in q.places if profile.place else False
    matches = matches or (profile.level in q.levels and not q.places)
    place = float(named and matches)
    other = float(named and not matches)
    specific = float(profile.level in ("city", "province") or bool(profile.place))
    return [title, heading, quantity, unit, place, other, specific]


def channel_z(channels: dict[str, dict[int, float]], depth: int) -> dict[str, tuple[dict[int, float], float]]:
    """Per channel: the z-score of each of its `depth` best clauses, and the lowest z (for clauses it misses)."""
    out = {}
    for name, scores in channels.items():
        ranked = sorted(scores, key=scores.get, reverse=True)[:depth]
        values = np.array([scores[c] for c in ranked])
        if len(values) < 2 or values.std() == 0:
            out[name] = ({c: 0.0 for c in ranked}, 0.0)
            continue
        z = (values - values.mean()) / values.std()
        out[name] = (dict(zip(ranked, z.tolist())), float(z.min()))
    return out


def matrix(candidates: list[int], z: dict[str, tuple[dict[int, float], float]], q: QuestionView,
           clauses: list[Clause], docs: dict[str, DocProfile]) -> np.ndarray:
    """Candidates x FEATURES."""
    # An absent channel (no sentence vectors on a large collection, a scoped search without sentences) stands
    # in with its family's present one, so its fitted weight stays with its family, as in fusion: otherwise
    # the dense family would keep 0.21 of the weight against BM25's 0.51 over ~70,000 articles.
    present = [n for n in CHANNELS if n in z and z[n][0]]
    source = {n: n if n in present else next((m for m in present if FAMILIES[m] == FAMILIES[n]), None)
              for n in CHANNELS}
    rows = []
    for c in candidates:
        channel = [z[m][0].get(c, z[m][1]) if m else 0.0 for m in source.values()]
        rows.append(channel + features(q, clauses[c], docs[clauses[c].doc]))
    return np.array(rows, dtype=np.float64).reshape(len(candidates), len(FEATURES))
