"""Follow-up questions: what 「它的责任单位有哪些？」 or 「市财政局呢？」 means after the previous answer.

A conversation carries a `Context`: the structured facts of the previous answer (its question as answered, its
intent, its main clause and document, the department it was about, the departments it listed), not raw text.
`resolve` rewrites a follow-up into a question that stands on its own, by documented rules; the CLI (`qa chat`)
and the web app both go through `ask`, which answers the rewritten question and says how it read it
(「按上文理解为：（九）的责任单位有哪些？」), so a wrong guess is visible.

Whole-question rules: the question is nothing but a follow-up. First match wins.

| rule              | question                                              | rewritten as                                         | example |
|-------------------|-------------------------------------------------------|------------------------------------------------------|---------|
| more              | 还有呢 / 还有吗 / 其他呢 / 其他部门呢 / 别的呢 / 另外呢  | the previous question, 有什么 → 还有什么               | （十二）对专业教师有什么要求？ → 还有呢？ → （十二）对专业教师还有什么要求？ |
| detail            | 具体呢 / 具体内容呢 / 详细内容呢 / 全文呢 / 原文呢        | 「〈main clause〉的具体内容是什么？」                  | 具体内容呢？ → （十七）的具体内容是什么？ |
| swap clause       | [那]X呢, X a clause, part or article (its law may be named) | the previous question with its clause/article replaced by X; without one: 「X的责任单位有哪些？」 after a who-answer, else 「X讲了什么？」 | 职业教育法第十一条讲了什么？ → 第十二条呢？ → 职业教育法第十二条讲了什么？ |
| swap department   | [那]X呢, X a listed department (or its alias)           | after a duties question, that question with its department replaced by X; else 「X负责哪些工作？」 | 它的责任单位有哪些？ → 市财政局呢？ → 市财政局负责哪些工作？ |
| swap document     | [那]X[里/中]呢, X a document (title, 职教法, 本法, 实施方案) | the previous question with the document it named replaced by X; without one: X里 + the previous question | 方案里对学生实习有什么规定？ → 职业教育法里呢？ → 职业教育法对学生实习有什么规定？ |
| swap topic        | [那]X呢, X anything else (short, asking nothing itself), after a who / number / duties answer | 「谁负责X？」 / 「X要达到多少？」 / 「〈department〉在X方面负责哪些工作？」 | 谁负责退役军人培训？ → 残疾人呢？ → 谁负责残疾人？ |

Reference rules: words inside a question that point back; all that apply are replaced, in this order.

| rule              | words                                                   | replaced by                                       | needs          |
|-------------------|---------------------------------------------------------|---------------------------------------------------|----------------|
| ordinal unit      | 第N个单位 / 排第N的那个部门                               | the N-th department the previous answer listed    | a listed unit  |
| department        | 它 / 该部门 / 这个部门 / 该单位 / 这个单位 / 他们          | the department of the previous duties answer       | a department, and none named in the question |
| clause            | 它 / 这条 / 这一条 / 该条 / 本条 / 此条 / 这项工作 / 这项 / 该项 | the main clause: （九）, or 职业教育法第五十条 for an article | a main clause, and no clause, part or article named in the question |
| clause (mention)  | 上面说的 / 上面提到的 / 前面说的 / 上述 / 上文 / 上面       | 「〈main clause〉中的」                            | as above       |

A question that matches no rule stands on its own and is never rewritten. An article is named with its law
(职业教育法第五十条: article numbers repeat across laws), a clause with its label alone unless another document
has the same label. The main clause of an answer is the first clause its direct answer cites (for a duties
answer: the department's first clause in document order), else its first result; a declined answer has none.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from .answer import Answer, Assistant, QuestionError, clean_question, document_words, titled_clause
from .facts import aliases, department_names
from .index import word_bounds
from .intent import ARTICLE_REF, CLAUSE_REF, PART_REF, short_title
from .structure import Clause

MAX_HISTORY = 10  # the /ask API replays at most this many previous questions


@dataclass(frozen=True)
class Context:
    """What a follow-up may refer to: the previous answer's facts (empty at the start of a conversation)."""

    question: str = ""  # the previous question, as answered (after resolution)
    intent: str = ""  # clause | who | duties | number | general
    answer_type: str = ""  # the direct answer's type: units | duties | clause | target | passages | none
    doc: str = ""  # document of the main clause
    clause: str = ""  # label of the main clause: （九）, 第五十条
    clause_kind: str = ""  # "clause" (a policy's) | "article" (a statute's) | …
    department: str = ""  # the department a duties answer was about
    units: tuple[str, ...] = ()  # the departments the answer listed


