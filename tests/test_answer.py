"""Structured answers (issue 4): intents, who is responsible, duties, targets, clause lookup, declining."""
from __future__ import annotations

import json

import pytest

from qa.cli import main
from qa.documents import read_document
from qa.evaluation import load_questions
from qa.facts import aliases, department_names, duties, extract_targets, resolve_department
from qa.intent import asks_departments, classify, documents_named
from qa.structure import parse_document

from .conftest import CORPUS, PLAN, REPO

QUESTIONS = load_questions(REPO / "eval" / "questions.jsonl")


@pytest.fixture(scope="module")
def plan():
    return parse_document(read_document(PLAN))


@pytest.mark.parametrize("question,kind", [
    ("谁负责退役军人培训？", "who"),
    ("退伍兵想学技术找哪个部门？", "who"),
    ("党建工作由哪些部门负责？", "who"),
    ("市财政局负责哪些工作？", "duties"),
    ("人社局参与了哪些任务？", "duties"),
    ("双师型比例要达到多少？", "number"),
    ("到2025年要建多少门精品在线课程？", "number"),
    ("第三部分讲什么？", "clause"),
    ("（十二）是什么内容", "clause"),
    ("职业教育法第十五条", "clause"),
    ("这个方案的总体目标是什么？", "general"),
    ("方案分为哪几个部分？", "overview"),
    ("有哪些重点任务", "overview"),
])
def test_intent_rules(plan, question, kind):
    assert classify(question, resolve_department(question, plan)).kind == kind


KINDS = {"中华人民共和国职业教育法": "statute", "中华人民共和国教育法": "statute",
         "关于加快推进职业教育现代化服务的实施方案": "policy"}


@pytest.mark.parametrize("question,named", [
    ("职业教育法什么时候开始施行？", {"中华人民共和国职业教育法"}),  # not also 教育法, which it contains
    ("新职教法啥时候生效？", {"中华人民共和国职业教育法"}),  # abbreviation
    ("教育法第五条", {"中华人民共和国教育法"}),
    ("本法所称职业教育是指什么？", {"中华人民共和国职业教育法", "中华人民共和国教育法"}),
    ("这个方案的总体目标是什么？", {"关于加快推进职业教育现代化服务的实施方案"}),
    ("培训方案怎么制定？", set()),  # a bare 方案 names no document
    ("教材管理按什么办法？", set()),
    ("谁负责退役军人培训？", set()),
])
def test_documents_named(question, named):
    assert documents_named(question, KINDS) == named


def test_a_named_document_scopes_the_answer(assistant):
    data = assistant.ask("职教法对实习学生的保险有什么规定？").to_dict()
    assert {r["doc"] for r in data["results"]} == {"中华人民共和国职业教育法"}
    assert data["notes"] == ["问题提到《中华人民共和国职业教育法》，只在其中查找"]
    assert "（九）" in [r["label"] for r in assistant.ask("方案里面向哪些人群开展培训？").to_dict()["results"]]


def test_who_questions_asking_for_departments_versus_for_the_actor(assistant):
    assert asks_departments("残疾人职业培训由哪些单位负责？") and not asks_departments("残疾人职业教育由谁实施？")
    units = assistant.ask("残疾人职业培训由哪些单位负责？").to_dict()
    assert units["answer"]["type"] == "units" and units["results"][0]["label"] == "（九）"
    actor = assistant.ask("残疾人职业教育由谁实施？").to_dict()
    assert actor["answer"]["type"] == "passages" and actor["results"][0]["label"] == "第十八条"


def test_every_department_resolves_under_its_short_name(plan):
    short = {"市委组织部": "组织部", "市教育局": "教育局", "市人力资源和社会保障局": "人社局",
             "市发展改革委": "发改委", "各县市区人民政府": "县市区政府", "市财政局": "财政局",
             "市退役军人事务局": "退役军人事务局", "市农业农村局": "农业农村局", "市乡村振兴局": "乡村振兴局",
             "市残联": "残联", "各园区管委会": "园区管委会", "市委编办": "编办", "市工业和信息化局": "工信局",
             "市自然资源和规划局": "自然资源局", "市国资委": "国资委"}
    assert sorted(department_names(plan)) == sorted(short)
    for full, name in short.items():
        assert resolve_department(f"{name}负责什么", plan) == full
        assert aliases()[name] == full


def test_finance_bureau_duties_are_complete(plan):
    assert [c.label for c in duties("市财政局", plan)] == ["（九）", "（十二）", "（十四）", "（十五）", "（十六）"]


