"""Facts derived from the parsed clauses, not from retrieval: departments and their duties, numeric targets.

A department's duties are spread over many clauses, so top-k retrieval misses some; here they come from the
parsed `（责任单位：…）` lists, complete. Targets are every number-with-unit in a sentence, with the deadline
(`到2025年`) that governs it.
"""
from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from .index import corpus_clauses, read_corpus
from .paths import default_corpus
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


# ---------------------------------------------------------------------------------- department names
#
# Names are matched by rules over the names the documents use, not by a list made for one plan. A name is
# [各][level][委]body: the level (市/区/县/省/州) and the party-committee 委 of 市委组织部 are read off; the body
# is rewritten by BODY_RULES and abbreviated (人力资源和社会保障局 -> 人社局: the first character of each
# component before the organ suffix). Two names are the same department when a normalised body is shared
# and the levels agree (a name without a level matches any: within one document "财政局" is its 市财政局).
# qa/data/departments.tsv holds only the equivalences no rule can derive (编办 = 机构编制委员会办公室).

LEVELS = "省市区县州"
LEVEL = re.compile(rf"^(?P<level>[{LEVELS}])(?P<party>委)?(?P<body>.{{2,}})$")
BODY_RULES: tuple[tuple[str, str], ...] = (  # (pattern, replacement), applied in order
    (r"人民政府$", "政府"),
    (r"委员会$", "委"),
    (r"委员会办公室$", "委办"),
    (r"办公室$", "办"),
    (r"(?<=.{2})和(?=.{2})", ""),  # 发展和改革委 = 发展改革委
)
SUFFIX = re.compile(r"(?P<suffix>管委会|委员会|办公室|政府|部门|中心|局|委|办|厅|部|院|会)$")


def _jieba_words(text: str) -> list[str]:
    import jieba  # loaded on first use only: most commands never abbreviate a name

    jieba.setLogLevel(logging.WARNING)
    return jieba.lcut(text)


@lru_cache(maxsize=1)
def _exceptions() -> dict[str, frozenset[str]]:
    """Normalised body -> its equivalence group, from qa/data/departments.tsv."""
    table: dict[str, frozenset[str]] = {}
    for row in _data_lines("departments.tsv"):
        raw = frozenset(" ".join(row).split())
        group = frozenset(raw | {_normalise(name) for name in raw})
        for name in group:
            table[name] = table.get(name, frozenset()) | group
    return table


def _normalise(body: str) -> str:
    for pattern, replacement in BODY_RULES:
        body = re.sub(pattern, replacement, body)
    return body


def _normalise_text(text: str) -> str:
    """BODY_RULES applied anywhere in a free text, not only at a name's end."""
    for pattern, replacement in BODY_RULES:
        text = re.sub(pattern.removesuffix("$"), replacement, text)
    return text


def _abbreviation(body: str) -> str | None:
    """人力资源和社会保障局 -> 人社局, 发展改革委 -> 发改委, 工业和信息化局 -> 工信局; None for one component."""
    match = SUFFIX.search(body)
    if not match or match.start() < 2:
        return None
    stem, suffix = body[: match.start()], _normalise(match.group("suffix"))
    parts = [p for p in stem.split("和") if p] if "和" in stem else _jieba_words(stem)
    return "".join(p[0] for p in parts) + suffix if len(parts) > 1 else None


def _bodies(body: str, abbreviate: bool = True) -> set[str]:
    """A body, its normalised form, its abbreviation, the same as a 部门 (财政局 -> 财政部门), exceptions."""
    found = {body, _normalise(body)}
    if abbreviate:
        found |= {a for a in map(_abbreviation, list(found)) if a}
    found |= {SUFFIX.sub("部门", b) for b in list(found) if (m := SUFFIX.search(b)) and m.start() >= 2}
    for b in list(found):
        found |= _exceptions().get(b, frozenset())
    return found


@lru_cache(maxsize=4096)
def department_forms(name: str) -> frozenset[tuple[str, str]]:
    """(level, body) readings of a department name; level "" when the name has none. A name that starts
    with a level character is also read whole (市场监管局), but only abbreviated without its level."""
    name = name.removeprefix("各")
    match = LEVEL.match(name)
    forms = {("", b) for b in _bodies(name, abbreviate=match is None)}
    if match:
        forms |= {(match.group("level"), b) for b in _bodies(match.group("body"))}
    return frozenset(forms)


def same_department(a: str, b: str) -> bool:
    if a == b:
        return True
    levels: dict[str, set[str]] = defaultdict(set)
    for level, body in department_forms(a):
        levels[body].add(level)
    return any(body in levels and (not level or "" in levels[body] or level in levels[body])
               for level, body in department_forms(b))