@dataclass
class Resolution:
    question: str  # the question to answer
    rules: list[str] = field(default_factory=list)  # the rules that rewrote it; empty = stands on its own

    @property
    def changed(self) -> bool:
        return bool(self.rules)


END = r"[？?。！!~～\s]*$"
LEAD = r"^(?:那么|那|还有|再问一下|再问|再)?"
MORE = re.compile(rf"{LEAD}(?:还有|其他|其它|别的|另外|还有别的|还有其他的?|还有没有)(?:的|部门|单位|条款|内容|要求)?"
                  rf"(?:呢|吗|了吗|的吗)?{END}")
DETAIL = re.compile(rf"{LEAD}(?:具体|详细|具体内容|详细内容|全文|原文|具体的|详细的)(?:内容)?(?:呢|是什么|一下|说说|讲讲)?{END}")
SWAP = re.compile(rf"{LEAD}(?P<x>.+?)(?:里面|里|中|方面|的话|的)?呢{END}")
ORDINAL_UNIT = re.compile(r"排?(?:在)?第(?P<n>[一二三四五六七八九十\d]+)(?:个|位|名)?的?(?:那个|这个)?(?:单位|部门)")
DEPARTMENT_PRONOUN = re.compile(r"(?<!其)它(?!们)|该部门|这个部门|该单位|这个单位|他们")
CLAUSE_MENTION = re.compile(r"上面说的|上面提到的|前面说的|前面提到的|上述|上文|上面")
CLAUSE_PRONOUN = re.compile(r"(?<!其)它(?!们)|这一条|这条|该条|本条|此条|这项工作|这一项|这项|该项")
MORE_SLOT = re.compile(r"(?<!还)有(?=什么|哪些|啥)")
# A follow-up's X ("市财政局呢？") asks nothing itself: a question that does ("…分为哪几个层次呢？") stands alone.
ASKS = re.compile(r"什么|啥|哪|谁|多少|几|怎么|怎样|如何|吗|是否|能否|可否|为何|为什么|是不是|有没有|要不要|能不能")
MAX_SWAP_CHARS = 16
CN_DIGITS = "零一二三四五六七八九十"


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + CN_DIGITS.index(text[1])
    return CN_DIGITS.index(text[0]) * (10 if len(text) > 1 else 1) + (CN_DIGITS.index(text[2]) if len(text) > 2 else 0)


def references(text: str) -> list[re.Match]:
    """The clause, part and article references in a text (（九）, 第三部分, 第五十条)."""
    return [m for pattern in (ARTICLE_REF, CLAUSE_REF, PART_REF) for m in pattern.finditer(text)]


