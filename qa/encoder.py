"""The fast encoder: the sentence-transformers model exported to OpenVINO, run by the OpenVINO runtime.

Measured on the same passages and questions against plain sentence-transformers (eval/encoders.py, table in
eval/RESULTS.md, "Issue 19"): OpenVINO with bfloat16 inference on a CPU with AMX tiles encodes passages ~4x as
fast with the same vectors (cosine 0.9999); ONNX Runtime and OpenVINO int8 (dynamic quantisation) were slower
than that and moved the vectors (cosine 0.92-0.99). So the default encoder is OpenVINO, and its precision is
chosen from the CPU's flags by `choose_precision`: bf16 where the CPU has AMX (`amx_bf16`), f32 everywhere else
— AVX512-BF16 without AMX tiles is not enough (bf16 was slower than f32 there, issue 19).

The model is exported once per model folder (`qa model build`, or on first load of a folder built before):
`openvino/model.xml` + `.bin` (the BERT encoder with mean pooling and normalisation in the graph), whose
checksums join the folder's manifest. Texts are tokenised by the folder's own tokenizer.json (the same pieces
and post-processing sentence-transformers uses), the next batch while the current one is encoded.
`QA_ENCODER=torch` keeps sentence-transformers; `QA_ENCODER=openvino` insists on OpenVINO.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FOLDER = "openvino"  # inside a model folder
MAX_TOKENS = 512
PAD_ID = 1  # XLM-R's <pad>


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    try:
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def choose_precision(flags: set[str]) -> str:
    """bf16 only with AMX tiles: without them bf16 is slower than f32 (AVX512-BF16 alone is not AMX)."""
    return "bf16" if "amx_bf16" in flags and "amx_tile" in flags else "f32"


def choose_backend() -> str:
    """"openvino" (the default, when the runtime is installed) or "torch" (QA_ENCODER=torch)."""
    setting = os.environ.get("QA_ENCODER", "auto").lower()
    if setting in ("torch", "openvino"):
        return setting
    return "openvino" if importlib.util.find_spec("openvino") is not None else "torch"


# ------------------------------------------------------------------------------------------ exporting


def export_openvino(st_model: Any, model_folder: Path) -> list[Path]:
    """Write `model_folder/openvino/` from the loaded sentence-transformers model (atomically); its files."""
    import openvino as ov
    import torch

    class Encoder(torch.nn.Module):  # the transformer, mean pooling and normalisation as one graph
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=-1)

    bert = st_model[0].auto_model
    example = {"input_ids": torch.ones((2, 8), dtype=torch.long),
               "attention_mask": torch.ones((2, 8), dtype=torch.long)}
    # the tracer warns about shape checks in transformers' attention; the graph is checked against
    # sentence-transformers by tests/test_encoder.py instead
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = ov.convert_model(Encoder(bert).eval(), example_input=example,
                                 input=[("input_ids", [-1, -1], ov.Type.i64),
                                        ("attention_mask", [-1, -1], ov.Type.i64)])
    work = Path(tempfile.mkdtemp(prefix=".openvino-", dir=model_folder))
    target = model_folder / FOLDER
    try:
        ov.save_model(graph, str(work / "model.xml"), compress_to_fp16=True)  # fp16 on disk, like the weights
        if target.exists():
            shutil.rmtree(target)
        os.replace(work, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return sorted(target.iterdir())


def has_export(model_folder: Path) -> bool:
    return (model_folder / FOLDER / "model.xml").is_file() and (model_folder / FOLDER / "model.bin").is_file()


# -------------------------------------------------------------------------------------------- running


@dataclass
class Batch:
    order: np.ndarray  # positions of these texts in the caller's list
    ids: np.ndarray
    mask: np.ndarray


class OpenVinoEncoder:
    """Encodes texts with the exported model: shortest first, in batches, the next one tokenised meanwhile."""

    def __init__(self, model_folder: Path, precision: str | None = None, threads: int | None = None):
        import openvino as ov
        from tokenizers import Tokenizer

        self.precision = precision or choose_precision(cpu_flags())
        self.threads = threads or max(1, os.cpu_count() or 1)
        config = {"INFERENCE_PRECISION_HINT": self.precision, "INFERENCE_NUM_THREADS": self.threads,
                  "PERFORMANCE_HINT": "LATENCY"}
        self.compiled = ov.Core().compile_model(str(model_folder / FOLDER / "model.xml"), "CPU", config)
        self.tokenizer = Tokenizer.from_file(str(model_folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=PAD_ID, pad_token="<pad>")
        self.dim = int(self.compiled.output(0).get_partial_shape()[1].get_length())

    @property
    def name(self) -> str:
        return f"openvino-{self.precision}"

    def encode(self, texts: list[str], prompt: str = "", batch_size: int = 32) -> np.ndarray:
        """Normalised embeddings of `prompt + text`, float32, in the texts' order."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        # an infer request per call: the web app encodes questions in parallel threads and a library upload
        # beside them, and one request runs one inference at a time
        request = self.compiled.create_infer_request()
        with ThreadPoolExecutor(1, thread_name_prefix="qa-tokenize") as pool:
            for batch in _prefetched(pool, self._batches(texts, prompt, batch_size)):
                request.infer({"input_ids": batch.ids, "attention_mask": batch.mask})
                out[batch.order] = request.get_output_tensor(0).data
        return out

    def _batches(self, texts: list[str], prompt: str, batch_size: int) -> Iterator[Any]:
        order = np.argsort([len(t) for t in texts], kind="stable")  # similar lengths: little padding
        for start in range(0, len(texts), batch_size):
            part = order[start:start + batch_size]
            yield lambda part=part: self._tokenise(part, [prompt + texts[i] for i in part])

    def _tokenise(self, order: np.ndarray, texts: list[str]) -> Batch:
        encoded = self.tokenizer.encode_batch(texts)
        return Batch(order, np.array([e.ids for e in encoded], dtype=np.int64),
                     np.array([e.attention_mask for e in encoded], dtype=np.int64))


def _prefetched(pool: ThreadPoolExecutor, jobs: Iterator[Any]) -> Iterator[Batch]:
    """Run each job in `pool` one step ahead of its use (tokenisers and OpenVINO release the GIL)."""
    pending = None
    for job in jobs:
        future = pool.submit(job)
        if pending is not None:
            yield pending.result()
        pending = future
    if pending is not None:
        yield pending.result()