# Written by hand from the plan: (clause, number + unit + qualifier, deadline).
TARGETS_WITH_DEADLINE = [
    ("（七）", "5所", "2025年"), ("（七）", "3-5所", "2025年"),
    ("（八）", "50门", "2025年"), ("（八）", "10个", "2025年"), ("（八）", "200门", "2025年"),
    ("（八）", "10个", "2025年"), ("（八）", "3个", "2025年"),
    ("（十二）", "10名", "2025年"), ("（十二）", "100名", "2025年"), ("（十二）", "40个", "2025年"),
    ("（十四）", "10个左右", "2025年"), ("（十六）", "20家", "2025年"), ("（十六）", "5个", "2025年"),
    ("（十七）", "10个以上", "2025年"), ("（十八）", "100%", "2025年"),
]
TARGETS_WITHOUT_DEADLINE = [
    ("（六）", "3-4所"), ("（九）", "5万人次以上"), ("（十一）", "10个以上"), ("（十二）", "3年以上"),
    ("（十二）", "1个"), ("（十二）", "60%"), ("（十四）", "1个"), ("（十五）", "14条"), ("（十五）", "20个"),
    ("（十五）", "10个"), ("（十七）", "1000名"), ("（十七）", "2%"),
]


def test_targets_match_the_hand_written_list(plan):
    found = [(t.label, f"{t.number}{t.unit}{t.qualifier}", t.deadline) for t in extract_targets(plan)]
    assert [f for f in found if f[2]] == TARGETS_WITH_DEADLINE
    assert [(label, n) for label, n, deadline in found if not deadline] == TARGETS_WITHOUT_DEADLINE


def test_every_who_question_gets_exactly_the_right_departments(assistant):
    # test4 (issue 16's held-out set) is measured in eval/RESULTS.md, never asserted: a test on it would
    # tune the method to it. The older splits stay as they were.
    for q in (q for q in QUESTIONS if q.type == "who" and q.departments is not None and q.split != "test4"):
        data = assistant.ask(q.question).to_dict()
        assert data["answer"]["type"] == "units", q.question
        assert data["answer"]["units"] == q.departments, q.question
        assert data["results"][0]["label"] in q.gold


def test_finance_question_lists_exactly_its_five_clauses(assistant):
    data = assistant.ask("市财政局负责哪些工作？").to_dict()
    assert data["answer"]["type"] == "duties"
    assert [c["label"] for c in data["answer"]["clauses"]] == ["（九）", "（十二）", "（十四）", "（十五）", "（十六）"]
    assert all("市财政局" in r["highlight"][0] for r in data["results"])


def test_number_question_gets_its_target(assistant):
    data = assistant.ask("精品在线课程要建多少门？").to_dict()
    assert data["answer"]["type"] == "target"
    assert any(t["number"] == "200" and t["unit"] == "门" for t in data["answer"]["targets"])
    assert "200门精品在线课程" in data["answer"]["text"]


@pytest.mark.parametrize("question,labels", [
    ("（十二）讲的是什么？", ["（十二）"]),
    ("第三部分讲什么？", ["（六）", "（七）", "（八）", "（九）", "（十）"]),
    ("职业教育法第十五条", ["第十五条"]),
])
def test_clause_lookup(assistant, question, labels):
    data = assistant.ask(question).to_dict()
    assert data["answer"]["type"] == "clause"
    assert [r["label"] for r in data["results"]] == labels


def test_out_of_scope_declined_and_in_scope_answered(assistant):
    """On the fitting questions (tune, dev, test and the fitting set: what the decline model was fitted on,
    eval/learn_decline.py) it declines at most 2 % of the in-scope questions and most out-of-scope ones, as
    calibration reported; the held-out test3/test4 figures are in eval/RESULTS.md."""
    fitting = [q for q in QUESTIONS if q.split in ("tune", "dev", "test")] + \
        load_questions(REPO / "eval" / "fit" / "questions.jsonl")
    declined = {"in": 0, "out": 0}
    for q in fitting:
        if assistant.ask(q.question).to_dict()["answer"]["type"] == "none":
            declined["in" if q.in_scope else "out"] += 1
    n_out = sum(not q.in_scope for q in fitting)
    assert declined["in"] <= 0.02 * (len(fitting) - n_out) and declined["out"] >= 0.7 * n_out, declined


def test_declined_answer_still_shows_weak_matches(assistant):
    data = assistant.ask("明天的天气怎么样？").to_dict()
    assert data["answer"]["type"] == "none" and data["answer"]["text"].startswith("文件中未找到相关内容；文件中相近的内容有：")
    assert data["results"] and all(r["weak"] for r in data["results"])
    first = data["results"][0]  # the message names what the documents say nearby: the nearest clause
    assert first["label"] + first["title"] in data["answer"]["text"] or first["label"] in data["answer"]["text"]


