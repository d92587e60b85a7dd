"""Facts across documents (issue 10, item 5): responsibility notes in every written form, department names
matched by rules, duties grouped by document — on plans written here in other places' styles, not only on
the seed plan."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qa.cli import main
from qa.facts import extract_targets, department_names, duties, duties_by_document, resolve_department, role, same_department
from qa.index import corpus_clauses, read_corpus
from qa.structure import parse_units, strip_units

from .conftest import PLAN

SEED = "关于加快推进职业教育现代化服务的实施方案"
# Another city (市-level): 牵头单位/配合单位 on their own lines or in brackets, short and long names mixed.
CITY = "某市职业技能提升行动实施方案"
CITY_TEXT = f"""# {CITY}

一、重点任务

（一）扩大培训规模。到2026年，完成补贴性职业技能培训3万人次以上。

牵头单位：市人社局

配合单位：市财政局、市发改委、市教育局

（二）建设公共实训基地。到2027年建成5个公共实训基地。（牵头单位：市发展和改革委员会；配合单位：市人社局、市财政局）

（三）加强宣传引导。营造崇尚技能的社会氛围。（市委宣传部牵头，市人社局、市教育局配合）
"""
# A district (区-level): another level, so its 区财政局 is not the cities' 市财政局.
DISTRICT = "某区职业教育集团化办学工作方案"
DISTRICT_TEXT = f"""# {DISTRICT}

一、主要任务

（一）推进集团化办学。到2025年，组建3个职业教育集团。（牵头单位：区教育局；配合单位：区人社局、区财政局、区工信局）

（二）完善经费保障。足额落实生均经费。（区财政局牵头，区教育局、区人力资源和社会保障局配合）

