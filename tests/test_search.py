from __future__ import annotations

import numpy as np
import pytest

from qa import ranking, search
from qa.answer import QuestionError
from qa.structure import Clause

PLAIN_QUESTIONS = [
    ("谁负责退役军人的职业培训", "（九）", "退役军人"),
    ("新进专业教师要几年企业经历？", "（十二）", "3年以上企业工作经历"),
    ("双师型教师比例要达到多少？", "（十二）", "60%"),
    ("这个方案的总体目标是什么？", "（二）", "总体目标"),
    ("精品在线课程要建多少门？", "（八）", "200门精品在线课程"),
    ("规模企业要按职工总数的多少比例设置实习岗位？", "（十七）", "2%"),
    ("职业学校教育分为哪几个层次？", "第十五条", "中等职业学校教育、高等职业学校教育"),
]


@pytest.mark.parametrize("question,label,key", PLAIN_QUESTIONS)
def test_question_finds_its_clause_and_sentence(assistant, question, label, key):
    answer = assistant.ask(question, k=3)
    first = answer.results[0]
    assert first.clause.label == label
    assert key in first.highlight[0]


def test_who_question_puts_clause_nine_first_with_nine_departments(assistant):
    data = assistant.ask("谁负责退役军人的职业培训", k=5).to_dict()
    first = data["results"][0]
    assert first["label"] == "（九）"
    assert first["departments"] == ["市教育局", "市人力资源和社会保障局", "市财政局", "市退役军人事务局",
                                    "市农业农村局", "市乡村振兴局", "市残联", "各县市区人民政府", "各园区管委会"]
    assert set(first) >= {"doc", "path", "label", "title", "citation", "text", "highlight", "units", "score"}


@pytest.mark.parametrize("question", ["", "   \n\t "])
def test_empty_question_is_refused(assistant, question):
    with pytest.raises(QuestionError, match="问题不能为空"):
        assistant.ask(question)


def test_overlong_question_is_cut_with_a_note(assistant):
    answer = assistant.ask("职业教育" * 3000, k=2)
    assert len(answer.question) == 500 and answer.notes and len(answer.results) == 2


def test_a_scoped_search_scores_the_scoped_documents_only(assistant, monkeypatch):
    """Over a large collection a document's clauses may reach no channel's candidates; a search limited to
    it must still find its best clauses (simulated here with two candidates a channel)."""
    monkeypatch.setattr(search, "CANDIDATES", 2)
    monkeypatch.setattr(search, "DEPTH", 2)
    searcher = search.Searcher(assistant.index, assistant.embedder)
    plan = "关于加快推进职业教育现代化服务的实施方案"
    question = "公民有接受职业教育的权利吗"  # the law's topic
    assert all(assistant.index.clauses[h.clause].doc != plan for h in searcher.search(question))
    scoped = searcher.search(question, docs={plan})
    assert scoped and {assistant.index.clauses[h.clause].doc for h in scoped} == {plan}
    assert assistant.index.clauses[searcher.search("双师型比例", docs={plan})[0].clause].label == "（十二）"


def test_title_match_allows_characters_in_between():
    assert ranking.title_match("职业教育发展的总目标", "总体目标") == 0.75
    assert ranking.title_match("这个方案的指导思想", "指导思想") == 1.0
    assert ranking.title_match("目标", "总体目标") == 0.5 and ranking.title_match("标", "总体目标") == 0.0


def _clause(doc: str, departments: list[str] = (), kind: str = "article") -> Clause:
    return Clause(doc, f"{doc}.md", ["第一章 总则"], "第一条", "", "第一条 …", kind, ["第一条 …"], list(departments))


def test_a_place_the_question_names_steers_to_its_document():
    docs = ranking.profiles([_clause("上海市职业教育条例"), _clause("河南省职业教育条例"), _clause("中华人民共和国职业教育法"),
                             _clause("实施方案", ["市教育局", "市财政局"], kind="clause")])
    assert docs["上海市职业教育条例"] == ranking.DocProfile("上海", "city")
    assert docs["河南省职业教育条例"] == ranking.DocProfile("河南", "province")
    assert docs["中华人民共和国职业教育法"].level == "national" and docs["实施方案"].level == "city"
    question = "在上海开办职业培训机构需要具备哪些条件？"
    q = ranking.view(question, question, ["职业培训", "机构"], {"上海", "河南"})
    place = {t: ranking.features(q, _clause(t), docs[t])[4:6] for t in docs}
    assert place["上海市职业教育条例"] == [1.0, 0.0] and place["河南省职业教育条例"] == [0.0, 1.0]
    assert place["中华人民共和国职业教育法"] == [0.0, 1.0]
    w = dict(zip(ranking.FEATURES, ranking.weights()))
    assert w["place"] - w["other_place"] > 0  # the learned weights prefer the named place


