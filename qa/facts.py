"""Facts derived from the parsed clauses, not from retrieval: departments and their duties, numeric targets.

A department's duties are spread over many clauses, so top-k retrieval misses some; here they come from the
parsed `（责任单位：…）` lists, complete. Targets are every number-with-unit in a sentence, with the deadline
(`到2025年`) that governs it.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from .structure import Clause

# Number with a unit: 200门, 3-5所, 60%, 5万人次, 2%, 1个, 10个以上, 3年以上.
NUMBER = r"(?:\d+(?:\.\d+)?(?:[-~～至]\d+)?|[一二两三四五六七八九十百千万]+)"
UNIT = r"(?:%|％|万人次|人次|门|所|个|名|家|条|年|项|人)"
TARGET = re.compile(rf"(?P<number>{NUMBER})(?P<unit>{UNIT})(?P<qual>以上|左右|以下)?")
DEADLINE = re.compile(r"到(?P<year>20\d\d)年")
# Numbers that are not targets: years, document names, numbered lists.
NOT_A_TARGET = re.compile(r"20\d\d年|2035|十九|“\d|\d\+X|一、|二、")


def _data_lines(name: str) -> list[list[str]]:
    text = resources.files("qa").joinpath("data", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def aliases() -> dict[str, str]:
    """Short or alternative name -> the name the plan uses (qa/data/departments.tsv)."""
    table: dict[str, str] = {}
    for row in _data_lines("departments.tsv"):
        canonical, *others = row
        for name in [canonical, *" ".join(others).split()]:
            table[name] = canonical
    return table


def department_names(clauses: list[Clause]) -> list[str]:
    """Every department listed in any clause, in order of first appearance."""
    seen: dict[str, None] = {}
    for clause in clauses:
        for name in clause.departments:
            seen.setdefault(name, None)
    return list(seen)


def resolve_department(text: str, clauses: list[Clause]) -> str | None:
    """The listed department a text names (full name, alias or short form), longest match first."""
    known = department_names(clauses)
    candidates = {name: name for name in known}
    candidates.update({alias: canonical for alias, canonical in aliases().items() if canonical in known})
    for name in sorted(candidates, key=len, reverse=True):
        if name in text:
            return candidates[name]
    return None


def duties(department: str, clauses: list[Clause]) -> list[Clause]:
    """Every clause whose responsible departments include `department`, in document order."""
    return [c for c in clauses if department in c.departments]


def duty_matrix(clauses: list[Clause]) -> tuple[list[str], list[Clause], list[list[bool]]]:
    """Departments × clauses-with-departments, for `qa duties` and the web app."""
    listed = [c for c in clauses if c.departments]
    names = department_names(clauses)
    return names, listed, [[name in c.departments for c in listed] for name in names]


@dataclass
class Target:
    what: str  # the phrase around the number, e.g. "200门精品在线课程"
    number: str
    unit: str
    qualifier: str  # 以上 / 左右 / ""
    deadline: str  # "2025年" or ""
    label: str
    citation: str
    sentence: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def extract_targets(clauses: list[Clause]) -> list[Target]:
    """Every quantitative target in the clauses' sentences, in document order."""
    out: list[Target] = []
    for clause in clauses:
        if clause.kind != "clause":
            continue
        for sentence in clause.sentences:
            out.extend(_targets_in(sentence, clause))
    return out


def _targets_in(sentence: str, clause: Clause) -> list[Target]:
    deadline = DEADLINE.search(sentence)
    found = []
    for segment in re.split(r"[，；：。,;]", sentence):
        if NOT_A_TARGET.search(segment.replace("到2025年", "")):
            continue
        items = segment.split("、")
        if sum(bool(TARGET.search(item)) for item in items) < 2:
            items = [segment]  # 、 separates the targets of a list ("50门精品课程、10个…"), not parts of one
        found.extend(_item_targets(item, sentence, clause, deadline) for item in items)
    return [t for group in found for t in group]


def _item_targets(segment: str, sentence: str, clause: Clause, deadline: re.Match | None) -> list[Target]:
    found = []
    for match in TARGET.finditer(segment):
        if match.group("unit") == "年" and "以上" not in (match.group("qual") or ""):
            continue  # "三年行动计划", "五年制": durations, not targets; "3年以上…经历" is a requirement
        found.append(Target(
            what=segment.strip(), number=match.group("number"), unit=match.group("unit"),
            qualifier=match.group("qual") or "", deadline=f"{deadline.group('year')}年" if deadline else "",
            label=clause.label, citation=clause.citation, sentence=sentence,
        ))
    return found
