"""Answers: the cited clauses for a question, as JSON-ready data and as text.

`Assistant` is the one core the CLI and the web app share: it loads the model, opens (or rebuilds) the index
and answers questions. Everything shown to a user is the documents' own words.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .classifier import OUT_OF_SCOPE, QuestionClassifier, load_classifier, route
from .facts import TARGET, Target, duties, extract_targets, resolve_department
from .index import Index, open_index
from .intent import (ARTICLE_REF, CLAUSE_REF, KIND_REFERENCE, LAW_NAME, NUMBER, OVERVIEW, PART_REF, WHO, Intent,
                     asks_departments, classify, documents_named, short_title)
from .metadata import mark_superseded, version_label, versions_named
from .model import load_embedder
from .normalise import normalise
from .paths import default_corpus, default_index
from .ranking import LEVEL_WORDS, title_match
from .search import Hit, Searcher, content_terms, lexical_query
from .structure import Clause

MAX_QUESTION_CHARS = 500  # longer input is cut: the model reads 512 tokens and nobody asks that much
NOT_FOUND = "文件中未找到相关内容"
# Decline rule: a logistic model over the question classifier's out-of-scope probability and the search's
# signals (Searcher.signals: topic-word coverage, best dense cosine and its z-score among the question's
# cosines, best BM25 per topic word, idf of the rarest topic word the documents never use), fitted and given
# its threshold by cross-validation on the fitting questions by `eval/learn_decline.py` (qa.evaluation.calibrate;
# qa/data/decline.json holds one model per feature set available: with the classifier, and without it for a
# model the classifier was not fitted on; figures in eval/RESULTS.md).
COVERAGE_MIN = 0.367  # the former rule (coverage alone), kept for comparison in qa.evaluation.calibrate
WHO_MIN = 0.8  # 由谁实施: a department list answers only when its clause scores this close to the first result
BOTH_STRONG = 0.97  # a second clause whose fused score is this close to the first is also "responsible"
NUMBER_SENTENCE_RATIO = 0.9  # a sentence with a number beats the best sentence if it scores this close
# A question names a clause by its title ("总体目标是什么", "总目标" too) when it contains this share of the
# characters of a title of at least TITLE_MIN_CHARS, in order: that clause leads.
TITLE_NAMED = 0.75
TITLE_MIN_CHARS = 4
# Words that refer to a document as a whole, not to a topic in it (an overview question may use them).
DOCUMENT_WORDS = set("方案 文件 政策 这份 整个 全文 部分 内容 实施 规定 条例 法律 法条 本法 这部".split())


@lru_cache(maxsize=1)
def decline_models() -> list[dict[str, Any]]:
    return json.loads(resources.files("qa").joinpath("data", "decline.json").read_text(encoding="utf-8"))["models"]


def decline_model(signals: dict[str, float]) -> dict[str, Any]:
    """The first shipped decline model whose features the signals have (the classifier's probability is
    absent when the classifier was not fitted on the model in use)."""
    return next(m for m in decline_models() if set(m["features"]) <= set(signals))


def out_of_scope_probability(signals: dict[str, float], model: dict[str, Any] | None = None) -> float:
    """The decline model's probability that the documents do not speak of the question."""
    model = model or decline_model(signals)
    x = (np.array([signals[f] for f in model["features"]]) - model["mean"]) / model["scale"]
    return float(1 / (1 + np.exp(-(x @ np.array(model["coef"]) + model["intercept"]))))


def declines(signals: dict[str, float], model: dict[str, Any] | None = None) -> bool:
    model = model or decline_model(signals)
    return out_of_scope_probability(signals, model) >= model["threshold"]


class QuestionError(Exception):
    """The question cannot be answered as given; the message says why (Chinese)."""


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
            "version": c.version, "superseded": c.superseded,
        }


def clause_ref(clause: Clause) -> dict[str, Any]:
    return {"label": clause.label, "title": clause.title, "citation": clause.citation,
            "departments": clause.departments, "departments_cut": clause.departments_cut}