（三）落实教师编制。按标准核定编制。（责任单位：区委编办、区教育局、区人力资源和社会保障局）
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("plans")
    shutil.copy(PLAN, folder)
    (folder / "city.md").write_text(CITY_TEXT, encoding="utf-8")
    (folder / "district.md").write_text(DISTRICT_TEXT, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def clauses(corpus):
    return corpus_clauses(read_corpus(corpus))


def by_label(clauses, doc: str) -> dict:
    return {c.label: c for c in clauses if c.doc == doc and c.label}


@pytest.mark.parametrize("text,lead,support,explicit,cut", [
    ("任务。（责任单位：市教育局、市财政局、市人社局）", ["市教育局"], ["市财政局", "市人社局"], False, False),
    ("任务。（牵头单位：区教育局；配合单位：区人社局、区财政局）", ["区教育局"], ["区人社局", "区财政局"], True, False),
    ("任务。\n牵头单位：区教育局\n配合单位：区人社局、区财政局", ["区教育局"], ["区人社局", "区财政局"], True, False),
    ("任务。\n牵头单位：区教育局　配合单位：区人社局", ["区教育局"], ["区人社局"], True, False),
    ("任务（区教育局牵头，区人社局、区财政局配合）。", ["区教育局"], ["区人社局", "区财政局"], True, False),
    ("任务。（由区教育局牵头）", ["区教育局"], [], True, False),
    ("任务。（牵头单位：区教育局；配合单位：区人社局、区财", ["区教育局"], ["区人社局"], True, True),
    ("没有写明责任单位的任务。", [], [], False, False),
])
def test_responsibility_forms(text, lead, support, explicit, cut):
    units = parse_units(text)
    assert (units.lead, units.support, units.explicit, units.cut) == (lead, support, explicit, cut)
    assert units.departments == lead + support
    tasks = strip_units(text)  # the task alone: no unit name left behind, the task's words all kept
    assert not any(name in tasks for name in units.departments) and tasks.rstrip("。\n") in text


def test_other_plans_parse_lead_and_support(clauses):
    city, district = by_label(clauses, CITY), by_label(clauses, DISTRICT)
    assert (city["（一）"].lead, city["（一）"].support) == (["市人社局"], ["市财政局", "市发改委", "市教育局"])
    assert (city["（二）"].lead, city["（二）"].support) == (["市发展和改革委员会"], ["市人社局", "市财政局"])
    assert (city["（三）"].lead, city["（三）"].support) == (["市委宣传部"], ["市人社局", "市教育局"])
    assert all(c.lead_explicit for c in city.values())
    assert district["（二）"].departments == ["区财政局", "区教育局", "区人力资源和社会保障局"]
    assert not district["（三）"].lead_explicit and district["（三）"].lead == ["区委编办"]
    seed = by_label(clauses, SEED)
    assert (seed["（三）"].lead, seed["（三）"].lead_explicit) == (["市委组织部"], False)


@pytest.mark.parametrize("a,b,same", [
    ("市人社局", "市人力资源和社会保障局", True),
    ("区人社局", "区人力资源和社会保障局", True),
    ("市发改委", "市发展改革委", True),
    ("市发展和改革委员会", "市发改委", True),
    ("区工信局", "区工业和信息化局", True),
    ("市自规局", "市自然资源和规划局", True),
    ("市自然资源规划局", "市自然资源和规划局", True),
    ("市委编办", "市委机构编制委员会办公室", True),  # an exception from departments.tsv
    ("各县市区人民政府", "县市区政府", True),
    ("财政局", "区财政局", True),  # no level: matches within any one document's level
    ("市财政局", "区财政局", False),
    ("市委组织部", "区委组织部", False),
    ("市教育局", "市财政局", False),
    ("市人社局", "市委宣传部", False),
])
def test_department_names_by_rules(a, b, same):
    assert same_department(a, b) is same and same_department(b, a) is same


def test_department_list_merges_names_of_one_department(clauses):
    names = department_names(clauses)
    assert ("市人社局" in names) + ("市人力资源和社会保障局" in names) == 1  # listed once, as first named
    assert "区人社局" in names and "区财政局" in names  # another level: another department
    assert names.count("市财政局") == 1


def test_duties_across_documents(clauses):
    found = {doc: (name, [c.label for c in listed]) for doc, name, listed in duties_by_document("市财政局", clauses)}
    assert found == {SEED: ("市财政局", ["（九）", "（十二）", "（十四）", "（十五）", "（十六）"]),
                     CITY: ("市财政局", ["（一）", "（二）"])}
    hr = {doc: (name, [c.label for c in listed]) for doc, name, listed in duties_by_document("人社局", clauses)}
    assert hr[CITY] == ("市人社局", ["（一）", "（二）", "（三）"])
    assert hr[DISTRICT] == ("区人社局", ["（一）", "（二）", "（三）"])  # 区人社局 = 区人力资源和社会保障局
    full = "市人力资源和社会保障局"
    assert hr[SEED] == (full, [c.label for c in clauses if c.doc == SEED and full in c.departments])
    assert len(hr[SEED][1]) == 14
    district = duties_by_document("区人力资源和社会保障局", clauses)
    assert [(doc, [c.label for c in listed]) for doc, _, listed in district] == [(DISTRICT, ["（一）", "（二）", "（三）"])]
    assert [c.label for c in duties("市发改委", [c for c in clauses if c.doc == CITY])] == ["（一）", "（二）"]


def test_roles(clauses):
    city = by_label(clauses, CITY)
    assert role("市人社局", city["（一）"]) == "牵头" and role("市人力资源和社会保障局", city["（二）"]) == "配合"
    assert role("发改委", city["（二）"]) == "牵头"


def test_resolve_department_respects_levels(clauses):
    district = [c for c in clauses if c.doc == DISTRICT]
    assert resolve_department("区人社局负责什么", district) == "区人社局"
    assert resolve_department("财政局负责什么", district) == "区财政局"
    assert resolve_department("市财政局负责什么", district) is None  # not the district's bureau
    seed = [c for c in clauses if c.doc == SEED]
    assert resolve_department("市发展和改革委员会负责什么", seed) == "市发展改革委"


def test_cli_duties_grouped_by_document(corpus, capsys):
    assert main(["duties", "市财政局", "--corpus", str(corpus)]) == 0
    out = capsys.readouterr().out
    assert f"《{SEED}》：市财政局是以下 5 项工作的责任单位" in out and f"《{CITY}》：市财政局是以下 2 项工作" in out
    assert DISTRICT not in out
    assert main(["duties", "区财政局", "--json", "--corpus", str(corpus)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(d["doc"], [c["label"] for c in d["clauses"]]) for d in data["documents"]] == [
        (DISTRICT, ["（一）", "（二）"])]
    assert main(["duties", "公安局", "--corpus", str(corpus)]) == 1
    assert "没有「公安局」" in capsys.readouterr().err


def test_web_duties_view_groups_by_document(clauses):
    from qa.app import render_duties

    shown = render_duties("市财政局", clauses)
    assert f"《{SEED}》：<b>市财政局</b>是以下 5 项工作" in shown and f"《{CITY}》：<b>市财政局</b>是以下 2 项工作" in shown
    assert DISTRICT not in shown


def test_targets_of_other_plans_keep_their_own_deadlines(clauses):
    city = [(t.label, f"{t.number}{t.unit}{t.qualifier}", t.deadline) for t in extract_targets(clauses) if t.citation.startswith(CITY)]
    assert city == [("（一）", "3万人次以上", "2026年"), ("（二）", "5个", "2027年")]


def test_clauses_stored_before_lead_and_support_get_them_from_their_text(clauses):
    from qa.structure import Clause

    for clause in by_label(clauses, CITY).values():
        old = {k: v for k, v in clause.to_dict().items() if k not in ("lead", "support", "lead_explicit")}
        assert Clause.from_dict(old) == clause
