"""Follow-up questions (qa/conversation.py) on the real documents, against eval/followups.jsonl: cases written
by a helper who never saw the rules, before they were written."""
from __future__ import annotations

import io
import json

import pytest

from qa.cli import main
from qa.conversation import Context, ask, replay, resolver_of
from qa.evaluation import load_questions

from .conftest import CORPUS, REPO

CASES = [json.loads(line) for line in open(REPO / "eval" / "followups.jsonl", encoding="utf-8")]
NINE = ["市教育局", "市人力资源和社会保障局", "市财政局", "市退役军人事务局", "市农业农村局", "市乡村振兴局", "市残联",
        "各县市区人民政府", "各园区管委会"]
# expect.answer -> the direct answer types that give it ("number": a target, or the sentence with the number)
ANSWER_TYPES = {"units": {"units"}, "duties": {"duties"}, "clause": {"clause"}, "number": {"target", "passages"},
                "passages": {"passages"}}


def test_the_three_question_conversation(assistant):
    first, context = ask(assistant, "（九）讲了什么？")
    assert first.direct.type == "clause" and [c.label for c in first.direct.clauses] == ["（九）"]
    assert first.resolved == "（九）讲了什么？" and not any(n.startswith("按上文") for n in first.notes)
    second, context = ask(assistant, "它的责任单位有哪些？", context)
    assert second.resolved == "（九）的责任单位有哪些？" and "按上文理解为：（九）的责任单位有哪些？" in second.notes
    assert second.direct.type == "units" and second.direct.units == NINE
    third, context = ask(assistant, "市财政局呢？", context)
    assert third.resolved == "市财政局负责哪些工作？" and third.direct.type == "duties"
    assert [c.label for c in third.direct.clauses] == ["（九）", "（十二）", "（十四）", "（十五）", "（十六）"]
    assert context.department == "市财政局"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_followup_cases(assistant, case):
    expect = case["expect"]
    context = replay(assistant, case["history"])
    answer, after = ask(assistant, case["question"], context)
    if case["standalone"]:
        assert answer.resolved == case["question"]
    else:  # the wording may differ from the case's; what it refers to may not
        assert answer.resolved != case["question"]
        for part in (expect["clause"], expect["department"]):
            if part and part in expect["resolved"]:
                assert part in answer.resolved, (answer.resolved, expect["resolved"])
    assert expect["doc"] in after.doc
    assert after.clause == expect["clause"]
    assert (after.department or None) == expect["department"]
    assert answer.direct.type in ANSWER_TYPES[expect["answer"]]
    if expect["answer"] == "number":
        assert answer.intent == "number"


def test_standalone_questions_are_never_rewritten(assistant):
    """Every question of eval/questions.jsonl, asked after each kind of answer, is left as it is."""
    resolver = resolver_of(assistant)
    contexts = [ask(assistant, q)[1] for q in ("（九）讲了什么？", "谁负责退役军人培训？", "市财政局负责哪些工作？",
                                               "双师型比例要达到多少？", "职业教育法第五十条讲了什么？")]
    assert {c.intent for c in contexts} == {"clause", "who", "duties", "number"}
    # test4 (issue 16's held-out set) is measured, never asserted: a test on it would tune the rules to it
    questions = [q for q in load_questions(REPO / "eval" / "questions.jsonl") if q.split != "test4"]
    assert len(questions) > 300
    rewritten = [(c.question, q.question) for q in questions for c in contexts
                 if resolver.resolve(q.question, c).changed]
    assert rewritten == []


def test_nothing_to_refer_to(assistant):
    declined, context = ask(assistant, "个人所得税起征点是多少？")
    assert declined.direct.type == "none" and context.clause == ""
    answer, _ = ask(assistant, "它的责任单位有哪些？", context)
    assert answer.resolved == "它的责任单位有哪些？"  # no referent: asked as it is, not guessed
    assert resolver_of(assistant).resolve("还有呢？", Context()).question == "还有呢？"


def test_chat_json_is_one_conversation(index_dir, capsys, monkeypatch):
    lines = "（九）讲了什么？\n它的责任单位有哪些？\n\n市财政局呢？\n新对话\n它的责任单位有哪些？\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    assert main(["chat", "--json", "--index", str(index_dir), "--corpus", str(CORPUS)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["resolved"] for o in out] == ["（九）讲了什么？", "（九）的责任单位有哪些？", "市财政局负责哪些工作？",
                                            "它的责任单位有哪些？"]
    assert out[1]["answer"]["units"] == NINE and len(out[2]["answer"]["clauses"]) == 5


def test_parallel_conversations_answer_as_sequential_ones(assistant):
    """qa serve answers requests on several threads: the same conversations, run at once, give the same JSON."""
    from concurrent.futures import ThreadPoolExecutor

    conversations = [["（九）讲了什么？", "它的责任单位有哪些？", "市财政局呢？"],
                     ["职业教育法第十一条讲了什么？", "第十二条呢？"], ["谁负责退役军人培训？", "具体内容呢？"],
                     ["双师型比例要达到多少？", "还有呢？"], ["个人所得税起征点是多少？"]] * 3

    def run(questions: list[str]) -> list[dict]:
        out, context = [], None
        for question in questions:
            answer, context = ask(assistant, question, context)
            out.append(answer.to_dict())
        return out

    sequential = [run(c) for c in conversations]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(run, conversations))
    assert parallel == sequential
