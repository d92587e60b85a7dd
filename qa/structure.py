"""Turn a document's paragraphs into clauses: the units that are indexed, cited and answered.

Document structure is described as data (after RAGFlow's rag/app/laws.py): a *style* is an ordered list of
heading levels, outermost first; the last level is the clause level. A paragraph that starts with a heading
pattern opens a node at that level; every other paragraph belongs to the clause that is open. Items such as
`1.`, `（1）` or, in a statute, `（一）` match no level, so they stay inside their clause or article: an item
is searched as part of its article and cited as the article. A paragraph the source marks as a heading
(Markdown `##`, a Word heading style) that matches no pattern (`附则`, `一、一般规定` in a judicial
interpretation) still opens a heading, at the depth the document's own patterned headings of that mark have,
instead of ending up inside the article before it. Text before the first heading is the preamble, its own
chunk; a document in which no style finds clause headings falls back to paragraph chunks, so no text is ever
dropped.

Which style a document has is decided in the order of STYLES, each needing a minimum number of clause
headings: a statute is recognised by its article lines (`第X条` at a paragraph start), however many `（一）`
items its articles enumerate, so the items can never outvote the articles.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from .documents import Document, DocumentError
from .limits import too_many_units

CN_NUM = "一二三四五六七八九十百千零〇两"


@dataclass(frozen=True)
class Level:
    name: str
    pattern: re.Pattern[str]  # group 'label' is the heading label, the rest of the paragraph follows it


@dataclass(frozen=True)
class Style:
    name: str
    levels: tuple[Level, ...]  # outermost first; the last one is the clause level
    min_clauses: int = 1  # paragraphs that must start at the clause level for a document to have this style

    @property
    def clause_level(self) -> Level:
        return self.levels[-1]


def _level(name: str, pattern: str) -> Level:
    return Level(name, re.compile(pattern))


POLICY = Style("policy", (
    _level("part", rf"^(?P<label>[{CN_NUM}]+、)"),
    _level("clause", rf"^(?P<label>[（(][{CN_NUM}]+[）)])"),
))
STATUTE = Style("statute", (
    _level("编", rf"^(?P<label>第[{CN_NUM}\d]+编)(?:\s|$)"),
    _level("章", rf"^(?P<label>第[{CN_NUM}\d]+章)(?:\s|$)"),
    _level("节", rf"^(?P<label>第[{CN_NUM}\d]+节)(?:\s|$)"),
    _level("article", rf"^(?P<label>第[{CN_NUM}\d]+条(?:之[{CN_NUM}]+)?)(?:\s|　|$)"),
), min_clauses=2)  # one `第X条` line may be a stray quotation; two numbered articles are a statute
# Tried in this order: the first style the document has enough clause headings for wins.
STYLES: tuple[Style, ...] = (STATUTE, POLICY)

SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")
UNIT_WORD = r"(?:单位|部门)"
SUPPORT_WORD = rf"(?:配合|协办|参与|协同){UNIT_WORD}"
UNIT_LIST_SPLIT = re.compile(r"[、，,；;\s]+")


@dataclass(frozen=True)
class UnitForm:
    """One way documents write who is responsible. Groups: `lead`, `support` or `all` (a plain list whose
    first unit leads by convention); `close`, when the form has a closing bracket that a cut-off list lacks."""

    name: str
    pattern: re.Pattern[str]


# Ordered: the explicit lead/support forms first, so that their text is not read again as a plain list.
UNIT_FORMS: tuple[UnitForm, ...] = (
    UnitForm("bracket lead+support", re.compile(
        rf"[（(]牵头{UNIT_WORD}[：:](?P<lead>[^）)；;\n]*)(?:[；;，,。]\s*{SUPPORT_WORD}[：:]"
        rf"(?P<support>[^）)\n]*))?(?P<close>[）)])?")),
    UnitForm("lines lead+support", re.compile(
        rf"^牵头{UNIT_WORD}[：:](?P<lead>[^\n；;]*?)\s*(?:[；;。]?\s*{SUPPORT_WORD}[：:](?P<support>[^\n]*?))?[。；;]?$",
        re.M)),
    UnitForm("bracket verbs", re.compile(
        r"[（(]由?(?P<lead>[^（）()\n。：:]{2,80}?)牵头(?:[，,；;、]\s*(?P<support>[^（）()\n。：:]{2,200}?)等?"
        r"(?:配合|参与|协同|协助|按职责分工负责))?(?P<close>[）)])")),
    UnitForm("bracket list", re.compile(rf"[（(]责任{UNIT_WORD}[：:](?P<all>[^）)\n]*)(?P<close>[）)])?")),
    UnitForm("line list", re.compile(rf"^责任{UNIT_WORD}[：:](?P<all>[^\n]*?)[。；;]?$", re.M)),
)
DEPARTMENTS = UNIT_FORMS[3].pattern  # the seed's `（责任单位：…）`, kept for callers of the old name
LEAD_PHRASE = re.compile(r"^(?P<title>[^。！？；\n]{1,40})。")


@dataclass
class Clause:
    """One citable unit: a policy clause, a statute article, a preamble or a fallback paragraph."""

    doc: str  # document title
    source: str  # document file name
    path: list[str]  # heading path above the clause, e.g. ["二、全面加强党对职业教育的领导"]
    label: str  # "（十二）", "第十五条"; "" for preamble and paragraph chunks
    title: str  # lead phrase, e.g. "落实职业院校用人自主权"
    text: str  # full text, heading label included
    kind: str  # "clause" | "article" | "preamble" | "paragraph" | "heading" (a heading with nothing under it)
    sentences: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    departments_cut: bool = False  # the 责任单位 list is cut off in the source
    # Lead and supporting units. Written out (牵头单位/配合单位, "…牵头，…配合") -> lead_explicit; from a plain
    # 责任单位 list the first unit leads by convention. `departments` stays the full list, lead first.
    lead: list[str] = field(default_factory=list)
    support: list[str] = field(default_factory=list)
    lead_explicit: bool = False
    version: str = ""  # the document's version date (DocInfo.version, 'YYYY-MM-DD'), '' when it states none
    # A newer version of the same title is in the collection: set over the whole collection by
    # qa.metadata.mark_superseded, not by the parser (it depends on the other documents).
    superseded: bool = False
    ocr: bool = False  # the document was read (in part) by OCR: its citation says so

    @property
    def citation(self) -> str:
        # Articles have no lead phrase of their own: the label is the citation ("第十五条").
        tail = self.label if self.kind == "article" else f"{self.label}{self.title}"
        return " › ".join([self.document_name + ("（OCR 识别）" if self.ocr else ""), *self.path, tail])

    @property
    def document_name(self) -> str:
        """The title as cited: with the version date when there is one, and 「（已修订）」 for an older
        version ("中华人民共和国职业教育法（1996-05-15）（已修订）"); a document without a date by its title."""
        if not self.version:
            return self.doc
        return f"{self.doc}（{self.version}）" + ("（已修订）" if self.superseded else "")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["citation"] = self.citation
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Clause:
        data = {k: v for k, v in data.items() if k != "citation"}
        if "lead" not in data:  # stored before lead/support were parsed: derive them from the text
            units = parse_units(data.get("text", ""))
            data.update(lead=units.lead, support=units.support, lead_explicit=units.explicit)
        return cls(**data)


def split_sentences(text: str) -> list[str]:
    """Split on Chinese sentence ends (。！？；) and line breaks; keep the punctuation; drop nothing."""
    out: list[str] = []
    for line in text.split("\n"):
        out.extend(s for s in (p.strip() for p in SENTENCE_END.split(line)) if s)
    return out


@dataclass
class Units:
    """Who is responsible for a clause, as the text writes it."""

    lead: list[str] = field(default_factory=list)
    support: list[str] = field(default_factory=list)
    explicit: bool = False  # lead and support are written out, not taken from a list's order
    cut: bool = False  # a list is cut off in the source: its last fragment is dropped, nothing guessed
    spans: list[tuple[int, int]] = field(default_factory=list)  # where the text says it

    @property
    def departments(self) -> list[str]:
        return list(dict.fromkeys([*self.lead, *self.support]))


def _unit_list(text: str | None) -> list[str]:
    items = (item.strip().strip("。．.") for item in UNIT_LIST_SPLIT.split(text or ""))
    return [item.removesuffix("等") if len(item) > 3 else item for item in items if item]


def parse_units(text: str) -> Units:
    """Every responsibility note of a clause (UNIT_FORMS, first form wins where notes overlap), merged in
    text order: leads of all notes, then the supporting units that lead nowhere."""
    found: list[tuple[re.Match[str], UnitForm]] = []
    for form in UNIT_FORMS:
        for match in form.pattern.finditer(text):
            if not any(m.start() < match.end() and match.start() < m.end() for m, _ in found):
                found.append((match, form))
    units = Units()
    for match, form in sorted(found, key=lambda pair: pair[0].start()):
        groups = match.groupdict()
        explicit = groups.get("all") is None
        lead, support = (_unit_list(groups.get("lead")), _unit_list(groups.get("support"))) if explicit \
            else (_unit_list(groups["all"])[:1], _unit_list(groups["all"])[1:])
        if "close" in groups and groups["close"] is None:  # cut off: the last item is a fragment ("市教")
            units.cut = True
            (support if support else lead)[-1:] = []
        units.lead.extend(u for u in lead if u not in units.lead)
        units.support.extend(u for u in support if u not in units.support)
        units.explicit = units.explicit or explicit
        units.spans.append(match.span())
    units.support = [u for u in units.support if u not in units.lead]
    return units


def parse_departments(text: str) -> tuple[list[str], bool]:
    """The responsible departments in order (lead first where written out), and whether a list is cut off."""
    units = parse_units(text)
    return units.departments, units.cut


def strip_units(text: str) -> str:
    """The text without its responsibility notes: the tasks alone."""
    for start, end in sorted(parse_units(text).spans, reverse=True):
        text = text[:start] + text[end:]
    return text


def detect_style(document: Document) -> Style | None:
    """The first style of STYLES whose clause level starts at least `min_clauses` paragraphs, or None.
    Counting a statute's articles, not its `（一）` items: 广告法 has 74 articles and 95 items, and is a
    statute whose items belong to their articles."""
    for style in STYLES:
        count = sum(bool(style.clause_level.pattern.match(p.text)) for p in document.paragraphs)
        if count >= style.min_clauses:
            return style
    return None


def parse_document(document: Document) -> list[Clause]:
    """The document's units; DocumentError when there are more than a document may have (qa/limits.py):
    checked here, before any embedding."""
    style = detect_style(document)
    if any(p.row for p in document.paragraphs):
        clauses = _parse_rows(document)
    elif style is None:
        clauses = [_make_clause(document, [], "", p.text, "paragraph") for p in document.paragraphs]
    else:
        clauses = _parse_with_style(document, style)
    if reason := too_many_units(len(clauses)):
        raise DocumentError(document.path, reason)
    return clauses


def _parse_rows(document: Document) -> list[Clause]:
    """A spreadsheet (documents._read_xlsx): every row is a clause labelled by its row (第3行), under its
    sheet's name when the workbook has several; its responsibility note is read like a plan's."""
    clauses, path = [], []
    for paragraph in document.paragraphs:
        if paragraph.row:
            clauses.append(_make_clause(document, path, paragraph.row, f"{paragraph.row} {paragraph.text}", "clause"))
        elif paragraph.heading_level is not None:
            path = [paragraph.text]
    return clauses


def _parse_with_style(document: Document, style: Style) -> list[Clause]:
    clauses: list[Clause] = []
    path: list[tuple[int, str]] = []  # (level index, heading text) of the open headings
    chunk: list[str] = []  # paragraphs of the open chunk
    label = ""  # label of the open clause; "" for text outside any clause
    seen_heading = False
    empty: set[tuple[int, str]] = set()  # open headings with nothing under them yet
    marked_depth = _marked_heading_depths(style, document)

    def close_chunk() -> None:
        if not chunk:
            return
        if label:
            kind = "article" if style is STATUTE else "clause"
        else:
            kind = "paragraph" if seen_heading else "preamble"
        clauses.append(_make_clause(document, [t for _, t in path], label, "\n".join(chunk), kind))

    def close_empty_headings(depth: int) -> None:
        """Headings at `depth` or deeper that nothing followed become chunks of their own: never dropped."""
        while path and path[-1][0] >= depth:
            d, heading = path.pop()
            if (d, heading) in empty:
                empty.discard((d, heading))
                clauses.append(_make_clause(document, [t for _, t in path], "", heading, "heading"))

    for paragraph in document.paragraphs:
        depth, found = _match_level(style, paragraph.text)
        if depth is None and paragraph.heading_level is not None:
            depth = marked_depth(paragraph.heading_level)
        if depth is None:
            chunk.append(paragraph.text)
            empty.clear()  # the open headings now have content under them
            continue
        close_chunk()
        seen_heading = True
        if depth == len(style.levels) - 1:
            empty.clear()
            chunk, label = [paragraph.text], _normalise_label(found)
        else:
            close_empty_headings(depth)
            path.append((depth, paragraph.text))
            empty.clear()  # a parent heading is no longer empty: it is in this heading's path
            empty.add((depth, paragraph.text))
            chunk, label = [], ""
    close_chunk()
    close_empty_headings(0)
    return clauses


def _marked_heading_depths(style: Style, document: Document):
    """Depth for a source-marked heading that matches no level: that of the document's patterned headings
    with the same mark (`## 附则` beside `## 第七章 …`), else one below the nearest outer mark's, else the
    outermost; never the clause level."""
    known: dict[int, int] = {}
    for paragraph in document.paragraphs:
        depth, _ = _match_level(style, paragraph.text)
        if paragraph.heading_level is not None and depth is not None and depth < len(style.levels) - 1:
            known.setdefault(paragraph.heading_level, depth)
    deepest = len(style.levels) - 2

    def depth_of(mark: int) -> int:
        if mark in known:
            return known[mark]
        outer = [known[m] for m in known if m < mark]
        return min(max(outer) + 1, deepest) if outer else 0

    return depth_of


def _match_level(style: Style, text: str) -> tuple[int | None, str]:
    for depth, level in enumerate(style.levels):
        match = level.pattern.match(text)
        if match:
            return depth, match.group("label")
    return None, ""


def _normalise_label(label: str) -> str:
    return label.replace("(", "（").replace(")", "）")


def _sentences(text: str, label: str, title: str) -> list[str]:
    """Sentences of a clause; a lead phrase standing alone ("（二）总体目标。") joins the sentence after it."""
    sentences = split_sentences(text)
    if label and len(sentences) > 1 and sentences[0] == f"{label}{title}。":
        sentences[:2] = [sentences[0] + sentences[1]]
    return sentences


def _make_clause(document: Document, path: list[str], label: str, text: str, kind: str) -> Clause:
    units = parse_units(text)
    title = _title(text, label, kind)
    return Clause(
        doc=document.title,
        source=document.name,
        path=path,
        label=label,
        title=title,
        text=text,
        kind=kind,
        sentences=_sentences(text, label, title),
        departments=units.departments,
        departments_cut=units.cut,
        lead=units.lead,
        support=units.support,
        lead_explicit=units.explicit,
        version=document.info.version,
        ocr=document.ocr_pages > 0,
    )


def _title(text: str, label: str, kind: str) -> str:
    body = text[len(label):].lstrip() if label else text
    if kind == "preamble":
        return "前言"
    match = LEAD_PHRASE.match(body) if kind == "clause" else None
    if match:
        return match.group("title")
    first = re.split(r"[，。；：,;:\n]", body, maxsplit=1)[0]
    return first if len(first) <= 24 else first[:24] + "…"
