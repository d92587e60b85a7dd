"""Answers: the cited clauses for a question, as JSON-ready data and as text.

`Assistant` is the one core the CLI and the web app share: it loads the model, opens (or rebuilds) the index
and answers questions. Everything shown to a user is the documents' own words.
"""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .facts import TARGET, Target, duties, extract_targets, resolve_department
from .index import Index, open_index
from .intent import Intent, asks_departments, classify, documents_named
from .model import load_embedder
from .search import Hit, Searcher
from .structure import Clause

MAX_QUESTION_CHARS = 500  # longer input is cut: the model reads 512 tokens and nobody asks that much
REPO = Path(__file__).resolve().parent.parent
NOT_FOUND = "文件中未找到相关内容"
# A question whose topic words are covered below this share (Searcher.coverage) is declined as not in the
# documents; calibrated on the tune and dev splits of eval/questions.jsonl with
# `qa eval --split tune,dev --calibrate` (fewest errors; eval/RESULTS.md).
COVERAGE_MIN = 0.367
WHO_MIN = 0.8  # 由谁实施: a department list answers only when its clause scores this close to the first result
BOTH_STRONG = 0.97  # a second clause whose fused score is this close to the first is also "responsible"
NUMBER_SENTENCE_RATIO = 0.9  # a sentence with a number beats the best sentence if it scores this close


class QuestionError(Exception):
    """The question cannot be answered as given; the message says why (Chinese)."""


def default_corpus() -> Path:
    return Path(os.environ.get("QA_CORPUS") or REPO / "corpus")


def default_index() -> Path:
    return Path(os.environ.get("QA_INDEX") or REPO / "index")


@dataclass
class Result:
    clause: Clause
    score: float
    highlight: list[str]
    units: list[dict[str, Any]]  # the clause's sentences ranked for this question: text, position, score
    weak: bool = False  # shown as a nearest match only: the question seems not to be in the documents

    def to_dict(self) -> dict[str, Any]:
        c = self.clause
        return {
            "doc": c.doc, "path": c.path, "label": c.label, "title": c.title, "citation": c.citation,
            "text": c.text, "highlight": self.highlight, "units": self.units, "score": round(self.score, 6),
            "departments": c.departments, "departments_cut": c.departments_cut, "kind": c.kind, "weak": self.weak,
        }


def clause_ref(clause: Clause) -> dict[str, Any]:
    return {"label": clause.label, "title": clause.title, "citation": clause.citation,
            "departments": clause.departments, "departments_cut": clause.departments_cut}


@dataclass
class Direct:
    """The direct answer built from the text: who is responsible, a department's duties, a target, …"""

    type: str  # "units" | "duties" | "target" | "clause" | "none" | "passages"
    text: str
    units: list[str] = field(default_factory=list)  # responsible departments (type "units")
    clauses: list[Clause] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "text": self.text, "units": self.units,
                "clauses": [clause_ref(c) for c in self.clauses], "targets": [t.to_dict() for t in self.targets]}


@dataclass
class Answer:
    question: str
    results: list[Result]
    direct: Direct | None = None
    intent: str = "general"
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"question": self.question, "intent": self.intent, "results": [r.to_dict() for r in self.results]}
        if self.direct:
            data["answer"] = self.direct.to_dict()
        if self.notes:
            data["notes"] = self.notes
        return data


def clean_question(question: str) -> tuple[str, list[str]]:
    """Strip the question, cut it to MAX_QUESTION_CHARS and write traditional characters as simplified (the
    documents' script); QuestionError when nothing is left to ask."""
    text = " ".join((question or "").split())
    if not text:
        raise QuestionError("问题不能为空，请输入要查询的内容")
    if not any(ch.isalnum() for ch in text):
        raise QuestionError("问题中没有可检索的文字，请用文字描述要查询的内容")
    notes = []
    if len(text) > MAX_QUESTION_CHARS:
        text = text[:MAX_QUESTION_CHARS]
        notes.append(f"问题过长，只使用了前 {MAX_QUESTION_CHARS} 个字")
    simplified = _to_simplified(text)
    if simplified != text:
        notes.append("问题中的繁体字已按简体检索")
    return simplified, notes


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def _to_simplified(text: str) -> str:
    return _converter().convert(text)


