"""`qa eval` (issue 3): the metrics on hand-made answers, the side-by-side table, the splits, calibration."""
from __future__ import annotations

import json

import pytest

from qa.cli import main
from qa.evaluation import (CLASSIFIER_DECLINE_SETS, DECLINE_SETS, FITTING, OUTLINE, SPLITS, Question, calibrate,
                           default_split, load_questions, run, score_question)

from .conftest import CORPUS, REPO

PLAN = "关于加快推进职业教育现代化服务的实施方案"
LAW = "中华人民共和国职业教育法"


def result(doc: str, label: str, highlight: str = "", departments: list[str] | None = None) -> dict:
    return {"doc": doc, "label": label, "title": "", "highlight": [highlight], "departments": departments or []}


def question(**fields) -> Question:
    base = {"id": "q", "question": "?", "doc": PLAN, "type": "fact", "gold": ["（十二）"], "keys": ["60%"],
            "split": "test"}
    return Question(**(base | fields))


def test_metrics_of_one_answer():
    answer = {"answer": {"type": "passages"},
              "results": [result(LAW, "第十二条"), result(PLAN, "（十二）", "“双师型”比例达到60%。")]}
    values = score_question(question(), answer)
    assert values == {"top1": 0.0, "top3": 1.0, "mrr@10": 0.5, "ans@1": 0.0, "wrongly_declined": 0.0}
    answer["results"].reverse()
    assert score_question(question(), answer)["ans@1"] == 1.0
    # the same label in the other document is not the gold clause
    assert score_question(question(), {"answer": {}, "results": [result(LAW, "（十二）", "60%")]})["top1"] == 0.0


def test_department_list_must_match_exactly_and_declining_is_scored():
    who = question(type="who", gold=["（九）"], keys=["责任单位"], departments=["市教育局", "市财政局"])
    units = {"type": "units", "clauses": [{"departments": ["市教育局", "市财政局"]}]}
    assert score_question(who, {"answer": units, "results": [result(PLAN, "（九）")]})["dept"] == 1.0
    units["clauses"][0]["departments"] = ["市教育局"]
    assert score_question(who, {"answer": units, "results": [result(PLAN, "（九）")]})["dept"] == 0.0
    out = question(type="out_of_scope", doc=None, gold=[], keys=[])
    assert score_question(out, {"answer": {"type": "none"}, "results": []}) == {"oos_declined": 1.0}
    assert score_question(question(), {"answer": {"type": "none"}, "results": []})["wrongly_declined"] == 1.0


def test_question_set_is_what_the_issue_asks_for():
    questions = load_questions(REPO / "eval" / "questions.jsonl")
    in_scope = [q for q in questions if q.in_scope]
    assert sum(q.doc == PLAN for q in questions) >= 150 and sum(q.doc == LAW for q in questions) >= 30
    assert sum(not q.in_scope for q in questions) >= 10
    assert sum(q.colloquial for q in in_scope) >= len(in_scope) / 3
    assert set(FITTING) <= {q.split for q in questions} <= set(SPLITS) and len({q.id for q in questions}) == len(questions)
    assert all(q.gold and q.keys for q in in_scope if q.gold != [OUTLINE])  # an outline has no answering sentence
    assert all(q.departments for q in in_scope if q.type == "who" and q.doc == PLAN)


def test_every_gold_key_is_in_a_sentence_of_a_gold_clause(assistant):
    sentences = {}
    for clause in assistant.index.clauses:
        sentences.setdefault((clause.doc, clause.label or clause.title), []).extend(clause.sentences)
    for q in load_questions(REPO / "eval" / "questions.jsonl"):
        if q.in_scope and q.gold != [OUTLINE]:
            gold = [s for label in q.gold for s in sentences[(q.doc, label)]]
            assert any(k in s for k in q.keys for s in gold), q.id