def test_duties_and_targets_commands(capsys):
    assert main(["duties", "财政局", "--json", "--corpus", str(CORPUS)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["department"] == "市财政局" and len(data["clauses"]) == 5
    assert main(["duties", "--corpus", str(CORPUS)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert len(table) == 1 + 15 and table[1].startswith("市委组织部")
    assert main(["targets", "--json", "--corpus", str(CORPUS)]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 27
    assert main(["duties", "公安局", "--corpus", str(CORPUS)]) == 1
    assert "没有「公安局」" in capsys.readouterr().err


def test_overview_questions_get_the_outline(assistant):
    """「方案分为哪几个部分」 and the like: every part with its clause titles, in the document's order."""
    plan = assistant.index.clauses[[c.kind for c in assistant.index.clauses].index("clause")].doc
    for question in ("方案分为哪几个部分？", "这个方案的主要内容是什么", "有哪些重点任务？"):
        data = assistant.ask(question).to_dict()
        assert data["answer"]["type"] == "outline" and data["intent"] == "overview", question
        lines = data["answer"]["text"].splitlines()
        assert lines[0] == f"《{plan}》分为 5 个部分："
        assert [line.split("：")[0] for line in lines[1:]] == [
            "一、总体要求", "二、全面加强党对职业教育的领导", "三、推进职业院校高位优质发展", "四、创新职教发展机制",
            "五、提高服务“三强一化”能力"]
        assert lines[1] == "一、总体要求：（一）指导思想；（二）总体目标"
        assert sum(line.count("（") for line in lines[1:]) == 18
        assert not any(r["weak"] for r in data["results"])
    for question in ("职业教育法主要内容是什么？", "职业教育法分几章？"):
        law = assistant.ask(question).to_dict()["answer"]["text"].splitlines()
        assert law[1] == "第一章 总 则（第一条至第十三条）" and law[-1] == "第八章 附 则（第六十八条至第六十九条）"
    assert assistant.ask("市里这份方案的框架是什么样的？").direct.type == "outline"  # 市里 names the document


def test_an_overview_word_with_a_topic_is_a_search(assistant):
    data = assistant.ask("企业参与职业教育有哪几个方面？").to_dict()
    assert data["answer"]["type"] != "outline" and data["intent"] == "general"


@pytest.mark.parametrize("question,label", [
    ("职业教育发展的总目标是什么", "（二）"),  # 总目标 names 总体目标, characters in between allowed
    ("指导思想是什么？", "（一）"),
])
def test_a_question_naming_a_clause_title_gets_that_clause(assistant, question, label):
    assert assistant.ask(question).results[0].clause.label == label


def test_a_declined_answer_keeps_its_signals_visible(assistant):
    answer = assistant.ask("个人所得税起征点是多少？")
    assert answer.direct.type == "none" and all(r.weak for r in answer.results)
    assert set(answer.signals) == {"coverage", "dense_max", "dense_z", "bm25_max", "unmatched_idf", "out_of_scope"}


def test_a_named_law_selects_the_document_and_the_rest_ranks_inside_it(tmp_path, embedder):
    """Issue 10's note: the name of a law matches most of its articles; it picks the document, and 施行 ranks."""
    from qa.answer import Assistant
    from qa.index import build_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    articles = [f"第{n}条 农业机械推广应当依照农业机械推广法的规定，做好农业机械推广法规定的第{n}项农业机械推广工作。"
                for n in "一二三四五六七八"]
    articles.append("第九条 本法自2031年1月1日起施行。")
    (corpus / "中华人民共和国农业机械推广法(2030-06-01).md").write_text(
        "# 中华人民共和国农业机械推广法\n\n" + "\n\n".join(articles) + "\n", encoding="utf-8")
    (corpus / "plan.docx").write_bytes(PLAN.read_bytes())
    build_index(corpus, tmp_path / "index", embedder, progress=False)
    assistant = Assistant(tmp_path / "index", corpus, embedder=embedder, rebuild=False, progress=False)
    answer = assistant.ask("农业机械推广法什么时候开始施行？")
    assert {r.clause.doc for r in answer.results} == {"中华人民共和国农业机械推广法"}
    assert answer.results[0].clause.label == "第九条"
    assert assistant.topic_of("农业机械推广法什么时候开始施行？") == "什么时候开始施行？"