class Resolver:
    """Resolves follow-ups against the documents' clauses (for department names and clause labels)."""

    def __init__(self, clauses: list[Clause], kinds: dict[str, str]):
        self.clauses, self.kinds = clauses, kinds
        known = department_names(clauses)
        names = {name: name for name in known}
        names.update({a: c for a, c in aliases().items() if c in known})
        self._department_names = sorted(names, key=len, reverse=True)  # longest first: 市财政局 before 财政局

    # -- what a piece of text names

    def department_in(self, text: str) -> str | None:
        """The department name as written in `text` (full name or alias), longest first."""
        return next((name for name in self._department_names if name in text), None)

    def document_in(self, text: str) -> str | None:
        """The words that name a document in `text`, with a 里/中 after them (方案里, 职业教育法中)."""
        found = document_words(text, self.kinds)
        if not found:
            return None
        match = re.search(re.escape(found[0]) + "(?:里面|里|中)?", text)
        return match.group(0) if match else found[0]

    def reference(self, ctx: Context) -> str:
        """How to name the context's main clause inside a question."""
        if ctx.clause_kind == "article":
            return f"{short_title(ctx.doc)}{ctx.clause}"
        shared = any(c.label == ctx.clause and c.doc != ctx.doc for c in self.clauses)
        return f"{ctx.doc}{ctx.clause}" if shared else ctx.clause

    # -- the rules

    def resolve(self, question: str, ctx: Context | None) -> Resolution:
        """The question to answer; unchanged when there is no context or no rule applies."""
        if ctx is None or not ctx.question:
            return Resolution(question)
        for name, pattern, rewrite in self.whole_rules():
            if (match := pattern.match(question)) and (new := rewrite(match, ctx)):
                return Resolution(new, [name])
        rules: list[str] = []
        for name, rewrite in self.reference_rules():
            new = rewrite(question, ctx)
            if new and new != question:
                question = new
                rules.append(name)
        return Resolution(question, rules)

    def whole_rules(self) -> list[tuple[str, re.Pattern, Callable[[re.Match, Context], str | None]]]:
        return [("more", MORE, self._more), ("detail", DETAIL, self._detail), ("swap", SWAP, self._swap)]

    def reference_rules(self) -> list[tuple[str, Callable[[str, Context], str | None]]]:
        return [("ordinal unit", self._ordinal_unit), ("department", self._department_pronoun),
                ("clause", self._clause_pronoun)]

    def _more(self, match: re.Match, ctx: Context) -> str | None:
        return MORE_SLOT.sub("还有", ctx.question, count=1) if MORE_SLOT.search(ctx.question) else ctx.question

    def _detail(self, match: re.Match, ctx: Context) -> str | None:
        return f"{self.reference(ctx)}的具体内容是什么？" if ctx.clause else None

    def _swap(self, match: re.Match, ctx: Context) -> str | None:
        x = match.group("x").strip()
        if ASKS.search(x) or len(x) > MAX_SWAP_CHARS:
            return None
        if refs := references(x):
            return self._swap_clause(x, refs[0], ctx)
        if self.department_in(x):
            return self._swap_department(x, ctx)
        if self.document_in(x):
            return self._swap_document(x, ctx)
        return self._swap_topic(x, ctx)

    def _swap_clause(self, x: str, ref: re.Match, ctx: Context) -> str:
        doc_words = (x[:ref.start()] + x[ref.end():]).strip()
        old = references(ctx.question)
        if not old:
            template = "{}的责任单位有哪些？" if ctx.answer_type == "units" else "{}讲了什么？"
            return template.format(x)
        question = ctx.question[:old[0].start()] + ref.group(0) + ctx.question[old[0].end():]
        if doc_words:
            before = self.document_in(question)
            question = question.replace(before, doc_words, 1) if before else doc_words + question
        return question

    def _swap_department(self, x: str, ctx: Context) -> str:
        before = self.department_in(ctx.question)
        if before and ctx.intent == "duties":
            return ctx.question.replace(before, x, 1)
        return f"{x}负责哪些工作？"

    def _swap_document(self, x: str, ctx: Context) -> str:
        name = document_words(x, self.kinds)[0]
        before = self.document_in(ctx.question)
        if before:
            return ctx.question.replace(before, name, 1)
        return f"{name}里{ctx.question}"

    def _swap_topic(self, x: str, ctx: Context) -> str | None:
        templates = {"who": "谁负责{x}？", "number": "{x}要达到多少？"}
        if ctx.intent == "duties" and ctx.department:
            return f"{ctx.department}在{x}方面负责哪些工作？"
        return templates[ctx.intent].format(x=x) if ctx.intent in templates else None

    def _ordinal_unit(self, question: str, ctx: Context) -> str | None:
        match = ORDINAL_UNIT.search(question)
        if not match or not ctx.units:
            return None
        n = _number(match.group("n"))
        return question.replace(match.group(0), ctx.units[n - 1], 1) if 1 <= n <= len(ctx.units) else None

    def _department_pronoun(self, question: str, ctx: Context) -> str | None:
        if ctx.intent != "duties" or not ctx.department or self.department_in(question):
            return None
        return _replace_word(DEPARTMENT_PRONOUN, ctx.department, question)

    def _clause_pronoun(self, question: str, ctx: Context) -> str | None:
        # A question that names a clause itself, by label or by title ("提高职业教育治理水平这一条归谁负责？"),
        # points at that clause, not at the previous answer's.
        if not ctx.clause or references(question) or titled_clause(question, self.clauses):
            return None
        ref = self.reference(ctx)
        question = _replace_word(CLAUSE_MENTION, f"{ref}中的", question)
        return _replace_word(CLAUSE_PRONOUN, ref, question) if ref not in question else question