def _level_of(name: str) -> str:
    match = LEVEL.match(name.removeprefix("各"))
    return match.group("level") if match else ""


def surface_names(name: str) -> set[str]:
    """Strings a text may use for the department: each reading with and without its level."""
    level = _level_of(name)
    bodies = {body for _, body in department_forms(name)}
    return {name, *bodies, *(f"{level}{b}" for b in bodies if level)}


def department_names(clauses: list[Clause]) -> list[str]:
    """Every department listed in any clause, in order of first appearance; the same department under
    another name (another document's 市人社局 for 市人力资源和社会保障局) is listed once, as first named."""
    return list(dict.fromkeys(_canonical(_listed_names(clauses)).values()))


def _listed_names(clauses: list[Clause]) -> list[str]:
    return list(dict.fromkeys(name for clause in clauses for name in clause.departments))


def _canonical(names: Iterable[str]) -> dict[str, str]:
    """Each name -> the first name in `names` that is the same department."""
    return dict(_canonical_pairs(tuple(names)))


@lru_cache(maxsize=64)
def _canonical_pairs(names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    firsts: list[str] = []
    pairs = []
    for name in names:
        first = next((f for f in firsts if same_department(name, f)), None)
        if first is None:
            firsts.append(name)
        pairs.append((name, first or name))
    return tuple(pairs)


def aliases(names: Iterable[str] | None = None) -> dict[str, str]:
    """Surface name -> the department name the documents use first, for `names` (default: the departments
    of the bundled corpus). Where one string fits several departments the first named keeps it."""
    return dict(_alias_pairs(_bundled_departments() if names is None else tuple(names)))


@lru_cache(maxsize=64)
def _alias_pairs(names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    table: dict[str, str] = {}
    for name, first in _canonical(names).items():
        for surface in sorted(surface_names(name)):
            table.setdefault(surface, first)
    return tuple(sorted(table.items(), key=lambda pair: -len(pair[0])))  # longest first, for resolving


@lru_cache(maxsize=1)
def _bundled_departments() -> tuple[str, ...]:
    return tuple(_listed_names(corpus_clauses(read_corpus(default_corpus()))))


def resolve_department(text: str, clauses: list[Clause]) -> str | None:
    """The listed department a text names (full name, alias or short form), longest match first. A short
    form preceded by another level ("市财政局" against a 区财政局) does not match."""
    table = aliases(_listed_names(clauses))  # longest surface first
    texts = dict.fromkeys([text, _normalise_text(text)])  # "市发展和改革委员会" is read as 市发展改革委 too
    for surface in table:
        matches = (m for t in texts for m in re.finditer(re.escape(surface), t))
        if any(not _other_level(m, table[surface]) for m in matches):
            return table[surface]
    return None


def _other_level(match: re.Match[str], name: str) -> bool:
    """A level-less form found right after another level: "财政局" in "市财政局" is not a 区财政局."""
    before, level = match.string[match.start() - 1:match.start()], _level_of(name)
    return bool(before and level) and before in LEVELS and before != level and match.group(0)[0] not in LEVELS


def duties(department: str, clauses: list[Clause]) -> list[Clause]:
    """Every clause whose responsible departments include `department` (under any of its names), in
    document order."""
    return [c for c in clauses if any(same_department(department, d) for d in c.departments)]


def duties_by_document(name: str, clauses: list[Clause]) -> list[tuple[str, str, list[Clause]]]:
    """(document, the department's name there, its clauses) for every document that names it."""
    out = []
    for doc in dict.fromkeys(c.doc for c in clauses):
        mine = [c for c in clauses if c.doc == doc]
        department = resolve_department(name, mine)
        if department:
            out.append((doc, department, duties(department, mine)))
    return out


def role(department: str, clause: Clause) -> str:
    """牵头 or 配合: the department's part in a clause (lead by convention when the list is plain)."""
    return "牵头" if any(same_department(department, d) for d in clause.lead) else "配合"


def duty_matrix(clauses: list[Clause]) -> tuple[list[str], list[Clause], list[list[bool]]]:
    """Departments × clauses-with-departments, for `qa duties` and the web app."""
    listed = [c for c in clauses if c.departments]
    names = department_names(clauses)
    return names, listed, [[any(same_department(name, d) for d in c.departments) for c in listed]
                           for name in names]


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
        if NOT_A_TARGET.search(DEADLINE.sub("", segment)):  # any year's deadline, not only 2025's
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
