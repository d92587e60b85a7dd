"""Document facts and versions: 发文机关, 发文字号, 发布/施行/修订 dates, and which version of a title is current.

`document_info` reads what the text states, with an ordered table of patterns (RULES) over the document's
head (title and first lines: LawRefBook date lines, a notice's 文号) and tail (落款 date, "本法自…起施行").
`superseded` tells, over a collection's clauses, which (title, version) pairs have a newer version of the same
title: search leaves those out unless a question names their year or all versions are asked for.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

CN_DIGITS = {ch: i for i, ch in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "O": 0}
CN_NUM = "〇零○一二三四五六七八九十"
DATE = (rf"(?P<y>\d{{4}}|[{CN_NUM}]{{4}})\s*年\s*(?P<m>\d{{1,2}}|[{CN_NUM}]{{1,3}})\s*月\s*"
        rf"(?P<d>\d{{1,2}}|[{CN_NUM}]{{1,3}})\s*日")
ORGAN_END = r"(?:常务委员会|人民代表大会|国务院|人民政府|办公厅|办公室|委员会|政府|中心|部|局|厅|署|院|委|会|办)"
ORGAN = rf"[\u4e00-\u9fffXx×、]{{2,40}}?{ORGAN_END}"
BRACKETS = str.maketrans("[［【(（]］】)）", "〔〔〔〔〔〕〕〕〕〕")
HEAD_LINES = 20  # paragraphs after the title in which the head facts are looked for (刑法 lists 16 dates)
TAIL_LINES = 4  # paragraphs at the end: 落款 and "本法自…起施行"
SHORT = 160  # longer paragraphs are body text, not a date line or a 落款
FILE_DATE = re.compile(r"[（(](?P<date>\d{4}-\d{2}-\d{2})[)）]")
VERSION_YEAR = re.compile(r"(?<!\d)(?P<year>(?:19|20)\d{2})\s*(?:年|版)")


@dataclass
class DocInfo:
    issuer: str = ""  # 发文机关
    number: str = ""  # 发文字号, e.g. 湘政办发〔2022〕12号
    published: str = ""  # ISO date 'YYYY-MM-DD' or ''
    effective: str = ""
    revised: list[str] = field(default_factory=list)  # ISO dates of revisions, oldest first
    version: str = ""  # the date that identifies this version (see document_info)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Rule:
    field: str  # a DocInfo field
    where: str  # "title" | "head" (title + first lines) | "tail" (last lines)
    pattern: re.Pattern[str]  # group 'date' parts y/m/d, or group 'value'


def _rule(field_name: str, where: str, pattern: str) -> Rule:
    return Rule(field_name, where, re.compile(pattern))


# Ordered: for every field the first rule and line that match win; "revised" collects every match. A line may
# feed several fields ("2004年3月14日 全国人民代表大会公告公布施行": published and effective).
RULES: tuple[Rule, ...] = (
    # LawRefBook date lines under the title: "2022年4月20日 第十三届…会议修订", "…《关于修改…的决定》第一次修正"
    _rule("revised", "head", rf"^[（(]?\s*{DATE}\s*\S.*(?:修订|修正|修改)"),
    _rule("revised", "head", rf"^.*?根据{DATE}.*(?:修订|修正|修改)"),  # "…通过根据1994年5月12日…修正"
    _rule("published", "head", rf"^[（(]?\s*{DATE}\s*\S*?(?:通过|公布|发布|印发|批准)(?!.*(?:修订|修正|修改))"),
    _rule("published", "head", rf"^(?:印发|发布|成文|公布)日期[：:]\s*{DATE}"),
    _rule("published", "tail", rf"^(?:{ORGAN}\s*)?{DATE}$"),  # 落款: "XX市人民政府办公室 2022年3月1日"
    _rule("published", "head", rf"^[（(]?\s*{DATE}$"),
    _rule("effective", "head", rf"^[（(]?\s*{DATE}\s*\S*?施行"),
    _rule("effective", "head", rf"^(?:施行|生效|实施)日期[：:]\s*{DATE}"),
    _rule("effective", "tail", rf"自{DATE}起(?:施行|实施|执行|生效)"),
    _rule("number", "head", r"^(?P<value>[\u4e00-\u9fffA-Za-z]{1,12}[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]"
                            r"\s*\d{1,4}\s*号)$"),
    _rule("issuer", "head", rf"^[（(]?\s*{DATE}\s*(?:第[{CN_NUM}]+届)?(?P<value>{ORGAN})"
                            rf"(?:第[{CN_NUM}]+次会议|通过|公布|发布|批准|印发|公告)"),
    _rule("issuer", "head", rf"^(?P<value>{ORGAN})(?:文件)?$"),  # 版头: "XX市人民政府办公室文件"
    _rule("issuer", "title", rf"^(?P<value>{ORGAN})关于"),  # "XX市人民政府办公室关于…的通知"
    _rule("issuer", "tail", rf"^(?P<value>{ORGAN})(?:\s*{DATE})?$"),  # 落款
)


def iso_date(match: re.Match[str]) -> str:
    """'YYYY-MM-DD' of a DATE match, Arabic or Chinese numerals (二〇二二年三月一日); '' when not a date."""
    def number(text: str) -> int:
        if text.isdigit():
            return int(text)
        if len(text) == 4 or "十" not in text:  # a year or a digit-by-digit number: 二〇二二
            return int("".join(str(CN_DIGITS[ch]) for ch in text))
        tens, _, ones = text.partition("十")
        return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[ones] if ones else 0)

    try:
        year, month, day = number(match.group("y")), number(match.group("m")), number(match.group("d"))
    except (KeyError, ValueError):
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= month <= 12 and 1 <= day <= 31 else ""


def document_info(title: str, paragraphs: list[str], file_name: str = "") -> DocInfo:
    """The facts a document states about itself, from its title and its paragraphs' texts. `version`: the latest of the revision and publication
    dates and of a date in the file name ("职业教育法(2022-04-20).md": LawRefBook names a version by its
    date, and some of its headers stop before the last revision), else ''."""
    head = [title, *paragraphs[:HEAD_LINES]]
    tail = paragraphs[-TAIL_LINES:]
    lines = {"title": [title.strip()], "head": [t.strip() for t in head if len(t) <= SHORT],
             "tail": [t.strip() for t in tail]}
    info = DocInfo()
    for rule in RULES:
        for line in lines[rule.where]:
            match = rule.pattern.search(line) if rule.where == "tail" else rule.pattern.match(line)
            if not match:
                continue
            value = iso_date(match) if "y" in match.groupdict() and rule.field != "issuer" and \
                rule.field != "number" else match.group("value")
            if rule.field == "number":
                value = re.sub(r"\s+", "", value.translate(BRACKETS))
            if not value:
                continue
            if rule.field == "revised":
                if value not in info.revised:
                    info.revised.append(value)
            elif not getattr(info, rule.field):
                setattr(info, rule.field, value)
    info.revised.sort()
    named = FILE_DATE.search(file_name)
    dated = [*info.revised, info.published, named.group("date") if named else ""]
    info.version = max((d for d in dated if d), default="")
    return info


# --------------------------------------------------------------------------------------------- versions


def superseded(clauses: Iterable[Any]) -> set[tuple[str, str]]:
    """The (document title, version) pairs for which a newer version of the same title is among the clauses.
    Undated versions are never superseded (nothing tells which is newer)."""
    versions: dict[str, set[str]] = {}
    for clause in clauses:
        if clause.version:
            versions.setdefault(clause.doc, set()).add(clause.version)
    return {(title, v) for title, dates in versions.items() for v in dates if v != max(dates)}


def mark_superseded(clauses: list[Any]) -> set[tuple[str, str]]:
    """Set Clause.superseded over a whole collection (it depends on the other documents); return the pairs."""
    old = superseded(clauses)
    for clause in clauses:
        clause.superseded = (clause.doc, clause.version) in old
    return old


def version_label(title: str, version: str, is_superseded: bool) -> str:
    """How a version is named where titles are keys (document filter): the current version by its title,
    an older one as "title（1996-05-15，已修订）"."""
    return f"{title}（{version}，已修订）" if is_superseded else title


def versions_named(question: str, pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Title -> the version a question names by its year ("1996年的职业教育法", "2022年版"), for titles that
    have more than one version among `pairs`."""
    years = {m.group("year") for m in VERSION_YEAR.finditer(question)}
    by_title: dict[str, list[str]] = {}
    for title, version in pairs:
        if version:
            by_title.setdefault(title, []).append(version)
    named = {}
    for title, versions in by_title.items():
        if len(set(versions)) < 2:
            continue
        chosen = [v for v in sorted(set(versions)) if v[:4] in years]
        if len(chosen) == 1:
            named[title] = chosen[0]
    return named