def _replace_word(pattern: re.Pattern, new: str, text: str) -> str:
    """`text` with the first match of `pattern` that is a word of its own replaced: "本条" is a pronoun, the
    same characters inside "基本条件" are not (word boundaries from jieba, as the lexical index cuts)."""
    bounds = word_bounds(text)
    for match in pattern.finditer(text):
        if match.start() in bounds and match.end() in bounds:
            return text[:match.start()] + new + text[match.end():]
    return text


# ------------------------------------------------------------------------------------- conversations


def context_of(answer: Answer) -> Context:
    """The facts of an answer a follow-up may refer to."""
    direct = answer.direct
    if direct is not None and direct.type == "none":
        main = None  # declined: nothing to refer back to
    elif direct is not None and direct.clauses:
        main = direct.clauses[0]
    else:
        main = answer.results[0].clause if answer.results else None
    units: list[str] = list(direct.units) if direct and direct.type == "units" else []
    if not units and main is not None and direct is not None and direct.type == "clause":
        units = list(main.departments)
    department = direct.units[0] if direct and direct.type == "duties" and direct.units else ""
    return Context(question=answer.resolved or answer.question, intent=answer.intent,
                   answer_type=direct.type if direct else "", doc=main.doc if main else "",
                   clause=main.label if main else "", clause_kind=main.kind if main else "",
                   department=department, units=tuple(units))


def resolver_of(assistant: Assistant) -> Resolver:
    """One resolver per Assistant and index generation (department names are computed once; an assistant
    that switched to a new index, see Assistant.use_index, gets a new one)."""
    cached = getattr(assistant, "_resolver", None)
    if cached is None or cached[0] is not assistant.index:
        cached = assistant._resolver = (assistant.index, Resolver(assistant.index.clauses, assistant.kinds))
    return cached[1]


def ask(assistant: Assistant, question: str, context: Context | None = None, k: int = 5,
        docs: set[str] | None = None, all_versions: bool = False) -> tuple[Answer, Context]:
    """Answer `question` in a conversation: resolve it against `context` (the previous answer's facts), answer
    the resolved question, and return the answer (with `resolved` set) and the context for the next one."""
    text, notes = clean_question(question)
    resolution = resolver_of(assistant).resolve(text, context)
    answer = assistant.ask(resolution.question, k=k, docs=docs, all_versions=all_versions)
    answer.question, answer.resolved = text, resolution.question
    if resolution.changed:
        notes.append(f"按上文理解为：{resolution.question}")
    answer.notes = notes + answer.notes
    return answer, context_of(answer)


def replay(assistant: Assistant, history: list[str], docs: set[str] | None = None) -> Context | None:
    """The context after the previous questions of a conversation (the /ask API's `history`), answered again
    in order: resolution is deterministic, so the same questions give the same context."""
    context = None
    for question in history[-MAX_HISTORY:]:
        try:
            _, context = ask(assistant, question, context, docs=docs)
        except QuestionError:
            continue  # an empty line in the history changes nothing
    return context

