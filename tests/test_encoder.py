"""The fast encoder (qa/encoder.py): the precision rule read from CPU flags, the export's checksums, and the
same vectors as sentence-transformers float32."""
from __future__ import annotations

import numpy as np
import pytest

from qa.documents import read_document
from qa.encoder import FOLDER, choose_backend, choose_precision, cpu_flags
from qa.index import clause_passage
from qa.model import default_model_dir, verify_model_dir
from qa.structure import parse_document

from .conftest import PLAN

# /proc/cpuinfo flag lines of three server CPUs (trimmed): Sapphire Rapids (AMX), Cooper Lake / Zen 4
# (AVX512-BF16 without AMX tiles), Skylake (neither).
SAPPHIRE = "fpu avx2 avx512f avx512_vnni avx512_bf16 amx_bf16 amx_tile amx_int8"
COOPER = "fpu avx2 avx512f avx512_vnni avx512_bf16"
SKYLAKE = "fpu avx2 avx512f"


@pytest.mark.parametrize("flags, precision", [(SAPPHIRE, "bf16"), (COOPER, "f32"), (SKYLAKE, "f32"), ("", "f32")])
def test_bf16_only_with_amx_tiles(tmp_path, flags, precision):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nmodel name\t: Xeon\nflags\t\t: {flags}\n\nprocessor\t: 1\nflags\t\t: {flags}\n")
    assert cpu_flags(cpuinfo) == set(flags.split())
    assert choose_precision(cpu_flags(cpuinfo)) == precision


def test_encoder_choice_can_be_forced(monkeypatch):
    monkeypatch.setenv("QA_ENCODER", "torch")
    assert choose_backend() == "torch"
    monkeypatch.setenv("QA_ENCODER", "openvino")
    assert choose_backend() == "openvino"
    monkeypatch.delenv("QA_ENCODER")
    assert choose_backend() == "openvino"  # installed by the project's own files


def test_the_shipped_model_encodes_with_its_checked_export(embedder):
    assert embedder.encoder == f"openvino-{choose_precision(cpu_flags())}"
    files = verify_model_dir(default_model_dir())["files"]
    assert {f"{FOLDER}/model.xml", f"{FOLDER}/model.bin"} <= set(files)


def test_same_vectors_as_sentence_transformers_float32(embedder):
    passages = [clause_passage(c) for c in parse_document(read_document(PLAN))][:24]
    questions = ["谁负责退役军人培训？", "新进专业教师要几年企业经历？", "学生考证的事归谁管"]
    fast = embedder.encode_passages(passages)
    plain = embedder._encode(passages, "passage", batch_size=8)  # sentence-transformers, float32
    assert fast.shape == plain.shape and fast.dtype == np.float32
    assert np.min(np.sum(fast * plain, axis=1)) > 0.999
    assert np.min(np.sum(embedder.encode_queries(questions) * embedder._encode(questions, "query"), axis=1)) > 0.999
    # each passage is still nearest to itself under the other encoder
    assert (np.argmax(fast @ plain.T, axis=1) == np.arange(len(passages))).all()