@dataclass
class Direct:
    """The direct answer built from the text: who is responsible, a department's duties, a target, …"""

    type: str  # "units" | "duties" | "target" | "clause" | "outline" | "none" | "passages"
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
    signals: dict[str, float] = field(default_factory=dict)  # the decline rule's inputs (search answers only)
    resolved: str = ""  # in a conversation: the question as answered, follow-ups resolved (qa/conversation.py)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"question": self.question, "intent": self.intent, "results": [r.to_dict() for r in self.results]}
        if self.resolved:
            data["resolved"] = self.resolved
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
    text = normalise(text)  # radical code points pasted from a PDF (⼈⺠政府) as the ideographs
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
                 embedder: Any = None, classifier: bool = True):
        self.embedder = embedder or load_embedder(model)
        self.mode = mode
        # the learned question classifier, when it was fitted on this model's embeddings (else the rules)
        self.classifier: QuestionClassifier | None = load_classifier(self.embedder.fingerprint) if classifier else None
        self.use_index(open_index(Path(index_dir or default_index()), Path(corpus or default_corpus()),
                                  self.embedder, rebuild=rebuild, progress=progress, say=say))

    def use_index(self, index: Index) -> None:
        """Answer from `index`; everything derived from the documents is derived again."""
        self.index = index
        self.searcher = Searcher(self.index, self.embedder, mode=self.mode)
        # Versions: (title, version) of every document, in index order; older ones are left out of search
        # unless a question names their year or all versions are asked for (see _scope).
        self.old = mark_superseded(self.index.clauses)
        self.versions = list(dict.fromkeys((c.doc, c.version) for c in self.index.clauses))
        self.labels: dict[str, list[tuple[str, str]]] = {}  # document filter label -> versions it names
        for pair in self.versions:
            self.labels.setdefault(version_label(*pair, pair in self.old), []).append(pair)
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

    def ask(self, question: str, k: int = 5, docs: set[str] | None = None, all_versions: bool = False) -> Answer:
        """Answer one question; `docs` limits the answer to those documents (labels of `document_labels`: a
        title names its current version); `all_versions` searches older versions of a title too."""
        text, notes = clean_question(question)
        titles, versions = self._scope(text, docs, all_versions, notes)
        clauses = [c for c in self.index.clauses if (titles is None or c.doc in titles)
                   and (versions is None or (c.doc, c.version) in versions)]
        intent, kinds = self.understand(text, clauses)
        if intent.kind == "clause":
            found = lookup(clauses, intent)
            if found:
                return self._clause_answer(text, found, notes)
            notes.append("未找到问题中指定的条款，以下为检索结果")
        if intent.kind == "duties":
            return self._duties_answer(text, duties(intent.department, clauses), intent.department, notes)
        if intent.kind == "overview":
            if self.asks_outline(text, clauses):
                return self._outline_answer(text, titles, clauses, k, notes)
            intent = Intent("general")  # "企业参与有哪几个方面": a topic, not the whole document
        hits, signals = self.searcher.search_with_signals(self.topic_of(text), k=k, docs=titles, versions=versions)
        if kinds:
            signals[OUT_OF_SCOPE] = kinds[OUT_OF_SCOPE]
        weak = not hits or declines(signals)
        results = [result_of(self.index, h, weak) for h in hits]
        if results and (titled := titled_clause(text, clauses)):
            results = lead_clause(results, titled)
        answer = Answer(text, results, intent=intent.kind, notes=notes, signals=signals)
        if weak:
            answer.direct = Direct("none", declined_text(results))
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

    def topic_of(self, text: str) -> str:
        """What a question asks, without the words that name its document: the name selects the document
        (see _scope) and the rest ranks inside it. Left in, a law's name matches most of its articles
        (「职业教育法什么时候开始施行？」 put 第三条 first over all laws, not the article on 施行)."""
        rest = text
        for words in document_words(text, self.kinds):
            rest = rest.replace(words, " ")
        return " ".join(rest.split()) if content_terms(rest) else text

    def asks_outline(self, text: str, clauses: list[Clause]) -> bool:
        """Whether an overview question is answered by the outline: not when it names a clause by its title
        (「这个方案的总体目标是什么」 asks for （二）总体目标), and under the rule tables not when it names a topic
        besides the document (the classifier has learned "企业参与有哪几个方面" from "方案有哪几个方面")."""
        if titled_clause(text, clauses):
            return False
        return self.classifier is not None or not self.topic_left(text)

    def topic_left(self, text: str) -> list[str]:
        """The topic words of an overview question besides the overview words, the names of documents and
        levels (市里), and words the documents never use ("这个方案的主要内容" -> [], "企业参与有哪几个方面" ->
        ["企业", "参与"])."""
        rest = OVERVIEW.sub(" ", text)
        for pattern in [*KIND_REFERENCE.values(), *(p for _, p in LEVEL_WORDS)]:  # 这个方案, 市里: documents
            rest = pattern.sub(" ", rest)
        for title in self.kinds:
            rest = rest.replace(title, " ").replace(short_title(title), " ")
        vocabulary = self.index.bm25_clauses.vocab_dict  # a word the documents never use names no topic of theirs
        return [t for t in content_terms(rest) if t in vocabulary and t not in DOCUMENT_WORDS
                and not any(is_subsequence(t, title) for title in self.kinds)]

    def document_labels(self) -> list[str]:
        """The documents as the filter names them: the current version by its title, an older one as
        "title（1996-05-15，已修订）" (two versions of one title are never merged)."""
        return list(self.labels)

    def _scope(self, text: str, docs: set[str] | None, all_versions: bool, notes: list[str]
               ) -> tuple[set[str] | None, set[tuple[str, str]] | None]:
        """What to search: (document titles, None for all; (title, version) pairs, None for all).

        Documents: those `docs` names (labels of `document_labels`), narrowed to those the question names
        ("职教法", "这个方案"). Versions: the current one of each title, an older one when `all_versions`, when
        chosen by its label, or when the question names its year ("1996年的职业教育法"). The two are kept apart
        because search treats them differently: versions left out are dropped before the fusion (as if not
        indexed), a document limit is applied after it (see Searcher.search)."""
        explicit = {pair for label in docs or () for pair in self.labels.get(label, []) if pair in self.old}
        if docs is None:
            chosen = set(self.versions)
        else:
            plain = {label for label in docs if not any(pair in self.old for pair in self.labels.get(label, []))}
            chosen = explicit | {pair for pair in self.versions if pair[0] in plain}
        if not all_versions:
            chosen = {pair for pair in chosen if pair not in self.old or pair in explicit}
        chosen_titles = {title for title, _ in chosen}
        titles = None if docs is None else chosen_titles | {label for label in docs if label not in self.labels}
        named = documents_named(text, self.kinds) & chosen_titles
        if named:
            if len(named) == 1 and len(self.kinds) > 1:
                notes.append(f"问题提到《{next(iter(named))}》，只在其中查找")
            titles = named
        for title, version in versions_named(text, self.versions).items():
            if title in chosen_titles:
                chosen = {pair for pair in chosen if pair[0] != title} | {(title, version)}
                if (title, version) in self.old:
                    notes.append(f"问题提到 {version[:4]} 年，按《{title}》{version} 的版本（已修订）回答")
        # other titles keep their default versions: the version filter never limits the documents
        allowed = chosen | {pair for pair in self.versions
                            if pair[0] not in chosen_titles and (all_versions or pair not in self.old)}
        return titles, (None if allowed == set(self.versions) else allowed)

    def intent_of(self, text: str, clauses: list[Clause] | None = None) -> Intent:
        return self.understand(text, clauses)[0]

    def understand(self, text: str, clauses: list[Clause] | None = None) -> tuple[Intent, dict[str, float]]:
        """The intent the answer follows, and the classifier's probability of each kind ({} without one: the
        rule tables of qa/intent.py decide)."""
        clauses = self.index.clauses if clauses is None else clauses
        department = resolve_department(text, clauses)
        if self.classifier is None:
            return classify(text, department), {}
        kinds = self.classifier.kind_probabilities(text, self.embedder)
        return route(text, kinds, department), kinds

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
        best = results[0]
        hit = next((h for h in hits if self.index.clauses[h.clause] is best.clause), None)  # None: led by title
        numbered = [s for s in hit.sentences if TARGET.search(s.text)] if hit else []
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

    def _outline_answer(self, text: str, docs: set[str] | None, clauses: list[Clause], k: int, notes: list[str]
                        ) -> Answer:
        """The parts and clause titles of the documents the question names; of the policy documents when it
        names none (方案: the documents that have parts and clauses), else of every document. `clauses`: those
        in scope (one version of each title)."""
        titles = sorted(docs) if docs else [t for t, kind in self.kinds.items() if kind == "policy"] or list(self.kinds)
        blocks = [outline(title, [c for c in clauses if c.doc == title]) for title in titles]
        heads = [c for title in titles for c in part_heads([c for c in clauses if c.doc == title])]
        results = [Result(c, 1.0, c.sentences[:1], []) for c in heads[:k]]
        direct = Direct("outline", "\n\n".join(blocks), clauses=heads)
        return Answer(text, results, direct, intent="overview", notes=notes)

    def _clause_answer(self, text: str, clauses: list[Clause], notes: list[str]) -> Answer:
        if asked := self._within_clauses(text, clauses, notes):
            return asked
        results = [Result(c, 1.0, c.sentences[:1], []) for c in clauses]
        direct = Direct("clause", "；".join(c.citation for c in clauses), clauses=clauses)
        return Answer(text, results, direct, intent="clause", notes=notes)


    def _within_clauses(self, text: str, clauses: list[Clause], notes: list[str]) -> Answer | None:
        """A question that names a clause and asks something of it (「（九）的责任单位有哪些？」, 「第五十条中实习协议
        什么情况下要签？」) is answered from that clause: its 责任单位, its number, its best sentence. None when the
        question asks for the clause itself (「（九）讲了什么？」)."""
        rest = text
        for pattern in (ARTICLE_REF, CLAUSE_REF, PART_REF, CLAUSE_ITSELF):
            rest = pattern.sub(" ", rest)
        for words in document_words(rest, self.kinds):
            rest = rest.replace(words, " ")
        if WHO.search(rest) and any(c.departments for c in clauses):
            listed = [c for c in clauses if c.departments]
            lines = [f"{c.label}{c.title}：{'、'.join(c.departments)}" for c in listed]
            results = [Result(c, 1.0, [department_sentence(c) or c.sentences[0]], []) for c in listed]
            return Answer(text, results, Direct("units", "\n".join(lines), units=list(listed[0].departments),
                                                clauses=listed), intent="who", notes=notes)
        topic = [t for t in content_terms(rest) if t not in NOT_TOPICS]
        if not topic:
            return None
        wanted = {id(c) for c in clauses}
        scope = {c.doc for c in clauses}
        hits = [h for h in self.searcher.search(rest, k=sum(c.doc in scope for c in self.index.clauses), docs=scope)
                if id(self.index.clauses[h.clause]) in wanted]
        if not hits:
            return None
        results = [result_of(self.index, h) for h in hits]
        if NUMBER.search(rest):
            return Answer(text, results, self._number(results, hits), intent="number", notes=notes)
        direct = Direct("passages", results[0].highlight[0] if results[0].highlight else "", clauses=[results[0].clause])
        return Answer(text, results, direct, intent="general", notes=notes)


