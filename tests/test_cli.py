from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from qa.cli import main

from .conftest import CORPUS


def run_qa(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=600)


def test_ask_json_end_to_end(index_dir):
    run = run_qa("ask", "谁负责退役军人的职业培训", "--json", "--index", str(index_dir), "--corpus", str(CORPUS))
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["question"] == "谁负责退役军人的职业培训"
    first = data["results"][0]
    assert first["label"] == "（九）" and len(first["departments"]) == 9
    assert first["citation"].endswith("（九）着力打造“中部匠都”")


def test_batch_answers_one_json_line_per_question(index_dir):
    questions = "谁负责退役军人的职业培训\n\n双师型比例要达到多少？\n   \n"
    run = run_qa("ask", "--batch", "-", "--json", "-k", "2", "--index", str(index_dir), "--corpus", str(CORPUS),
                 stdin=questions)
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [line["question"] for line in lines] == ["谁负责退役军人的职业培训", "双师型比例要达到多少？"]
    assert [line["results"][0]["label"] for line in lines] == ["（九）", "（十二）"]
    assert all(len(line["results"]) == 2 for line in lines)


def test_build_with_a_corrupt_docx_fails_cleanly_and_keeps_the_index(index_dir, corpus_copy, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    before = (copy / "manifest.json").read_bytes()
    (corpus_copy / "损坏.docx").write_bytes(b"PK\x03\x04 truncated")
    run = run_qa("build", "--corpus", str(corpus_copy), "--index", str(copy))
    assert run.returncode == 1
    assert "损坏.docx" in run.stderr and "Traceback" not in run.stderr
    assert "编码器：openvino-" in run.stdout + run.stderr  # `qa build` says which encoder it uses
    assert (copy / "manifest.json").read_bytes() == before


def test_text_output_and_user_errors_in_process(index_dir, capsys):
    common = ["--index", str(index_dir), "--corpus", str(CORPUS)]
    assert main(["ask", "新进专业教师要几年企业经历？", "-k", "1", *common]) == 0
    out = capsys.readouterr().out
    assert "（十二）落实职业院校用人自主权" in out and "▶ 职业院校新进专业专任教师" in out
    assert main(["ask", "  ", *common]) == 1
    assert "问题不能为空" in capsys.readouterr().err
    assert main(["ask", "x", "--index", str(index_dir / "missing"), "--corpus", str(index_dir / "nope")]) == 1
    assert "索引不可用" in capsys.readouterr().err


def test_missing_corpus_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["build", "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "idx")]) == 1
    assert "文档目录不存在" in capsys.readouterr().err
    assert not (tmp_path / "idx" / "manifest.json").exists()


@pytest.mark.parametrize("args", [["ask", "问题", "-k", "0"], ["serve", "--auth", "nopassword"]])
def test_bad_options_are_user_errors(args, capsys, index_dir):
    assert main(args + ["--index", str(index_dir), "--corpus", str(CORPUS)]) == 1
    assert "错误" in capsys.readouterr().err
