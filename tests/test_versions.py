"""Document facts (issuer, number, dates) and versions: two versions of one title are told apart, the newest
is current, older ones are cited 「（已修订）」 and searched only when a question names their year or all
versions are asked for. The two-version corpus is the 1996 and 2022 职业教育法 from ../shared/laws."""
from __future__ import annotations

import html
import os
import shutil
from pathlib import Path

import pytest

from qa.answer import Assistant
from qa.cli import build_parser
from qa.documents import read_document
from qa.index import build_index
from qa.metadata import document_info, superseded, versions_named
from qa.structure import Clause, parse_document

from .conftest import LAW, PLAN, REPO

SHARED = next((p for p in (REPO.parent / "shared", REPO.parent.parent / "shared") if (p / "laws").is_dir()), None)
TITLE = "中华人民共和国职业教育法"
OLD, NEW = "1996-05-15", "2022-04-20"
needs_shared = pytest.mark.skipif(SHARED is None and not os.environ.get("CI"),
                                  reason="../shared/laws is not beside the checkout")


def _law(version: str) -> Path:
    return SHARED / "laws" / "行政法" / f"职业教育法({version}).md"


@needs_shared
def test_lawrefbook_headers_give_dates_and_issuer():
    old, new = read_document(_law(OLD)).info, read_document(_law(NEW)).info
    assert (old.issuer, old.published, old.revised, old.effective, old.version) == \
        ("全国人民代表大会常务委员会", OLD, [], "1996-09-01", OLD)
    assert (new.published, new.revised, new.effective, new.version) == (OLD, [NEW], "2022-05-01", NEW)


@needs_shared
def test_every_revision_date_under_the_title_is_listed():
    info = read_document(SHARED / "laws" / "刑法" / "刑法.md").info
    assert info.published == "1979-07-01" and info.revised[0] == "1997-03-14"
    assert len(info.revised) == 14 and info.version == info.revised[-1] == "2023-12-29"


def test_plan_style_header_and_signature():
    paragraphs = [
        "湘政办发〔2022〕12号", "各县市区人民政府，市直各单位：", "现将《实施方案》印发给你们，请认真贯彻执行。",
        "一、总体要求", "本方案自印发之日起施行。", "XX市人民政府办公室", "2022年3月1日"]
    info = document_info("XX市人民政府办公室关于印发《关于加快推进职业教育现代化服务的实施方案》的通知", paragraphs)
    assert (info.issuer, info.number, info.published, info.version) == \
        ("XX市人民政府办公室", "湘政办发〔2022〕12号", "2022-03-01", "2022-03-01")


def test_chinese_numeral_dates_and_other_brackets():
    paragraphs = ["XX市教育局文件", "X教发[2021]7号", "正文。", "XX市教育局 二〇二一年十二月三十一日"]
    info = document_info("关于做好职业院校招生工作的通知", paragraphs)
    assert (info.issuer, info.number, info.published) == ("XX市教育局", "X教发〔2021〕7号", "2021-12-31")


def test_plan_states_no_date_and_keeps_its_citation():
    document = read_document(PLAN)
    assert document.info.to_dict() == {"issuer": "", "number": "", "published": "", "effective": "",
                                       "revised": [], "version": ""}
    nine = next(c for c in parse_document(document) if c.label == "（九）")
    assert nine.version == "" and nine.citation == \
        "关于加快推进职业教育现代化服务的实施方案 › 三、推进职业院校高位优质发展 › （九）着力打造“中部匠都”"


def test_clause_from_an_old_index_without_version_fields():
    law = parse_document(read_document(LAW))
    data = law[5].to_dict()
    del data["version"], data["superseded"]
    clause = Clause.from_dict(data)
    assert clause.version == "" and clause.citation == f"{TITLE} › {' › '.join(law[5].path)} › {law[5].label}"


