"""The document library: the corpus folder and its index, listed and changed one document at a time.

The library is the corpus folder plus the index built from it; nothing outside the folder is needed. Adding
copies the file into the folder, parses it and embeds only its clauses (see qa.index.add_documents);
removing deletes the file and its units and embeds nothing. Each change writes a new index generation and
makes it current atomically, under the index folder's write lock, so changes happen one at a time and a
reader keeps the old index until the new one is complete. A bad file is named with the reason and changes
nothing.

`Jobs` runs changes for the web app in one background thread and keeps each file's status (解析中, 已加入,
失败：原因) for the 文件 tab; when a change is committed it hands the new index to the app.
"""
from __future__ import annotations

import os
import queue
import shutil
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .documents import Document, DocumentError, read_document
from .index import (Index, IndexUnusable, add_documents, build_index, load_index, read_manifest, read_records,
                    remove_documents, writing)
from .progress import Cancelled, Progress, describe

KIND_NAMES = {"statute": "法律法规", "policy": "政策文件", "other": "其他"}
STAGING = ".qa-adding-"  # prefix of a file being added: hidden from the corpus (names starting with '.')


class LibraryError(Exception):
    """A library change cannot be made as asked; the message says why (Chinese, for users)."""


@dataclass
class Entry:
    """One document of the library, as the index records it (documents.json)."""

    file: str  # path inside the corpus folder
    title: str
    kind: str  # "statute" | "policy" | "other"
    clauses: int  # indexed units: clauses, articles, preamble, paragraphs
    sentences: int
    added: str  # ISO time (UTC)
    sha256: str
    id: str
    info: dict[str, Any] | None = None  # qa.metadata.DocInfo.to_dict(), where the reader found one
    numbered: int = 0  # numbered clauses and articles among them
    status: str = ""  # version status among documents of the same title (see with_version_status)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Entry:
        names = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in record.items() if k in names})

    def fact(self, name: str) -> str:
        value = (self.info or {}).get(name) or ""
        return "、".join(value) if isinstance(value, list) else str(value)

    @property
    def size(self) -> str:
        """"18 条" (numbered clauses or articles), else "5 段" (a document without numbering)."""
        return f"{self.numbered} 条" if self.numbered else f"{self.clauses} 段"

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)

    @property
    def added_local(self) -> str:
        try:
            return datetime.fromisoformat(self.added).astimezone().strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return self.added

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "kind_name": self.kind_name, "size": self.size}


def with_version_status(entries: list[Entry]) -> list[Entry]:
    """Mark versions: where several documents share a title, the one with the latest version date (or
    effective / published date) is 现行 and the others 已有新版本; a title held once is left blank."""
    by_title: dict[str, list[Entry]] = {}
    for entry in entries:
        by_title.setdefault(entry.title, []).append(entry)
    for same in by_title.values():
        if len(same) < 2:
            continue
        dated = sorted(same, key=lambda e: e.fact("version") or e.fact("effective") or e.fact("published"))
        for entry in dated:
            entry.status = "已有新版本"
        dated[-1].status = "现行" if dated[-1].fact("version") or dated[-1].fact("effective") else "版本不明"
    return entries


def entries(index_dir: Path) -> list[Entry]:
    """The documents in the library's index, in index order (reads no document files)."""
    return with_version_status([Entry.from_record(r) for r in read_records(index_dir)])


# ------------------------------------------------------------------------------------------------ adding


@dataclass
class Added:
    entries: list[Entry] = field(default_factory=list)  # documents now in the library
    replaced: list[Entry] = field(default_factory=list)  # earlier files of the same name, replaced
    skipped: dict[str, str] = field(default_factory=dict)  # file name -> why it was not added
    seconds: float = 0.0


def read_files(paths: Iterable[Path]) -> list[Document]:
    """Read every file first: the first bad one raises DocumentError naming it, before anything changes."""
    return [read_document(Path(p)) for p in paths]