def test_the_plan_clause_with_the_quantity_leads_and_the_law_article_follows(assistant):
    """Both match; the specific clause carrying the number leads, the general article is not dropped."""
    results = assistant.ask("企业要提供多少实习岗位？", k=5).results
    assert results[0].clause.label == "（十七）" and "2%" in results[0].highlight[0]
    assert "第五十条" in [r.clause.label for r in results]


# -- fusion when a channel is absent (issue 12)

def test_an_absent_channel_leaves_its_weight_to_its_family():
    four = search.channel_weights(list(search.WEIGHTS))
    assert four == search.WEIGHTS  # all channels present: the weights as tuned
    three = search.channel_weights(["dense_clause", "bm25_clause", "bm25_sentence"])  # no sentence vectors
    assert three["dense_clause"] == pytest.approx(search.WEIGHTS["dense_clause"] + search.WEIGHTS["dense_sentence"])
    assert three["bm25_clause"] + three["bm25_sentence"] == pytest.approx(
        search.WEIGHTS["bm25_clause"] + search.WEIGHTS["bm25_sentence"])


def test_without_sentence_vectors_dense_keeps_its_vote(monkeypatch):
    # clause 1 leads the dense channel clearly, clause 2 leads both lexical channels a little: with the
    # four-channel weights applied to three channels BM25 had two thirds of the vote and clause 2 won
    dense = {1: 0.90, 2: 0.80, 3: 0.79, 4: 0.78, 5: 0.77}
    bm25 = {1: 9.0, 2: 12.0, 3: 8.0, 4: 7.0, 5: 6.0}
    channels = {"dense_clause": dense, "bm25_clause": bm25, "bm25_sentence": dict(bm25)}
    fused = search.fuse(channels)
    assert max(fused, key=fused.get) == 1
    monkeypatch.setattr(search, "RENORMALISE", False)
    fused = search.fuse(channels)
    assert max(fused, key=fused.get) == 2


def test_reranking_keeps_an_absent_channels_weight_in_its_family():
    """Without sentence vectors the dense family's re-ranking weight stays with dense_clause (as in fusion)."""
    z = ranking.channel_z({"dense_clause": {0: 0.9, 1: 0.5, 2: 0.1}, "bm25_clause": {0: 1.0, 1: 5.0, 2: 3.0},
                           "bm25_sentence": {0: 1.0, 1: 5.0, 2: 3.0}}, 10)
    q = ranking.view("问题", "问题", [], set())
    clauses = [Clause("法", "法.md", [], f"第{i}条", "", "…", "article", ["…"]) for i in "一二三"]
    rows = ranking.matrix([0, 1, 2], z, q, clauses, ranking.profiles(clauses))
    column = {name: i for i, name in enumerate(ranking.FEATURES)}
    assert list(rows[:, column["dense_sentence"]]) == list(rows[:, column["dense_clause"]])
    assert rows[0, column["dense_clause"]] > rows[1, column["dense_clause"]] > rows[2, column["dense_clause"]]


def test_sentence_features_read_the_question():
    from qa import highlight

    sentences = ["加强双师型教师队伍建设。", "双师型教师占专业课教师比例达到50%以上。", "（责任单位：市教育局、市财政局）"]
    number = highlight.sentence_features("双师型教师比例要达到多少", ["双师型", "教师", "比例"], sentences,
                                         [0.8, 0.8, 0.5], [1.0, 2.0, 0.0], 2.0)
    column = {name: number[:, i].tolist() for i, name in enumerate(highlight.FEATURES)}
    assert column["number"] == [0.0, 1.0, 0.0] and column["first"] == [1.0, 0.0, 0.0]
    assert column["bm25"] == [0.5, 1.0, 0.0] and column["departments_other"] == [0.0, 0.0, 1.0]
    who = highlight.sentence_features("双师型教师队伍建设谁负责", ["双师型"], sentences, [0.8] * 3, [1.0] * 3, 1.0)
    assert who[:, highlight.FEATURES.index("departments_who")].tolist() == [0.0, 0.0, 1.0]
    assert not who[:, highlight.FEATURES.index("number")].any()
    # the shipped weights: a number question leads with the sentence stating the number
    assert int(np.argmax(number @ highlight.weights())) == 1