def result_of(index: Index, hit: Hit, weak: bool = False) -> Result:
    units = [{"index": s.index, "text": s.text, "score": round(s.score, 6)} for s in hit.sentences[:3]]
    return Result(index.clauses[hit.clause], hit.score, hit.highlight, units, weak)


def department_sentence(clause: Clause) -> str | None:
    return next((s for s in clause.sentences if "责任单位" in s), None)


def lead_with(result: Result, sentence: str | None) -> None:
    """Make `sentence` the first highlighted sentence of a result (the rest keep their order)."""
    if sentence:
        result.highlight = [sentence] + [s for s in result.highlight if s != sentence]


class Assistant:
    """Model + index + search, loaded once; `ask` answers one question."""

    def __init__(self, index_dir: Path | None = None, corpus: Path | None = None, model: str | None = None,
                 mode: str = "hybrid", rebuild: bool = True, progress: bool = True, say: Any = None,
                 embedder: Any = None):
        self.embedder = embedder or load_embedder(model)
        self.mode = mode
        self.use_index(open_index(Path(index_dir or default_index()), Path(corpus or default_corpus()),
                                  self.embedder, rebuild=rebuild, progress=progress, say=say))

    def use_index(self, index: Index) -> None:
        """Answer from `index`; everything derived from the documents is derived again."""
        self.index = index
        self.searcher = Searcher(self.index, self.embedder, mode=self.mode)
        self.targets = extract_targets(self.index.clauses)
        # document title -> "statute" | "policy" | "other": what "本法" and "这个方案" refer to
        kind_of = {"article": "statute", "clause": "policy"}
        self.kinds = {c.doc: "other" for c in self.index.clauses}
        for clause in self.index.clauses:
            if self.kinds[clause.doc] == "other":
                self.kinds[clause.doc] = kind_of.get(clause.kind, "other")

    def with_index(self, index: Index) -> Assistant:
        """A copy of this assistant over another index generation, sharing the model: the web app swaps
        to it in one assignment when a document was added or removed, so a question in progress finishes
        on the index it started with."""
        other = copy.copy(self)
        other.use_index(index)
        return other

    def ask(self, question: str, k: int = 5, docs: set[str] | None = None) -> Answer:
        """Answer one question; `docs` limits the answer to those documents (titles)."""
        text, notes = clean_question(question)
        docs = self._scope(text, docs, notes)
        clauses = [c for c in self.index.clauses if docs is None or c.doc in docs]
        intent = self.intent_of(text, clauses)
        if intent.kind == "clause":
            found = lookup(clauses, intent)
            if found:
                return self._clause_answer(text, found, notes)
            notes.append("未找到问题中指定的条款，以下为检索结果")
        if intent.kind == "duties":
            return self._duties_answer(text, duties(intent.department, clauses), intent.department, notes)
        hits = self.searcher.search(text, k=k, docs=docs)
        weak = not hits or self.searcher.coverage(text) < COVERAGE_MIN
        results = [result_of(self.index, h, weak) for h in hits]
        answer = Answer(text, results, intent=intent.kind, notes=notes)
        if weak:
            answer.direct = Direct("none", NOT_FOUND)
        elif intent.kind == "who" and (direct := self._who(text, results)):
            answer.direct = direct  # the clauses whose 责任单位 answer the question lead the list
            answer.results = [r for r in results if r.clause in direct.clauses] + \
                [r for r in results if r.clause not in direct.clauses]
        elif intent.kind == "number":
            answer.direct = self._number(results, hits)
        else:  # general questions, and who-questions the clauses list no 责任单位 for (a law article says it)
            answer.direct = Direct("passages", results[0].highlight[0] if results[0].highlight else "",
                                   clauses=[results[0].clause])
        return answer

    def _scope(self, text: str, docs: set[str] | None, notes: list[str]) -> set[str] | None:
        """The documents to search: those the question names ("职教法", "这个方案") within `docs`; `docs` when
        it names none of them."""
        named = documents_named(text, self.kinds)
        if docs is not None:
            named &= docs
        if not named:
            return docs
        if len(named) == 1 and len(self.kinds) > 1:
            notes.append(f"问题提到《{next(iter(named))}》，只在其中查找")
        return named

    def intent_of(self, text: str, clauses: list[Clause] | None = None) -> Intent:
        clauses = self.index.clauses if clauses is None else clauses
        return classify(text, resolve_department(text, clauses))

    # -- direct answers

    def _who(self, question: str, results: list[Result]) -> Direct | None:
        # A clause with a 责任单位 list answers from the first three. A question that does not ask for
        # departments ("残疾人职业教育由谁实施？") takes it only when it scores close to the first result: where an
        # article without a list is far ahead, the law's own words answer.
        floor = 0.0 if asks_departments(question) else WHO_MIN * results[0].score
        listed = [r for r in results[:3] if r.clause.departments and r.score >= floor]
        if not listed:
            return None
        chosen = [listed[0]] + [r for r in listed[1:2] if r.score >= BOTH_STRONG * listed[0].score]
        for result in chosen:
            lead_with(result, department_sentence(result.clause))
        lines = [f"{r.clause.label}{r.clause.title}：{'、'.join(r.clause.departments)}" for r in chosen]
        return Direct("units", "\n".join(lines), units=list(chosen[0].clause.departments),
                      clauses=[r.clause for r in chosen])

    def _number(self, results: list[Result], hits: list[Hit]) -> Direct:
        best, hit = results[0], hits[0]
        numbered = [s for s in hit.sentences if TARGET.search(s.text)]
        if numbered and numbered[0].score >= NUMBER_SENTENCE_RATIO * hit.sentences[0].score:
            lead_with(best, numbered[0].text)
        sentence = best.highlight[0] if best.highlight else ""
        targets = [t for t in self.targets if t.sentence == sentence and t.citation == best.clause.citation]
        return Direct("target" if targets else "passages", sentence, clauses=[best.clause], targets=targets)

    def _duties_answer(self, text: str, clauses: list[Clause], department: str, notes: list[str]) -> Answer:
        """All of the department's clauses (from the parsed lists); the cards most relevant to the question
        first, so "市发展改革委在学校升格方面负责什么？" leads with (六)."""
        relevance = {id(self.index.clauses[c]): score for c, score in self.searcher.relevance(text).items()}
        ranked = sorted(clauses, key=lambda c: -relevance.get(id(c), 0.0))
        results = [Result(c, relevance.get(id(c), 0.0), [department_sentence(c) or c.sentences[0]], [])
                   for c in ranked]
        lines = [f"{c.label}{c.title}" for c in clauses]
        direct = Direct("duties", f"{department}是以下 {len(clauses)} 项工作的责任单位：" + "；".join(lines),
                        units=[department], clauses=clauses)
        return Answer(text, results, direct, intent="duties", notes=notes)

    def _clause_answer(self, text: str, clauses: list[Clause], notes: list[str]) -> Answer:
        results = [Result(c, 1.0, c.sentences[:1], []) for c in clauses]
        direct = Direct("clause", "；".join(c.citation for c in clauses), clauses=clauses)
        return Answer(text, results, direct, intent="clause", notes=notes)


