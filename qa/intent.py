"""What kind of answer a question asks for: documented rules, first match wins.

| intent  | rule (checked in this order)                                                              | example |
|---------|-------------------------------------------------------------------------------------------|---------|
| clause  | names a clause `（十二）`, a part `第三部分`/`第三项`, or an article `第十五条`                | 职业教育法第十五条 |
| who     | 谁负责/谁来…/谁管 / 由谁 / 归谁 / 哪个部门 / 哪些部门 / 哪些单位 / 牵头 / 找哪个            | 谁负责退役军人培训？ |
| duties  | names a listed department (or its alias) with 负责/参与/涉及/承担/哪些工作/管什么, or asks 吗 | 市财政局负责哪些工作？ |
| overview| asks how a document is organised or what it covers: 分为哪几个部分 / 主要内容 / 重点任务 /    | 方案分为哪几个部分？ |
|         | 讲了什么 / 框架 / 目录 (the answer layer checks that no other topic is asked, see topic_left)  | |
| number  | 多少 / 几个 / 几所 / 几名 / 几年 / 比例 / 达到 / 到2025年 / 百分之 / 几门 / 几家 …            | 双师型比例要达到多少？ |
| general | anything else                                                                             | 这个方案的总体目标是什么？ |
"""
from __future__ import annotations

import re
from dataclasses import dataclass

CN = "一二三四五六七八九十百零〇两"
CLAUSE_REF = re.compile(rf"[（(](?P<clause>[{CN}]+)[）)]")
PART_REF = re.compile(rf"第(?P<part>[{CN}\d]+)(?:部分|大部分)")
ARTICLE_REF = re.compile(rf"第(?P<article>[{CN}\d]+)条(?:之[{CN}]+)?")
WHO = re.compile(r"谁(?:负责|来|牵头|管|主管|落实|抓)|由谁|归谁|找谁|哪个部门|哪些部门|哪个单位|哪些单位|"
                 r"什么部门|什么单位|牵头|找哪|责任单位")
DEPARTMENTS_ASKED = re.compile(r"部门|单位|负责|牵头|主管|谁来?管|归谁|找谁|找哪")
# With a department named: what it does, or whether it has a part in something ("…要出力吗？").
DUTY_VERB = re.compile(r"负责|参与|涉及|承担|哪些工作|什么工作|哪些任务|哪些事|管什么|管哪些|哪一条|哪几条|哪些条|出力|吗[？?]?$")
# A question about the whole document: its parts, its main contents or tasks.
OVERVIEW = re.compile(r"(?:分为|分成|分了|分|包括|包含|有)(?:哪|几)几?(?:个|大)?(?:部分|方面|板块|块|章|编)|几大(?:部分|块|方面)|"
                      r"几个部分|哪几部分|每(?:一)?(?:块|部分|章)|主要内容|重点任务|主要任务|主要措施|哪些任务|哪些措施|"
                      r"主要规定|(?:讲|说|写|管)了?些?(?:什么|啥|哪些)|从哪些方面|框架|结构|脉络|提纲|大纲|目录|概要|概括|"
                      r"总览|梗概|捋一下|梳理一下")
NUMBER = re.compile(r"多少|几[个所名年门家条项人成]|比例|达到|到20\d\d年|百分之|几成|多大|数量|人次|目标是几")


@dataclass(frozen=True)
class Intent:
    kind: str  # "clause" | "duties" | "who" | "overview" | "number" | "general"
    clause: str = ""  # （十二）, for kind == "clause"
    part: str = ""  # 三, for a part lookup
    article: str = ""  # 第十五条, for an article lookup
    department: str = ""  # the canonical department name, for kind == "duties"


def classify(question: str, department: str | None = None) -> Intent:
    """`department` is the listed department the question names, if any (see facts.resolve_department)."""
    if match := ARTICLE_REF.search(question):
        return Intent("clause", article=match.group(0))
    if match := CLAUSE_REF.search(question):
        return Intent("clause", clause=f"（{match.group('clause')}）")
    if match := PART_REF.search(question):
        return Intent("clause", part=_cn_number(match.group("part")))
    if WHO.search(question):
        return Intent("who")
    if department and DUTY_VERB.search(question):
        return Intent("duties", department=department)
    if OVERVIEW.search(question):
        return Intent("overview")
    if NUMBER.search(question):
        return Intent("number")
    return Intent("general")


def asks_departments(question: str) -> bool:
    """A who-question that asks for departments ("哪些部门负责"), not for whoever the text says acts ("由谁实施")."""
    return bool(DEPARTMENTS_ASKED.search(question))


def _cn_number(text: str) -> str:
    """Part numbers are written 一、二、…; accept digits too."""
    digits = "零一二三四五六七八九十"
    return digits[int(text)] if text.isdigit() and int(text) <= 10 else text


# -- which documents a question names

# Words that refer to a document by its kind: "本法", "这个方案". A bare "方案" is not one ("培训方案").
KIND_REFERENCE = {
    "statute": re.compile(r"本法|这部法|该法|法律|法条"),
    "policy": re.compile(r"(?:这个|这份|本|该|此|整个)(?:实施)?方案|^(?:实施)?方案|方案(?:里|中|提出|要求|规定|说)"),
}
LAW_NAME = re.compile(r"[\u4e00-\u9fff]{2,12}法")


def short_title(title: str) -> str:
    """The name people use: "中华人民共和国职业教育法" -> "职业教育法"."""
    return title.removeprefix("中华人民共和国")


def _abbreviates(word: str, name: str) -> bool:
    """"职教法" abbreviates "职业教育法": same first and last character, the rest in order."""
    if len(word) < 3 or word[0] != name[0] or word[-1] != name[-1]:
        return False
    rest = iter(name)
    return all(ch in rest for ch in word)


def documents_named(question: str, kinds: dict[str, str]) -> set[str]:
    """The documents a question names: by title, by short title or its abbreviation ("职教法"), or by kind
    ("本法": every statute; "这个方案": every policy). `kinds`: title -> "statute" | "policy"."""
    found: list[tuple[str, str]] = []  # (title, the words that name it)
    for title in kinds:
        found += [(title, name) for name in {title, short_title(title)} if len(name) >= 3 and name in question]
    for match in LAW_NAME.finditer(question):
        word = match.group(0)
        for title in kinds:
            name = short_title(title)
            found += [(title, word[i:]) for i in range(len(word) - 2) if _abbreviates(word[i:], name)][:1]
    for kind, pattern in KIND_REFERENCE.items():
        found += [(t, span) for span in pattern.findall(question) for t, k in kinds.items() if k == kind]
    # "职业教育法" names one law, not also "教育法" inside it
    return {t for t, span in found if not any(span in other and span != other for _, other in found)}