# Words that ask for a clause as a whole (「（九）讲了什么？」) rather than for something in it.
CLAUSE_ITSELF = re.compile(r"(?:讲|说|写|规定)(?:了|的)?(?:什么|啥|哪些)|是关于什么的?|关于什么|(?:具体|主要|详细)?内容|具体|详细|全文|原文")
NOT_TOPICS = {"方案", "文件", "条款", "法律", "法条", "这条", "一条", "部分"}


def document_words(text: str, kinds: dict[str, str]) -> list[str]:
    """The words in `text` that name a document (see intent.documents_named), longest first: a title, a short
    title, an abbreviation (职教法), a kind (本法, 这个方案)."""
    spans = [n for t in kinds for n in (t, short_title(t)) if len(n) >= 3 and n in text]
    spans += [m.group(0) for pattern in KIND_REFERENCE.values() for m in pattern.finditer(text)]
    for match in LAW_NAME.finditer(text):  # an abbreviation: the shortest tail that names a law (职教法)
        word = match.group(0)
        spans += [w for w in (word[i:] for i in range(len(word) - 2)) if documents_named(w, kinds)][-1:]
    return sorted(set(spans), key=len, reverse=True)


def lookup(clauses: list[Clause], intent: Intent) -> list[Clause]:
    """Clauses a question names: a clause label, a part of a policy, or a law article (in the documents the
    question is scoped to, see Assistant._scope)."""
    if intent.article:
        return [c for c in clauses if c.kind == "article" and c.label == intent.article]
    if intent.clause:
        return [c for c in clauses if c.kind == "clause" and c.label == intent.clause]
    return [c for c in clauses if c.kind == "clause" and c.path and c.path[0].startswith(f"{intent.part}、")]


