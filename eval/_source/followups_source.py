# -*- coding: utf-8 -*-
"""Writes followups.jsonl: follow-up conversation cases (written from plan.txt / law.md only)."""
import json, os

PLAN = "关于加快推进职业教育现代化服务的实施方案"
LAW = "中华人民共和国职业教育法"
HERE = os.path.dirname(os.path.abspath(__file__))


def c(history, question, resolved, doc, clause, department, answer, standalone=False):
    return dict(history=history, question=question, standalone=standalone,
                expect=dict(resolved=resolved, doc=doc, clause=clause,
                            department=department, answer=answer))


CASES = [
    # required chain
    c([], "（九）讲了什么？", "（九）讲了什么？", PLAN, "（九）", None, "clause", standalone=True),
    c(["（九）讲了什么？"], "它的责任单位有哪些？", "（九）的责任单位有哪些？", PLAN, "（九）", None, "units"),
    c(["（九）讲了什么？", "它的责任单位有哪些？"], "市财政局呢？", "市财政局负责哪些工作？",
      PLAN, "（九）", "市财政局", "duties"),
    # pronouns
    c(["（十二）的责任单位是哪些？"], "这条讲了什么？", "（十二）讲了什么？", PLAN, "（十二）", None, "clause"),
    c(["（十四）的责任单位有哪些？"], "该条提出到2025年要建设多少个市级生产性实训示范基地？",
      "（十四）提出到2025年要建设多少个市级生产性实训示范基地？", PLAN, "（十四）", None, "number"),
    c(["（七）讲了什么？"], "这一条里要争取多少所中职学校立项国家优质中等职业学校？",
      "（七）里要争取多少所中职学校立项国家优质中等职业学校？", PLAN, "（七）", None, "number"),
    c(["职业教育法第五十条讲了什么？"], "上面说的实习协议什么情况下要签？",
      "职业教育法第五十条中，实习协议什么情况下要签？", LAW, "第五十条", None, "passages"),
    c(["市残联负责什么工作？"], "跟它一起负责这项工作的还有哪些单位？",
      "和市残联一起负责（九）的还有哪些单位？", PLAN, "（九）", None, "units"),
    # department swaps
    c(["市发展改革委负责哪些工作？"], "市财政局呢？", "市财政局负责哪些工作？", PLAN, "（九）", "市财政局", "duties"),
    c(["市教育局负责哪些工作？"], "那市国资委呢？", "市国资委负责哪些工作？", PLAN, "（十五）", "市国资委", "duties"),
    c(["（十一）的责任单位有哪些？"], "市农业农村局呢？", "市农业农村局负责哪些工作？",
      PLAN, "（九）", "市农业农村局", "duties"),
    # clause swap
    c(["（八）由谁负责？"], "（十二）呢？", "（十二）由谁负责？", PLAN, "（十二）", None, "units"),
    # law article swap
    c(["职业教育法第十一条讲了什么？"], "第十二条呢？", "职业教育法第十二条讲了什么？", LAW, "第十二条", None, "clause"),
    # no-topic follow-ups
    c(["方案里的（十七）是关于什么的？"], "具体内容呢？", "（十七）的具体内容是什么？", PLAN, "（十七）", None, "clause"),
    c(["（十二）对专业教师有什么要求？"], "还有呢？", "（十二）对专业教师还有什么要求？", PLAN, "（十二）", None, "passages"),
    c(["（十三）主要讲什么？"], "具体呢？", "（十三）具体讲了什么？", PLAN, "（十三）", None, "clause"),
    # document swaps
    c(["方案里对学生实习有什么规定？"], "职业教育法里呢？", "职业教育法对学生实习有什么规定？",
      LAW, "第五十条", None, "passages"),
    c(["职业教育法对产教融合型企业有什么支持？"], "那实施方案里呢？", "实施方案对产教融合型企业有什么支持？",
      PLAN, "（十六）", None, "passages"),
    # 3-turn chains
    c(["（十五）讲了什么？", "它的责任单位有哪些？"], "排第一的那个单位还负责哪些工作？",
      "市工业和信息化局负责哪些工作？", PLAN, "（十四）", "市工业和信息化局", "duties"),
    c(["职业教育法第四十六条讲了什么？", "那第四十七条呢？"], "这条里提到了哪些高技能人才？",
      "职业教育法第四十七条里提到了哪些高技能人才？", LAW, "第四十七条", None, "passages"),
    # stand-alone questions with a history: must NOT be rewritten
    c(["（九）讲了什么？"], "职业教育法第十二条讲了什么？", "职业教育法第十二条讲了什么？",
      LAW, "第十二条", None, "clause", standalone=True),
    c(["市财政局负责哪些工作？"], "方案的总体目标是什么？", "方案的总体目标是什么？",
      PLAN, "（二）", None, "passages", standalone=True),
    c(["（十二）的责任单位有哪些？"], "（十六）的责任单位有哪些？", "（十六）的责任单位有哪些？",
      PLAN, "（十六）", None, "units", standalone=True),
    c(["职业教育法第五十条讲了什么？"], "市人力资源和社会保障局负责哪些工作？", "市人力资源和社会保障局负责哪些工作？",
      PLAN, "（三）", "市人力资源和社会保障局", "duties", standalone=True),
    c(["（七）由谁负责？"], "职业院校新进专业专任教师要有几年企业工作经历？", "职业院校新进专业专任教师要有几年企业工作经历？",
      PLAN, "（十二）", None, "number", standalone=True),
    c(["市教育局负责哪些工作？"], "市委编办负责哪些工作？", "市委编办负责哪些工作？",
      PLAN, "（十二）", "市委编办", "duties", standalone=True),
]


def main():
    plan = open(os.path.join(HERE, "plan.txt"), encoding="utf-8").read()
    law = open(os.path.join(HERE, "law.md"), encoding="utf-8").read()
    errs = []
    assert len(CASES) == 26, len(CASES)
    for i, x in enumerate(CASES, 1):
        x["id"] = "fu-%03d" % i
        e = x["expect"]
        text = plan if e["doc"] == PLAN else law
        if e["clause"] and e["clause"] not in text:
            errs.append((x["id"], "clause missing", e["clause"]))
        if e["department"] and e["department"] not in plan:
            errs.append((x["id"], "department missing", e["department"]))
        if x["standalone"] and e["resolved"] != x["question"]:
            errs.append((x["id"], "standalone but rewritten"))
        if not x["standalone"] and e["resolved"] == x["question"]:
            errs.append((x["id"], "not standalone but unchanged"))
        assert 0 <= len(x["history"]) <= 3
    n_sa = sum(1 for x in CASES if x["standalone"] and x["history"])
    print("cases", len(CASES), "standalone-with-history", n_sa, "errors", errs)
    with open(os.path.join(HERE, "followups.jsonl"), "w", encoding="utf-8") as f:
        for x in CASES:
            o = {"id": x["id"], "history": x["history"], "question": x["question"],
                 "standalone": x["standalone"], "expect": x["expect"]}
            f.write(json.dumps(o, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
