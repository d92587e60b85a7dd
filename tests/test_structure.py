from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa.documents import Document, Paragraph, iter_corpus_files, read_document
from qa.structure import STATUTE, detect_style, parse_departments, parse_document, split_sentences

from .conftest import LAW, PLAN

CLAUSE_TITLES = [
    "指导思想", "总体目标", "全面加强党的建设", "提高职业教育治理水平", "深化“三全育人”综合改革",
    "确立高层次高质量发展方向", "提高中等职业教育发展水平", "提升信息化育人能力", "着力打造“中部匠都”",
    "扩大职业教育开放合作", "加快实施职普教育融通", "落实职业院校用人自主权", "完善职业教育评价机制",
    "建设产教融合示范园区", "统筹专业对接产业布局", "激发企业参与职业教育积极性", "强化校企双主体协同育人",
    "推动职业教育集团化办学",
]
LABELS = ["（一）", "（二）", "（三）", "（四）", "（五）", "（六）", "（七）", "（八）", "（九）", "（十）",
          "（十一）", "（十二）", "（十三）", "（十四）", "（十五）", "（十六）", "（十七）", "（十八）"]
PARTS = ["一、总体要求", "二、全面加强党对职业教育的领导", "三、推进职业院校高位优质发展", "四、创新职教发展机制",
         "五、提高服务“三强一化”能力"]
EDU, HR, GOV, PARKS = "市教育局", "市人力资源和社会保障局", "各县市区人民政府", "各园区管委会"
DRC, IIT, FIN, LAND, SASAC = "市发展改革委", "市工业和信息化局", "市财政局", "市自然资源和规划局", "市国资委"
# Written by hand from the plan's text, in the plan's order.
DEPARTMENTS = {
    "（三）": ["市委组织部", EDU, HR],
    "（四）": [EDU, HR],
    "（五）": [EDU, HR],
    "（六）": [EDU, DRC, HR, GOV],
    "（七）": [EDU, HR, GOV],
    "（八）": [EDU, HR, GOV],
    "（九）": [EDU, HR, FIN, "市退役军人事务局", "市农业农村局", "市乡村振兴局", "市残联", GOV, PARKS],
    "（十）": [EDU, HR, GOV],
    "（十一）": [EDU, HR, GOV],
    "（十二）": ["市委编办", HR, FIN, EDU, GOV],
    "（十三）": [EDU, HR, GOV],
    "（十四）": [DRC, EDU, IIT, HR, FIN, LAND, GOV, PARKS],
    "（十五）": [IIT, FIN, DRC, EDU, HR, SASAC, LAND, GOV, PARKS],
    "（十六）": [DRC, EDU, IIT, SASAC, FIN, LAND, GOV, PARKS],
    "（十七）": [EDU, IIT, SASAC, HR, GOV, PARKS],
}


@pytest.fixture(scope="module")
def plan():
    return parse_document(read_document(PLAN))


@pytest.fixture(scope="module")
def law():
    return parse_document(read_document(LAW))


def test_plan_has_preamble_five_parts_and_eighteen_clauses(plan):
    assert plan[0].kind == "preamble" and plan[0].text.startswith("为贯彻落实")
    clauses = [c for c in plan if c.kind == "clause"]
    assert [c.label for c in clauses] == LABELS
    assert [c.title for c in clauses] == CLAUSE_TITLES
    assert sorted({c.path[0] for c in clauses}, key=PARTS.index) == PARTS
    assert [c.label for c in clauses if c.path == ["三、推进职业院校高位优质发展"]] == LABELS[5:10]


def test_plan_departments_exact(plan):
    by_label = {c.label: c for c in plan}
    for label, expected in DEPARTMENTS.items():
        assert by_label[label].departments == expected, label
        assert not by_label[label].departments_cut
    assert by_label["（一）"].departments == [] and by_label["（二）"].departments == []


def test_cut_off_clause_is_kept_and_flagged(plan):
    last = plan[-1]
    assert last.label == "（十八）" and last.departments_cut and last.departments == []
    assert "职业教育集团参与率达到100%。" in last.text


def test_citation_is_document_part_clause(plan):
    nine = next(c for c in plan if c.label == "（九）")
    assert nine.citation == "关于加快推进职业教育现代化服务的实施方案 › 三、推进职业院校高位优质发展 › （九）着力打造“中部匠都”"


def test_no_plan_text_is_lost(plan):
    paragraphs = [p.text for p in read_document(PLAN).paragraphs]
    assert "\n".join(c.text for c in plan) == "\n".join(p for p in paragraphs if not p.startswith(tuple(PARTS)))


def test_law_chapters_and_articles(law):
    articles = [c for c in law if c.kind == "article"]
    assert len(articles) == 69
    assert articles[0].label == "第一条" and articles[-1].label == "第六十九条"
    assert len({tuple(c.path) for c in articles}) == 8
    fifteen = next(c for c in articles if c.label == "第十五条")
    assert fifteen.path == ["第二章 职业教育体系"]
    assert fifteen.citation == "中华人民共和国职业教育法（2022-04-20） › 第二章 职业教育体系 › 第十五条"
    assert "中等职业学校教育、高等职业学校教育" in fifteen.text
    # a second paragraph of an article stays in that article
    assert "机关、事业单位对其工作人员实施的专门培训" in next(c for c in articles if c.label == "第二条").text


def _doc(*texts: str, title: str = "测试") -> Document:
    return Document(Path("t.txt"), title, [Paragraph(t) for t in texts], "0")


def test_article_zhi_yi_and_sections():
    clauses = parse_document(_doc("第一章 总则", "第一节 一般规定", "第十条 甲。", "第十条之一 乙。", "第二节 其他", "第十一条 丙。"))
    assert [(c.label, c.path) for c in clauses] == [
        ("第十条", ["第一章 总则", "第一节 一般规定"]),
        ("第十条之一", ["第一章 总则", "第一节 一般规定"]),
        ("第十一条", ["第一章 总则", "第二节 其他"]),
    ]


