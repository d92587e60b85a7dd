"""Progress of a long change (OCR pages, passages embedded) and a way to cancel it.

A `Progress` is handed down from the web app's library jobs to `read_document` and `add_documents`; each
step reports where the work stands and checks the cancel flag, so a cancelled upload stops at its next page
or batch by raising `Cancelled`. What was written so far is dropped by the code that raised through (the new
index generation is removed, the staged corpus file deleted), so the library stays as it was.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field


class Cancelled(Exception):
    """The user cancelled the change; nothing of it was kept."""


@dataclass
class Progress:
    """`on_step(stage, done, total)` is told each step (stage: "OCR", "向量化"); `cancel()` makes the next
    step raise Cancelled."""

    on_step: Callable[[str, int, int], None] | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        self.cancelled.set()

    def check(self) -> None:
        if self.cancelled.is_set():
            raise Cancelled()

    def step(self, stage: str, done: int, total: int) -> None:
        self.check()
        if self.on_step is not None:
            self.on_step(stage, done, total)

    def bar(self, stage: str) -> StageBar:
        return StageBar(self, stage)


@dataclass
class StageBar:
    """The part of a tqdm bar the index's embedding loop uses (`total`, `update`), reporting to a Progress."""

    progress: Progress
    stage: str
    total: int = 0
    n: int = 0

    def update(self, count: int) -> None:
        self.n += count
        self.progress.step(self.stage, self.n, max(self.total, self.n))


def describe(stage: str, done: int, total: int) -> str:
    """The status line of a step, for users: 「OCR 识别第 3/12 页」, 「向量化 256/1024 段」."""
    if stage == "OCR":
        return f"OCR 识别第 {done}/{total} 页"
    return f"{stage} {done}/{total} 段"