def add(documents: list[Document], corpus: Path, index_dir: Path, embedder, say: Callable[[str], None] | None = None,
        progress: Progress | None = None) -> Added:
    """Add read documents to the library: copy each file into `corpus`, embed only the new documents, and
    commit one new index generation. A document already in the library (same content) is skipped; a file
    with the name of a library file but other content replaces it. When `progress` cancels (Cancelled is
    raised), the staged files and the new generation are removed: the library is as it was."""
    started = datetime.now()
    with writing(index_dir):
        _ensure_index(corpus, index_dir, embedder, say)
        current = entries(index_dir)
        plan, replaced, skipped = _plan(documents, current)
        result = Added(replaced=replaced, skipped=skipped)
        if not plan:
            return result
        staged = _stage(plan, corpus)
        try:
            for document, target in zip(plan, staged.values()):
                document.path = target  # what the record names: the file inside the corpus folder
            add_documents(index_dir, plan, embedder, corpus, replace=[e.id for e in replaced], progress=progress)
        except BaseException:
            for tmp in staged:
                tmp.unlink(missing_ok=True)
            raise
        for tmp, target in staged.items():  # the index names these files now: put them in place
            os.replace(tmp, target)
        for entry in replaced:
            if (corpus / entry.file) not in staged.values():
                (corpus / entry.file).unlink(missing_ok=True)
        ids = {d.sha256 for d in plan}
        result.entries = [e for e in entries(index_dir) if e.sha256 in ids]
        result.seconds = (datetime.now() - started).total_seconds()
        return result


def _ensure_index(corpus: Path, index_dir: Path, embedder, say: Callable[[str], None] | None) -> None:
    """An index to add to: build one from the corpus first where there is none yet."""
    try:
        read_manifest(index_dir)
    except IndexUnusable:
        if say:
            say(f"索引不可用，先为 {corpus} 中的文档建立索引……")
        build_index(corpus, index_dir, embedder, progress=False)  # the write lock is re-entrant


def _plan(documents: list[Document], current: list[Entry]) -> tuple[list[Document], list[Entry], dict[str, str]]:
    by_sha = {e.sha256: e for e in current}
    by_name = {Path(e.file).name: e for e in current}
    plan: list[Document] = []
    replaced: list[Entry] = []
    skipped: dict[str, str] = {}
    for document in documents:
        if document.sha256 in by_sha:
            skipped[document.name] = f"内容与文件库中的「{by_sha[document.sha256].file}」相同，未重复加入"
        elif any(d.sha256 == document.sha256 or d.name == document.name for d in plan):
            skipped[document.name] = "本次上传中有同名或内容相同的文件，只加入第一个"
        else:
            plan.append(document)
            if document.name in by_name:
                replaced.append(by_name[document.name])
    return plan, replaced, skipped


def _stage(plan: list[Document], corpus: Path) -> dict[Path, Path]:
    """Copy each new file into the corpus folder under a hidden name (staged file -> final path)."""
    corpus.mkdir(parents=True, exist_ok=True)
    staged: dict[Path, Path] = {}
    for document in plan:
        target = corpus / document.name
        tmp = corpus / f"{STAGING}{os.getpid()}-{document.name}"
        shutil.copyfile(document.path, tmp)
        staged[tmp] = target
    return staged


# ---------------------------------------------------------------------------------------------- removing


def find(entries_: list[Entry], name: str) -> Entry:
    """The library document a user names: its file (path or name) or its title."""
    name = name.strip()
    exact = [e for e in entries_ if name in (e.file, Path(e.file).name, Path(e.file).stem)]
    titled = [e for e in entries_ if e.title == name or e.title == name.strip("《》")]
    found = exact or titled
    if not found:
        known = "、".join(Path(e.file).name for e in entries_[:10]) + (" 等" if len(entries_) > 10 else "")
        raise LibraryError(f"文件库中没有「{name}」。现有文件：{known}")
    if len(found) > 1:
        raise LibraryError(f"有 {len(found)} 个文件标题为「{name}」，请用文件名指定："
                           + "、".join(e.file for e in found))
    return found[0]


def remove(name: str, corpus: Path, index_dir: Path) -> Entry:
    """Remove a document (by file or title) from the index, then its file from the corpus folder."""
    with writing(index_dir):
        entry = find(entries(index_dir), name)
        remove_documents(index_dir, [entry.id])
        (corpus / entry.file).unlink(missing_ok=True)
        return entry


# ------------------------------------------------------------------------------ background jobs (web app)