@pytest.fixture
def small_set(tmp_path):
    rows = [
        {"id": "a", "question": "谁负责退役军人的职业培训", "doc": PLAN, "type": "who", "gold": ["（九）"],
         "keys": ["责任单位"], "split": "test",
         "departments": ["市教育局", "市人力资源和社会保障局", "市财政局", "市退役军人事务局", "市农业农村局",
                         "市乡村振兴局", "市残联", "各县市区人民政府", "各园区管委会"]},
        {"id": "b", "question": "职业教育法什么时候开始施行？", "doc": LAW, "type": "number", "gold": ["第六十九条"],
         "keys": ["2022年5月1日"], "split": "test"},
        {"id": "c", "question": "明天的天气怎么样？", "doc": None, "type": "out_of_scope", "gold": [], "keys": [],
         "split": "test"},
        {"id": "d", "question": "双师型比例要达到多少？", "doc": PLAN, "type": "number", "gold": ["（十二）"],
         "keys": ["60%"], "split": "tune"},
    ]
    path = tmp_path / "q.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_side_by_side_table(assistant, small_set):
    table = run(assistant, small_set).splitlines()  # the newest held-out split present: test
    assert table[0] == "### q.jsonl — split: test"
    assert table[2] == "| group | metric | n | hybrid | fusion | dense | bm25 |"
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in table[4:] if line.startswith("|")]
    rows = {(c[0], c[1]): dict(zip(("n", "hybrid", "fusion", "dense", "bm25"), c[2:])) for c in cells}
    assert rows[("overall", "top1")] | {"dense": None} == {"n": "2", "hybrid": "1.000", "fusion": "1.000", "dense": None,
                                                           "bm25": "1.000"}
    assert rows[("overall", "ans@1")]["hybrid"] == "1.000"
    assert rows[("overall", "dept")]["n"] == "1" and rows[("overall", "dept")]["hybrid"] == "1.000"
    assert rows[("overall", "oos_declined")]["n"] == "1" and rows[("overall", "oos_declined")]["hybrid"] == "1.000"
    assert {g for g, _ in rows} == {"overall", "who", "number", "out_of_scope"}
    assert table[-1].startswith("3 questions; time per mode")
    assert run(assistant, small_set, "tune,test", modes=("bm25",)).splitlines()[-1].startswith("4 questions")


def test_calibration_counts_errors(assistant, small_set):
    questions = load_questions(small_set)
    found = calibrate(assistant, questions + questions, folds=2)  # twice: each fold sees both classes
    assert found["out_of_scope"] == 2 and found["in_scope"] == 6
    assert found["fitted"] == (2, 0)  # (out of scope declined, in scope declined)
    # with the classifier every compared set reads its out-of-scope probability; without it, none can
    assert "out_of_scope" in found["model"]["features"] and len(found["sets"]) == len(CLASSIFIER_DECLINE_SETS)
    classifier, assistant.classifier = assistant.classifier, None
    try:
        rules = calibrate(assistant, questions + questions, folds=2)
    finally:
        assistant.classifier = classifier
    assert "out_of_scope" not in rules["model"]["features"] and len(rules["sets"]) == len(DECLINE_SETS)


def test_overview_gold_is_the_outline_and_the_newest_held_out_split_is_the_default():
    overview = question(type="overview", gold=["OUTLINE"], keys=[])
    scores = score_question(overview, {"answer": {"type": "outline"}, "results": [result(PLAN, "（一）")]})
    assert scores == {"top1": 1.0, "top3": 1.0, "mrr@10": 1.0, "ans@1": 1.0, "wrongly_declined": 0.0}
    assert score_question(overview, {"answer": {"type": "passages"}, "results": [result(PLAN, "（一）")]})["top1"] == 0.0
    assert default_split([overview]) == "test" and default_split([overview, question(split="test3")]) == "test3"


def test_eval_command_rejects_a_bad_split(capsys):
    assert main(["eval", "--split", "bogus", "--corpus", str(CORPUS)]) == 1
    assert "--split 只能是" in capsys.readouterr().err