def is_subsequence(word: str, text: str) -> bool:
    """"职教" is in "职业教育…" with characters in between."""
    rest = iter(text)
    return all(ch in rest for ch in word)


def titled_clause(question: str, clauses: list[Clause]) -> Clause | None:
    """The one policy clause whose title the question names (TITLE_NAMED), if exactly one is named best."""
    text = lexical_query(question).replace(" ", "")
    scored = [(title_match(text, c.title), c) for c in clauses
              if c.kind == "clause" and len(c.title) >= TITLE_MIN_CHARS]
    scored = sorted([(v, c) for v, c in scored if v >= TITLE_NAMED], key=lambda x: -x[0])
    if not scored or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]


def lead_clause(results: list[Result], clause: Clause) -> list[Result]:
    """`clause` first; taken from the results when it is among them (its ranked sentences kept)."""
    found = next((r for r in results if r.clause is clause), None)
    if found is None:
        found = Result(clause, results[0].score, clause.sentences[:1], [], results[0].weak)
    found.score = max(found.score, results[0].score)  # scores stay in the order shown
    return [found] + [r for r in results if r is not found][:len(results) - 1]


def part_heads(clauses: list[Clause]) -> list[Clause]:
    """The first clause under each part (or chapter) of a document, in order."""
    seen: set[str] = set()
    heads = []
    for clause in clauses:
        part = clause.path[0] if clause.path else ""
        if part and part not in seen:
            seen.add(part)
            heads.append(clause)
    return heads


