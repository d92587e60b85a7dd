"""Encoders compared on the same passages and questions, in one run (issue 19).

    .venv/bin/python eval/encoders.py [--json eval/RESULTS-encoders.json] [--laws ../shared/laws]

Variants, all from the shipped model folder (`qa model build`): plain sentence-transformers float32 (the
baseline), sentence-transformers under bf16 autocast, ONNX Runtime on a torch.onnx export (float32, with
onnxruntime's BERT graph fusions, and dynamic int8 of the fused graph's MatMuls, per channel), and the
OpenVINO runtime (f32 and bf16 inference precision on the product's own export, qa/encoder.py; int8: the ONNX
int8 model run by OpenVINO). sentence-transformers' own `backend="onnx"/"openvino"` need optimum-onnx /
optimum-intel, which pin transformers < 4.58 (we run 5.x): not installable beside this stack, so the same
runtimes are driven directly. Every variant runs in its own process (peak RSS is its own) with as many threads
as the machine has cores.

Per variant: passages/s over 320 law articles (sampled with a fixed seed from ../shared/laws; real article
lengths), query latency p50/p95 (one question at a time), peak RSS, cosine to the float32 vectors (mean, min),
and dense-only retrieval (no BM25, no answer layer: the nearest unit by cosine) — top-1 and R@10 on tune+dev
and test4 over the bundled corpus, and on the law-scale questions over a pool of their laws' articles plus
distractor articles. Every run's figures go into eval/RESULTS.md (test4 is held out: runs are recorded).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

VARIANTS = ["torch-fp32", "torch-bf16", "onnx-fp32", "onnx-optimised", "onnx-int8", "openvino-f32",
            "openvino-bf16", "openvino-int8"]
SAMPLE, DISTRACTORS, SEED = 320, 1500, 0
# The law-scale pool is 8,112 articles (4-5 min a variant at float32 speed on 2 cores): it is encoded by the
# baseline and the candidates to ship only (the int8 and ONNX variants are out by speed or cosine first).
LAW_SCALE = {"torch-fp32", "torch-bf16", "openvino-f32", "openvino-bf16"}


# ------------------------------------------------------------------------------------------- the data


def law_units(files: list[Path]) -> list[tuple[str, str, str]]:
    """(document title, unit label, passage) of every unit of the files."""
    from qa.documents import DocumentError, read_document
    from qa.index import clause_passage
    from qa.structure import parse_document

    out = []
    for path in files:
        try:
            out += [(c.doc, c.label or c.title, clause_passage(c)) for c in parse_document(read_document(path))]
        except DocumentError:
            continue
    return out


def data(laws: Path) -> dict:
    from qa.evaluation import load_questions
    from qa.index import clause_passage, corpus_clauses, read_corpus
    from qa.paths import default_corpus

    rng = np.random.default_rng(SEED)
    files = sorted(laws.rglob("*.md"))
    questions = load_questions(REPO / "eval" / "questions.jsonl")
    law_questions = [json.loads(line) for line in open(HERE / "laws_questions.jsonl", encoding="utf-8")]
    gold_files = sorted({laws / q["file"] for q in law_questions})
    others = [files[i] for i in rng.permutation(len(files)) if files[i] not in set(gold_files)]
    pool = law_units(gold_files)
    distractors = []
    for path in others:
        if len(distractors) >= DISTRACTORS:
            break
        distractors += law_units([path])
    pool += distractors[:DISTRACTORS]
    sample = [pool[i][2] for i in rng.choice(len(pool), SAMPLE, replace=False)]
    clauses = corpus_clauses(read_corpus(default_corpus()))

    def qset(split_names):
        return [{"question": q.question, "gold": [[q.doc, g] for g in q.gold]} for q in questions
                if q.split in split_names and q.in_scope and q.gold]

    return {
        "sample": sample,
        "corpus": {"units": [[c.doc, c.label or c.title] for c in clauses],
                   "passages": [clause_passage(c) for c in clauses]},
        "laws": {"units": [[d, label] for d, label, _ in pool], "passages": [p for *_, p in pool]},
        "sets": {"tune+dev": qset({"tune", "dev"}), "test4": qset({"test4"}),
                 "laws": [{"question": q["question"], "gold": [[q["doc"], g] for g in q["gold"]]}
                          for q in law_questions]},
    }


# ------------------------------------------------------------------------------------------- exports


def export_onnx(folder: Path, work: Path) -> None:
    """float32 ONNX (torch.onnx), its onnxruntime BERT fusion, dynamic int8 of the fused MatMuls."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    from qa.model import DEFAULT_MODEL_KWARGS, _load_st

    work.mkdir(parents=True, exist_ok=True)
    if (work / "int8.onnx").is_file():
        return
    bert = _load_st(str(folder), DEFAULT_MODEL_KWARGS)[0].auto_model
    bert.set_attn_implementation("eager")  # sdpa's traced shape checks do not export cleanly

    class Encoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9), dim=-1)

    ids = torch.ones((2, 16), dtype=torch.long)
    axes = {"input_ids": {0: "b", 1: "s"}, "attention_mask": {0: "b", 1: "s"}, "sentence_embedding": {0: "b"}}
    torch.onnx.export(Encoder().eval(), (ids, ids), str(work / "fp32.onnx"), input_names=["input_ids", "attention_mask"],
                      output_names=["sentence_embedding"], dynamic_axes=axes, opset_version=17, dynamo=False)
    optimize_model(str(work / "fp32.onnx"), model_type="bert", num_heads=12, hidden_size=384,
                   opt_level=1).save_model_to_file(str(work / "optimised.onnx"))
    quantize_dynamic(str(work / "optimised.onnx"), str(work / "int8.onnx"), weight_type=QuantType.QInt8,
                     per_channel=True, op_types_to_quantize=["MatMul"],
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})