def lookup(clauses: list[Clause], intent: Intent) -> list[Clause]:
    """Clauses a question names: a clause label, a part of a policy, or a law article (in the documents the
    question is scoped to, see Assistant._scope)."""
    if intent.article:
        return [c for c in clauses if c.kind == "article" and c.label == intent.article]
    if intent.clause:
        return [c for c in clauses if c.kind == "clause" and c.label == intent.clause]
    return [c for c in clauses if c.kind == "clause" and c.path and c.path[0].startswith(f"{intent.part}、")]


def render_text(answer: Answer) -> str:
    """Plain-text rendering for the terminal: each cited clause with its highlighted sentence."""
    lines = [f"问题：{answer.question}", *[f"（{n}）" for n in answer.notes]]
    if answer.direct and answer.direct.type != "passages":
        lines += ["", f"答：{answer.direct.text}"]
    if answer.direct and answer.direct.type == "none" and answer.results:
        lines.append("以下为最接近的条款（相关度低，仅供参考）：")
    if not answer.results:
        lines.append(f"{NOT_FOUND}。")
    for rank, result in enumerate(answer.results, start=1):
        c = result.clause
        lines.append("")
        lines.append(f"[{rank}] {c.citation}  (相关度 {result.score:.3f})")
        for sentence in result.highlight:
            lines.append(f"  ▶ {sentence}")
        if c.departments:
            cut = "（原文此处截断，列表不完整）" if c.departments_cut else ""
            lines.append(f"  责任单位：{'、'.join(c.departments)}{cut}")
        elif c.departments_cut:
            lines.append("  责任单位：原文此处截断")
    return "\n".join(lines)
