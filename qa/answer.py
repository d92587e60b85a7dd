"""Answers: the cited clauses for a question, as JSON-ready data and as text.

`Assistant` is the one core the CLI and the web app share: it loads the model, opens (or rebuilds) the index
and answers questions. Everything shown to a user is the documents' own words.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .index import Index, open_index
from .model import load_embedder
from .search import Hit, Searcher
from .structure import Clause

MAX_QUESTION_CHARS = 500  # longer input is cut: the model reads 512 tokens and nobody asks that much
REPO = Path(__file__).resolve().parent.parent


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

    def to_dict(self) -> dict[str, Any]:
        c = self.clause
        return {
            "doc": c.doc, "path": c.path, "label": c.label, "title": c.title, "citation": c.citation,
            "text": c.text, "highlight": self.highlight, "units": self.units, "score": round(self.score, 6),
            "departments": c.departments, "departments_cut": c.departments_cut, "kind": c.kind,
        }


@dataclass
class Answer:
    question: str
    results: list[Result]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"question": self.question, "results": [r.to_dict() for r in self.results]}
        if self.notes:
            data["notes"] = self.notes
        return data


def clean_question(question: str) -> tuple[str, list[str]]:
    """Strip the question and cut it to MAX_QUESTION_CHARS; QuestionError when nothing is left to ask."""
    text = " ".join((question or "").split())
    if not text:
        raise QuestionError("问题不能为空，请输入要查询的内容")
    notes = []
    if len(text) > MAX_QUESTION_CHARS:
        text = text[:MAX_QUESTION_CHARS]
        notes.append(f"问题过长，只使用了前 {MAX_QUESTION_CHARS} 个字")
    return text, notes


def result_of(index: Index, hit: Hit) -> Result:
    units = [{"index": s.index, "text": s.text, "score": round(s.score, 6)} for s in hit.sentences[:3]]
    return Result(index.clauses[hit.clause], hit.score, hit.highlight, units)


class Assistant:
    """Model + index + search, loaded once; `ask` answers one question."""

    def __init__(self, index_dir: Path | None = None, corpus: Path | None = None, model: str | None = None,
                 mode: str = "hybrid", rebuild: bool = True, progress: bool = True, say: Any = None,
                 embedder: Any = None):
        self.embedder = embedder or load_embedder(model)
        self.index = open_index(index_dir or default_index(), corpus or default_corpus(), self.embedder,
                                rebuild=rebuild, progress=progress, say=say)
        self.searcher = Searcher(self.index, self.embedder, mode=mode)

    def ask(self, question: str, k: int = 5) -> Answer:
        text, notes = clean_question(question)
        hits = self.searcher.search(text, k=k)
        return Answer(text, [result_of(self.index, h) for h in hits], notes)


def render_text(answer: Answer) -> str:
    """Plain-text rendering for the terminal: each cited clause with its highlighted sentence."""
    lines = [f"问题：{answer.question}", *[f"（{n}）" for n in answer.notes]]
    if not answer.results:
        lines.append("文件中未找到相关内容。")
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
