"""The learned question classifier (qa/classifier.py): its shipped weights, routing, files and command."""
from __future__ import annotations

import json

import numpy as np
import pytest

from qa.classifier import KINDS, ClassifierError, Labelled, QuestionClassifier, data_folder, fit, load_classifier, route
from qa.cli import main
from qa.model import file_sha256

from .conftest import REPO


def test_the_shipped_classifier_belongs_to_the_shipped_model_and_training_files(assistant, embedder):
    assert assistant.classifier is not None and assistant.classifier.fingerprint == embedder.fingerprint
    record = json.loads((data_folder() / "classifier.json").read_text(encoding="utf-8"))
    # the weights were fitted on exactly the training files in the repository (retrain after changing them)
    assert record["questions"] == {name: file_sha256(REPO / "eval" / "train" / name)
                                   for name in ("questions.jsonl", "kinds.jsonl")}
    assert set(record["kinds_count"]) == set(KINDS) and record["count"] == sum(record["kinds_count"].values())


@pytest.mark.parametrize("question,kind", [
    ("谁负责退役军人培训？", "who"),
    ("学生考证的事归谁管", "who"),
    ("市财政局负责哪些工作？", "duties"),
    ("这个方案主要讲了啥", "overview"),
    ("职教法有几章", "overview"),
    ("（十二）讲什么", "clause"),  # the exact rule decides, whatever the classifier says
    ("新进专业教师要几年企业经历？", "number"),
    ("技校老师要有啥企业经历", "general"),
])
def test_questions_are_routed_by_kind(assistant, question, kind):
    assert assistant.intent_of(question).kind == kind


@pytest.mark.parametrize("question", ["今天要不要带伞", "职校学费一年多少钱", "市财政局地址在哪"])
def test_out_of_scope_questions_are_declined_with_what_is_near(assistant, question):
    answer = assistant.ask(question)
    assert answer.signals["out_of_scope"] > 0.5
    assert answer.direct.type == "none" and answer.direct.text.startswith("文件中未找到相关内容")
    assert answer.results and all(r.weak for r in answer.results)


def test_an_overview_question_gets_the_outline_but_a_clause_title_gets_its_clause(assistant):
    assert assistant.ask("想知道这方案整体框架是啥样").direct.type == "outline"
    answer = assistant.ask("这个方案的总体目标是什么？")
    assert answer.direct.type != "outline" and answer.results[0].clause.label == "（二）"


def test_route_never_gives_a_who_question_a_departments_duties():
    probabilities = dict.fromkeys(KINDS, 0.0)
    assert route("市财政局牵头什么", {**probabilities, "duties": 0.9, "who": 0.1}, "市财政局").kind == "who"
    # duties without a named department: the next kind answers
    assert route("这事管哪些", {**probabilities, "duties": 0.6, "general": 0.3}, None).kind == "general"
    assert route("财政局管哪些", {**probabilities, "duties": 0.6, "general": 0.3}, "市财政局").department == "市财政局"
    # out of scope is the decline model's call: searched (then weighed), never a structural answer
    assert route("市财政局地址", {**probabilities, "out_of_scope": 0.9, "duties": 0.06}, "市财政局").kind == "general"
    assert route("学费", {**probabilities, "out_of_scope": 0.4, "number": 0.5}, None).kind == "number"


def test_weights_round_trip_and_belong_to_one_model(tmp_path):
    data = Labelled(["谁负责培训", "谁管考证", "方案讲啥", "方案分几部分", "学费多少", "天气咋样"] * 2,
                    ["who", "who", "overview", "overview", "out_of_scope", "out_of_scope"] * 2,
                    [str(i) for i in range(12)])
    vectors = np.random.default_rng(0).normal(size=(12, 8)).astype(np.float32)
    model = fit(data, vectors, "abc", c=4.0, embedding_weight=0.5)
    model.save(tmp_path, {"command": "test"})
    again = QuestionClassifier.load(tmp_path)
    assert again.kinds == ("out_of_scope", "overview", "who")
    assert np.allclose(again.probabilities(data.texts, vectors), model.probabilities(data.texts, vectors), atol=1e-5)
    assert model.probabilities(["谁负责"], vectors[:1]).argmax() == model.kinds.index("who")
    assert load_classifier("abc", tmp_path) is not None and load_classifier("another model", tmp_path) is None
    with open(tmp_path / "classifier.npz", "ab") as fh:  # a damaged weights file is refused, not half-read
        fh.write(b"x")
    with pytest.raises(ClassifierError, match="校验失败"):
        QuestionClassifier.load(tmp_path)


def test_without_the_classifier_the_rule_tables_route(index_dir, embedder):
    from qa.answer import Assistant

    from .conftest import CORPUS

    rules = Assistant(index_dir, CORPUS, embedder=embedder, rebuild=False, progress=False, classifier=False)
    answer = rules.ask("谁负责退役军人培训？")
    assert rules.classifier is None and answer.intent == "who" and "out_of_scope" not in answer.signals
    assert answer.direct.type == "units"


def test_train_command_refuses_a_missing_file(tmp_path, capsys):
    assert main(["classifier", "train", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "out")]) == 1
    assert "问题文件不存在" in capsys.readouterr().err and not (tmp_path / "out").exists()