# ------------------------------------------------------------------------------------- one variant


def encoder_for(variant: str, folder: Path, work: Path):
    """A function (texts, prompt) -> normalised float32 vectors, for the variant."""
    threads = os.cpu_count() or 1
    if variant.startswith("torch"):
        import torch

        from qa.model import DEFAULT_MODEL_KWARGS, _load_st

        st = _load_st(str(folder), DEFAULT_MODEL_KWARGS)

        def encode(texts, prompt):
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=variant == "torch-bf16"):
                return st.encode([prompt + t for t in texts], batch_size=32, normalize_embeddings=True,
                                 convert_to_numpy=True).astype(np.float32)
        return encode
    from qa.encoder import OpenVinoEncoder

    if variant in ("openvino-f32", "openvino-bf16"):
        return OpenVinoEncoder(folder, precision=variant.split("-")[1], threads=threads).encode
    tokenised = OpenVinoEncoder.__new__(OpenVinoEncoder)  # its tokeniser and batching, another runtime
    from tokenizers import Tokenizer

    tokenised.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenised.tokenizer.enable_truncation(512)
    tokenised.tokenizer.enable_padding(pad_id=1, pad_token="<pad>")
    tokenised.dim = 384
    if variant == "openvino-int8":
        import openvino as ov

        compiled = ov.Core().compile_model(str(work / "int8.onnx"), "CPU", {"INFERENCE_NUM_THREADS": threads})
        run = lambda ids, mask: compiled({"input_ids": ids, "attention_mask": mask})[0]  # noqa: E731
    else:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        file = {"onnx-fp32": "fp32.onnx", "onnx-optimised": "optimised.onnx", "onnx-int8": "int8.onnx"}[variant]
        session = ort.InferenceSession(str(work / file), options, providers=["CPUExecutionProvider"])
        run = lambda ids, mask: session.run(None, {"input_ids": ids, "attention_mask": mask})[0]  # noqa: E731

    class Request:  # the part of an OpenVINO infer request OpenVinoEncoder.encode uses
        def infer(self, inputs):
            self.output = run(inputs["input_ids"], inputs["attention_mask"])

        def get_output_tensor(self, _):
            return type("Tensor", (), {"data": self.output})

    class Compiled:
        def create_infer_request(self):
            return Request()

    tokenised.compiled = Compiled()
    return tokenised.encode


def retrieval(encode, units, passages, questions) -> dict[str, float]:
    vectors = encode(passages, "passage: ")
    queries = encode([q["question"] for q in questions], "query: ")
    ranked = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    keys = [tuple(u) for u in units]
    top1 = r10 = 0
    for q, row in zip(questions, ranked):
        gold = {tuple(g) for g in q["gold"]}
        top1 += keys[row[0]] in gold
        r10 += any(keys[i] in gold for i in row)
    return {"top1": round(top1 / len(questions), 4), "r10": round(r10 / len(questions), 4), "n": len(questions)}