def outline(title: str, clauses: list[Clause]) -> str:
    """A document's outline as text: each part with its clauses' titles (policy), or each chapter with its
    article range (statute); a document without parts lists its clauses."""
    parts: dict[str, list[Clause]] = {}
    for clause in clauses:
        if clause.kind in ("clause", "article", "paragraph", "heading"):
            parts.setdefault(clause.path[0] if clause.path else "", []).append(clause)
    lines = [f"《{title}》分为 {len(parts)} 个部分：" if "" not in parts else f"《{title}》的内容："]
    for part, own in parts.items():
        if own[0].kind == "article":
            span = own[0].label if len(own) == 1 else f"{own[0].label}至{own[-1].label}"
            lines.append(f"{part}（{span}）")
        else:
            items = "；".join(f"{c.label}{c.title}" for c in own)
            lines.append(f"{part}：{items}" if part else items)
    return "\n".join(lines)


def declined_text(results: list[Result], shown: int = 2) -> str:
    """「未找到」, and what the documents do say nearby: the titles of the nearest clauses (shown as weak)."""
    near = list(dict.fromkeys(r.clause.label + r.clause.title if r.clause.kind == "clause"
                              else f"《{short_title(r.clause.doc)}》{r.clause.label}{r.clause.title}"
                              for r in results[:shown]))
    return f"{NOT_FOUND}；文件中相近的内容有：{'、'.join(near)}" if near else NOT_FOUND


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