def test_items_stay_inside_their_clause():
    clauses = parse_document(_doc("一、总则", "（一）目标任务。总体要求如下：", "1.第一项；", "（1）细项。", "（二）保障。"))
    assert [c.label for c in clauses] == ["（一）", "（二）"]
    assert clauses[0].text == "（一）目标任务。总体要求如下：\n1.第一项；\n（1）细项。"


def test_text_between_part_heading_and_first_clause_is_kept():
    clauses = parse_document(_doc("一、总则", "本部分说明。", "（一）甲。"))
    assert [(c.kind, c.text) for c in clauses] == [("paragraph", "本部分说明。"), ("clause", "（一）甲。")]


def test_document_without_headings_falls_back_to_paragraphs():
    clauses = parse_document(_doc("第一段文字。", "第二段文字。"))
    assert [(c.kind, c.text) for c in clauses] == [("paragraph", "第一段文字。"), ("paragraph", "第二段文字。")]


def test_departments_parsing():
    assert parse_departments("……。（责任单位：市教育局、市财政局）") == (["市教育局", "市财政局"], False)
    assert parse_departments("……。(责任单位:市教育局、市财政局)") == (["市教育局", "市财政局"], False)
    assert parse_departments("……。（责任单位：市教育局、市财") == (["市教育局"], True)
    assert parse_departments("没有责任单位的条款。") == ([], False)


def test_sentences_keep_punctuation_and_split_semicolons():
    assert split_sentences("甲。乙；丙！\n丁") == ["甲。", "乙；", "丙！", "丁"]


# -- statutes: articles are the units, their enumerated items stay inside them (issue 12)

def _shared_laws() -> Path | None:
    """The national-law collection beside the checkout (../shared/laws from the main tree or a worktree)."""
    here = Path(__file__).resolve().parent.parent
    candidates = [Path(p) for p in [os.environ.get("QA_LAWS", "")] if p]
    candidates += [here.parent / "shared" / "laws", here.parent.parent / "shared" / "laws"]
    return next((p for p in candidates if p.is_dir()), None)


LAWS = _shared_laws()
needs_laws = pytest.mark.skipif(LAWS is None, reason="../shared/laws is not on this machine")


def test_items_do_not_outvote_articles():
    # three articles, five （一） items: a statute, the items inside article 2
    clauses = parse_document(_doc("第一章 总则", "第一条 甲。", "第二条 下列情形：", "（一）子；", "（二）丑；",
                                  "（三）寅；", "（四）卯；", "（五）辰。", "第三条 乙。"))
    assert [(c.kind, c.label) for c in clauses] == [("article", "第一条"), ("article", "第二条"), ("article", "第三条")]
    assert clauses[1].text.endswith("（五）辰。") and clauses[1].citation == "测试 › 第一章 总则 › 第二条"


def test_article_reference_inside_a_policy_does_not_make_a_statute():
    # a 第X条 mid-sentence, and a single stray article line, leave a policy a policy
    clauses = parse_document(_doc("一、总则", "（一）目标。依照本法第十条执行。", "第十条 引文。", "（二）保障。"))
    assert [c.label for c in clauses] == ["（一）", "（二）"]


def test_marked_heading_without_pattern_opens_a_heading():
    clauses = parse_document(Document(Path("t.md"), "测试", [
        Paragraph("第七章 法律责任", 1), Paragraph("第五十条 甲。"),
        Paragraph("附则", 1), Paragraph("第五十一条 本法自公布之日起施行。")], "0"))
    assert [(c.label, c.path, c.text) for c in clauses] == [
        ("第五十条", ["第七章 法律责任"], "第五十条 甲。"),
        ("第五十一条", ["附则"], "第五十一条 本法自公布之日起施行。")]


@needs_laws
def test_advertising_law_is_cut_at_its_articles():
    clauses = parse_document(read_document(LAWS / "行政法" / "广告法(2021-04-29).md"))
    articles = [c for c in clauses if c.kind == "article"]
    assert len(articles) == 74 and [c.kind for c in clauses if c.kind != "article"] == ["preamble"]
    assert not any(c.label.startswith("（") for c in clauses)
    nine = next(c for c in articles if c.label == "第九条")
    assert nine.path == ["第二章 广告内容准则"] and nine.citation == "中华人民共和国广告法（2021-04-29） › 第二章 广告内容准则 › 第九条"
    assert "（三）使用“国家级”、“最高级”、“最佳”等用语；" in nine.sentences
    assert nine.text.endswith("（十一）法律、行政法规规定禁止的其他情形。")


@needs_laws
def test_every_article_line_of_every_statute_starts_exactly_one_unit():
    """Property over all of ../shared/laws: a document with two or more `第X条` lines is parsed as a statute,
    and its article units start, in order, at exactly its article lines; no paragraph is lost."""
    article = STATUTE.clause_level.pattern
    statutes = 0
    for path in iter_corpus_files(LAWS):
        document = read_document(path)
        lines = [p.text for p in document.paragraphs if article.match(p.text)]
        if len(lines) < STATUTE.min_clauses:
            continue
        statutes += 1
        assert detect_style(document) is STATUTE, path
        clauses = parse_document(document)
        assert [c.text.split("\n")[0] for c in clauses if c.kind == "article"] == lines, path
        kept = "\n".join(c.text for c in clauses) + "\n" + "\n".join(h for c in clauses for h in c.path)
        assert all(p.text in kept for p in document.paragraphs), path  # in a unit or in a heading path
    assert statutes > 1000
