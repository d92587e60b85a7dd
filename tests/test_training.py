"""Fine-tuning (qa/training.py) and the shipped model delta (qa/model.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from safetensors.numpy import load_file

from qa.cli import main
from qa.model import (BASE_MODEL, DEFAULT_MODEL, apply_delta, base_model_dir, build_base_model, shipped_delta,
                      verify_model_dir)
from qa.training import (OUTLINE, WINDOW, TrainingError, load_training_questions, load_units, passage_window,
                         training_pairs, validate)

from .conftest import CORPUS, REPO

PLAN_FILE, LAW_FILE = "关于加快推进职业教育现代化服务的实施方案.docx", "中华人民共和国职业教育法(2022-04-20).md"
PLAN, LAW = "关于加快推进职业教育现代化服务的实施方案", "中华人民共和国职业教育法"
LAWS = REPO.parent / "shared" / "laws"
TRAINING = REPO / "eval" / "train" / "questions.jsonl"


def row(question: str, gold: list[str], answer: str, kind: str = "general", file: str | None = PLAN_FILE,
        doc: str | None = PLAN) -> dict:
    return {"question": question, "doc": doc, "file": file, "gold": gold, "answer": answer, "kind": kind,
            "style": "colloquial"}


def write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


GOOD = [
    row("技校老师要有啥企业经历", ["（十二）"], "3年以上企业工作经历"),
    row("退役军人培训谁管", ["（九）"], "市退役军人事务局", kind="who"),
    row("职教法第十条讲啥", ["第十条"], "国家采取措施", kind="clause", file=LAW_FILE, doc=LAW),
    row("这方案讲了啥", [OUTLINE], "", kind="overview"),
    row("中职奖学金一年多少钱", [], "", kind="out_of_scope", file=None, doc=None),
]


def test_validation_names_each_bad_line(tmp_path):
    bad = GOOD + [row("没这条", ["（十九）"], "x"), row("答案不对", ["（十二）"], "五年企业经历")]
    questions = load_training_questions(write(tmp_path / "q.jsonl", bad))
    problems = validate(questions, load_units(questions, [CORPUS]))
    assert problems == [f"第 6 行：{PLAN_FILE} 中没有单元 （十九）",
                        f"第 7 行：答案「五年企业经历」不在 {PLAN_FILE} （十二） 的原文中"]


def test_malformed_file_is_a_clear_error(tmp_path):
    (tmp_path / "q.jsonl").write_text('{"question": "x"}\n{oops\n', encoding="utf-8")
    with pytest.raises(TrainingError, match="第 1 行格式错误"):
        load_training_questions(tmp_path / "q.jsonl")
    write(tmp_path / "k.jsonl", [{**GOOD[0], "kind": "gossip"}])
    with pytest.raises(TrainingError, match="未知的问题类型"):
        load_training_questions(tmp_path / "k.jsonl")


def test_train_refuses_a_bad_file_and_writes_nothing(tmp_path, capsys):
    path = write(tmp_path / "q.jsonl", GOOD + [row("没这条", ["（十九）"], "x")])
    out = tmp_path / "delta"
    assert main(["model", "train", str(path), "--documents", str(CORPUS), "--out", str(out)]) == 1
    assert "1 处错误，未开始训练" in capsys.readouterr().err and not out.exists()
    assert main(["model", "train", str(tmp_path / "missing.jsonl"), "--out", str(out)]) == 1


def test_pairs_hold_the_answer_and_a_same_document_hard_negative(tmp_path):
    questions = load_training_questions(write(tmp_path / "q.jsonl", GOOD))
    store = load_units(questions, [CORPUS])
    pairs = training_pairs(questions, store)
    assert len(pairs) == 3  # overview and out-of-scope questions have no unit to train towards
    teacher = pairs[0]
    assert "3年以上企业工作经历" in teacher["positive"] and teacher["positive"].startswith(PLAN)
    assert "（十二）" in teacher["positive"]  # the clause's lead sentence stays in a window
    assert "（十二）" not in teacher["negative"] and teacher["negative"].startswith(PLAN)
    assert pairs[2]["negative"].startswith(LAW) and "第十条" not in pairs[2]["negative"]


def test_window_is_short_and_keeps_the_answer():
    questions = [q for q in load_training_questions(TRAINING) if q.file == PLAN_FILE and q.kind == "general"]
    store = load_units(questions, [CORPUS])
    for q in questions[:200]:
        unit = store.unit(q.file, q.gold[0])
        window = passage_window(unit, q.answer)
        assert q.answer in window
        header = "\n".join([unit.doc, *unit.path]) + "\n"  # the passage's place, as the index writes it
        assert window.startswith(header)
        body = window[len(header):]
        assert len(body) <= WINDOW + 62  # the lead sentence (≤ 60 characters and 「……」) and the window


@pytest.mark.slow
def test_training_writes_only_the_top_layers(tmp_path):
    path = write(tmp_path / "q.jsonl", GOOD * 3)
    out = tmp_path / "delta"
    assert main(["model", "train", str(path), "--documents", str(CORPUS), "--out", str(out), "--max-steps", "1",
                 "--batch-size", "4", "--layers", "2"]) == 0
    record = json.loads((out / "delta.json").read_text())
    tensors = load_file(str(out / "delta.safetensors"))
    assert {name.split(".")[2] for name in tensors} == {"10", "11"} and len(tensors) == 32
    assert record["layers"] == [10, 11] and record["pairs"] == 9
    assert record["base"] == verify_model_dir(base_model_dir())["files"]["model.safetensors"]


@pytest.mark.slow
def test_shipped_delta_rebuilds_the_shipped_model_bit_for_bit(tmp_path):
    delta = shipped_delta()
    assert delta is not None, "a fine-tuned delta ships in qa/data/model-delta"
    assert delta.path.stat().st_size <= 20 * 2**20
    built = apply_delta(build_base_model(), delta, tmp_path / "model")
    assert verify_model_dir(built)["files"]["model.safetensors"] == delta.record["model_sha256"]


def test_shipped_delta_is_checked(tmp_path):
    folder = tmp_path / "delta"
    folder.mkdir()
    source = shipped_delta()
    (folder / "delta.json").write_text(json.dumps(source.record))
    (folder / "delta.safetensors").write_bytes(source.path.read_bytes()[:-1] + b"\0")
    with pytest.raises(Exception, match="校验失败"):
        shipped_delta(folder)


def test_base_and_default_models_differ(embedder):
    from qa.model import load_embedder

    base = load_embedder(BASE_MODEL)
    assert embedder.name == DEFAULT_MODEL and base.fingerprint != embedder.fingerprint


@pytest.mark.skipif(not LAWS.is_dir(), reason="../shared/laws is not beside the checkout")
def test_shipped_training_questions_are_valid_and_big_enough():
    questions = load_training_questions(TRAINING)
    assert validate(questions, load_units(questions, [CORPUS, LAWS])) == []
    kinds = {k: sum(q.kind == k for q in questions) for k in ("out_of_scope", "overview")}
    assert len(questions) >= 6000 and kinds["out_of_scope"] >= 600 and kinds["overview"] >= 200
    held = set(json.loads((REPO / "eval/train/heldout_laws.json").read_text(encoding="utf-8")))
    assert not any(q.file and Path(q.file).stem.split("(")[0] in held for q in questions)
    evaluation = [json.loads(line) for line in (REPO / "eval/questions.jsonl").open(encoding="utf-8")]
    held_out = {r["question"] for r in evaluation if r["split"] in ("test3", "test4")}
    assert not held_out & {q.question for q in questions}


def test_training_file_loads_for_evaluation(tmp_path):
    from qa.evaluation import default_split, load_questions

    questions = load_questions(write(tmp_path / "q.jsonl", GOOD))
    assert [q.type for q in questions] == ["fact", "who", "fact", "overview", "out_of_scope"]
    assert questions[0].keys == ["3年以上企业工作经历"] and questions[0].split == "train" and questions[0].colloquial
    assert questions[3].gold == [OUTLINE] and not questions[4].in_scope
    assert default_split(load_questions(REPO / "eval" / "questions.jsonl")) == "test4"


def test_a_failed_run_leaves_the_old_delta_as_it_was(tmp_path, monkeypatch):
    out = tmp_path / "delta"
    out.mkdir()
    (out / "delta.json").write_text("old")

    def broken(*_args):
        raise RuntimeError("interrupted")

    monkeypatch.setattr("qa.training._fit", broken)
    path = write(tmp_path / "q.jsonl", GOOD * 12)
    with pytest.raises(RuntimeError):
        main(["model", "train", str(path), "--documents", str(CORPUS), "--out", str(out)])
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".train-")] == []
    assert [p.name for p in out.iterdir()] == ["delta.json"] and (out / "delta.json").read_text() == "old"