@needs_shared
def test_superseded_names_the_older_version_only():
    clauses = [c for v in (OLD, NEW) for c in parse_document(read_document(_law(v)))]
    clauses += parse_document(read_document(PLAN))
    assert superseded(clauses) == {(TITLE, OLD)}
    assert superseded(list(reversed(clauses))) == {(TITLE, OLD)}
    assert versions_named("1996年的职业教育法什么时候施行？", [(TITLE, OLD), (TITLE, NEW)]) == {TITLE: OLD}
    assert versions_named("2022年版职业教育法", [(TITLE, OLD), (TITLE, NEW)]) == {TITLE: NEW}
    assert versions_named("到2025年要建多少门课程", [(TITLE, OLD), (TITLE, NEW)]) == {}


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory, embedder) -> Assistant:
    if SHARED is None:
        pytest.skip("../shared/laws is not beside the checkout")
    corpus = tmp_path_factory.mktemp("two-versions")
    for version in (OLD, NEW):
        shutil.copy(_law(version), corpus)
    index = tmp_path_factory.mktemp("two-versions-index")
    build_index(corpus, index, embedder, progress=False)
    return Assistant(index, corpus, embedder=embedder, rebuild=False, progress=False)


def _versions(answer) -> set[str]:
    return {r.clause.version for r in answer.results}


@pytest.mark.slow
@needs_shared
def test_the_current_version_answers(two_versions):
    answer = two_versions.ask("职业教育法什么时候开始施行？")
    first = answer.results[0].clause
    assert (first.version, first.label) == (NEW, "第六十九条")
    assert first.citation == f"{TITLE}（{NEW}） › 第八章 附 则 › 第六十九条"
    assert _versions(answer) == {NEW}


@pytest.mark.slow
@needs_shared
def test_a_year_in_the_question_chooses_the_older_version(two_versions):
    answer = two_versions.ask("1996年的职业教育法什么时候开始施行？")
    first = answer.results[0].clause
    assert (first.version, first.label) == (OLD, "第四十条")
    assert first.citation == f"{TITLE}（{OLD}）（已修订） › 第五章 附则 › 第四十条"
    assert _versions(answer) == {OLD} and any("已修订" in note for note in answer.notes)


@pytest.mark.slow
@needs_shared
def test_all_versions_and_the_document_filter(two_versions):
    assert OLD in _versions(two_versions.ask("职业教育法什么时候开始施行？", k=10, all_versions=True))
    labels = two_versions.document_labels()
    assert labels == [f"{TITLE}（{OLD}，已修订）", TITLE]
    assert _versions(two_versions.ask("什么时候开始施行？", docs={labels[0]})) == {OLD}
    assert _versions(two_versions.ask("什么时候开始施行？", docs={TITLE})) == {NEW}
    # a named article comes from the current version only, not from both
    found = two_versions.ask("职业教育法第五条").results
    assert [(r.clause.version, r.clause.label) for r in found] == [(NEW, "第五条")]
    result = two_versions.ask("1996年职业教育法第五条").to_dict()["results"][0]
    assert (result["version"], result["superseded"]) == (OLD, True)


def test_ask_takes_all_versions():
    assert build_parser().parse_args(["ask", "职业教育法什么时候开始施行？", "--all-versions"]).all_versions
    assert not build_parser().parse_args(["ask", "问题"]).all_versions


@pytest.mark.slow
@needs_shared
def test_web_filter_lists_both_versions_and_offers_the_checkbox(two_versions):
    import gradio as gr

    from qa.app import build_app, render_outline

    blocks = build_app(two_versions).blocks.values()
    box = next(b for b in blocks if isinstance(b, gr.Checkbox) and b.label == "包含已修订版本")
    assert box.visible and box.value is False
    chooser = next(b for b in blocks if isinstance(b, gr.Dropdown) and b.label == "检索范围（文件）")
    assert [value for _, value in chooser.choices] == [f"{TITLE}（{OLD}，已修订）", TITLE]
    outline = html.unescape(render_outline(two_versions.index.clauses))  # two documents, not one merged
    assert f"{TITLE}（{OLD}）（已修订）" in outline and f"{TITLE}（{NEW}）" in outline