def run_variant(variant: str, folder: Path, work: Path, inputs: Path) -> dict:
    d = json.loads(inputs.read_text(encoding="utf-8"))
    encode = encoder_for(variant, folder, work)
    encode(d["sample"][:32], "passage: ")  # warm-up: compilation, first allocations
    started = time.perf_counter()
    vectors = encode(d["sample"], "passage: ")
    seconds = time.perf_counter() - started
    latencies = []
    for q in d["sets"]["tune+dev"][:100]:
        started = time.perf_counter()
        encode([q["question"]], "query: ")
        latencies.append(time.perf_counter() - started)
    out = {"variant": variant, "passages_per_s": round(len(d["sample"]) / seconds, 1), "seconds": round(seconds, 2),
           "query_ms_p50": round(1000 * float(np.percentile(latencies, 50)), 1),
           "query_ms_p95": round(1000 * float(np.percentile(latencies, 95)), 1)}
    for name, questions in d["sets"].items():
        if name == "laws" and variant not in LAW_SCALE:
            continue
        pool = d["laws"] if name == "laws" else d["corpus"]
        out[name] = retrieval(encode, pool["units"], pool["passages"], questions)
    np.save(work / f"vectors-{variant}.npy", vectors)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


# ------------------------------------------------------------------------------------------------ main


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--laws", type=Path, default=REPO.parent / "shared" / "laws")
    parser.add_argument("--json", type=Path, default=HERE / "RESULTS-encoders.json")
    parser.add_argument("--work", type=Path, default=Path("/tmp/qa-encoders"))
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--variant", help=argparse.SUPPRESS)  # a child: one variant
    args = parser.parse_args()
    from qa.encoder import choose_precision, cpu_flags
    from qa.model import build_default_model, default_model_dir, ensure_export, verify_model_dir

    folder = default_model_dir()
    if args.variant:
        print(json.dumps(run_variant(args.variant, folder, args.work, args.work / "inputs.json")))
        return 0
    build_default_model(folder)
    ensure_export(folder, verify_model_dir(folder))
    args.work.mkdir(parents=True, exist_ok=True)
    if not (args.work / "inputs.json").is_file():
        (args.work / "inputs.json").write_text(json.dumps(data(args.laws), ensure_ascii=False), encoding="utf-8")
    export_onnx(folder, args.work)
    flags = cpu_flags()
    report = {"cpu": cpu_name(), "cores": os.cpu_count(), "amx": "amx_bf16" in flags,
              "avx512_bf16": "avx512_bf16" in flags, "avx512_vnni": "avx512_vnni" in flags,
              "shipped_rule": f"openvino-{choose_precision(flags)}", "variants": []}
    for variant in args.variants.split(","):
        child = subprocess.run([sys.executable, __file__, "--variant", variant, "--work", str(args.work)],
                               capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
        if child.returncode != 0:
            print(f"{variant}: failed\n{child.stderr[-2000:]}", file=sys.stderr)
            continue
        row = json.loads(child.stdout.strip().splitlines()[-1])
        report["variants"].append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    base = next(r for r in report["variants"] if r["variant"] == "torch-fp32")
    reference = np.load(args.work / "vectors-torch-fp32.npy")
    for row in report["variants"]:
        cos = (np.load(args.work / f"vectors-{row['variant']}.npy") * reference).sum(1)
        row.update(speedup=round(row["passages_per_s"] / base["passages_per_s"], 2),
                   cosine_mean=round(float(cos.mean()), 5), cosine_min=round(float(cos.min()), 5))
    args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(table(report))
    return 0


def table(report: dict) -> str:
    lines = [f"CPU: {report['cpu']}, {report['cores']} cores, AMX {report['amx']}, AVX512-BF16 {report['avx512_bf16']}",
             "| encoder | passages/s | × fp32 | query p50 / p95 ms | peak RSS MB | cosine mean / min | tune+dev top-1 / R@10 "
             "| test4 top-1 / R@10 | laws top-1 / R@10 |", "|---|---|---|---|---|---|---|---|---|"]
    for r in report["variants"]:
        sets = " | ".join(f"{r[s]['top1']:.3f} / {r[s]['r10']:.3f}" if s in r else "—"
                          for s in ("tune+dev", "test4", "laws"))
        lines.append(f"| {r['variant']} | {r['passages_per_s']} | {r['speedup']} | {r['query_ms_p50']} / "
                     f"{r['query_ms_p95']} | {r['peak_rss_mb']} | {r['cosine_mean']} / {r['cosine_min']} | {sets} |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