@dataclass
class Status:
    file: str
    state: str  # "解析中" | "已加入" | "失败" | "已取消" | "移除中" | "已移除"
    reason: str = ""  # why it failed; while 解析中, the step (「OCR 识别第 3/12 页」)

    @property
    def text(self) -> str:
        return f"{self.state}：{self.reason}" if self.reason else self.state


class Jobs:
    """Library changes for the web app, one at a time in a background thread. `on_change(index)` receives
    each newly committed index; questions keep using the old one until then. An upload reports its steps
    (OCR pages, passages embedded) in its files' statuses and can be cancelled until it is committed."""

    def __init__(self, corpus: Path, index_dir: Path, embedder, on_change: Callable[[Index], None]):
        self.corpus, self.index_dir, self.embedder, self.on_change = corpus, index_dir, embedder, on_change
        self.statuses: list[Status] = []
        self.revision = 0  # counts status changes: the app re-sends its table only when this moves
        self._lock = threading.Lock()
        self._queue: queue.Queue = queue.Queue()
        self._uploads: list[Progress] = []  # uploads queued or running, until they end
        threading.Thread(target=self._work, name="qa-library", daemon=True).start()

    def add(self, paths: list[Path]) -> None:
        progress = Progress()
        with self._lock:
            self.statuses = [s for s in self.statuses if s.file not in {p.name for p in paths}]
            self.statuses += [Status(p.name, "解析中") for p in paths]
            self.revision += 1
            self._uploads.append(progress)
        self._queue.put(("add", (paths, progress)))

    def cancel(self) -> int:
        """Cancel every upload not yet committed; how many there were. Each stops at its next page or batch."""
        with self._lock:
            uploads = [p for p in self._uploads if not p.cancelled.is_set()]
        for progress in uploads:
            progress.cancel()
        return len(uploads)

    def remove(self, name: str) -> None:
        with self._lock:
            self.statuses = [s for s in self.statuses if s.file != name] + [Status(name, "移除中")]
            self.revision += 1
        self._queue.put(("remove", name))

    def pending(self) -> list[Status]:
        """Statuses to show beside the library's list: work in progress and failures."""
        with self._lock:
            return [s for s in self.statuses if s.state in ("解析中", "移除中", "失败", "已取消")]

    def _set(self, file: str, state: str, reason: str = "") -> None:
        with self._lock:
            self.statuses = [s for s in self.statuses if s.file != file] + [Status(file, state, reason)]
            self.revision += 1

    def _work(self) -> None:
        while True:
            kind, payload = self._queue.get()
            names = [p.name for p in payload[0]] if kind == "add" else [payload]
            try:
                if kind == "add":
                    self._add(*payload)
                else:
                    self._remove(payload)
            except Cancelled:
                for name in names:
                    self._set(name, "已取消", "文件库未改变")
            except Exception as exc:  # never let the worker die: the status says what went wrong
                for name in names:
                    self._set(name, "失败", str(exc) or type(exc).__name__)
            finally:
                if kind == "add":
                    with self._lock:
                        self._uploads.remove(payload[1])

    def _add(self, paths: list[Path], progress: Progress) -> None:
        progress.check()  # cancelled while it waited its turn
        documents = []
        for path in paths:
            progress.on_step = lambda stage, done, total, name=path.name: self._set(
                name, "解析中", describe(stage, done, total))
            try:
                documents.append(read_document(path, progress))
            except DocumentError as exc:
                self._set(path.name, "失败", exc.reason)
        if not documents:
            return

        def embedding(stage: str, done: int, total: int) -> None:
            for document in documents:
                self._set(document.name, "解析中", describe(stage, done, total))

        progress.on_step = embedding
        try:
            result = add(documents, self.corpus, self.index_dir, self.embedder, progress=progress)
        except (DocumentError, IndexUnusable, LibraryError) as exc:
            for document in documents:
                self._set(document.name, "失败", str(exc))
            return
        if result.entries:
            self.on_change(load_index(self.index_dir))
        for name, why in result.skipped.items():
            self._set(name, "失败", why)
        for entry in result.entries:
            self._set(Path(entry.file).name, "已加入")

    def _remove(self, name: str) -> None:
        try:
            remove(name, self.corpus, self.index_dir)
        except (IndexUnusable, LibraryError) as exc:
            self._set(name, "失败", str(exc))
            return
        self.on_change(load_index(self.index_dir))
        self._set(name, "已移除")
