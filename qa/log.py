"""Question log and feedback: one SQLite file on this machine (off unless `qa serve --log DIR`).

One row per answered question: the question as typed, the question as answered (after follow-up resolution,
qa/conversation.py), the answer type, the cited clauses, whether it was declined, its topic words, and the
user's 👍/👎 and comment when given. `report` summarises it for `qa log` and the web app's 统计 tab.

Storage: stdlib sqlite3 in WAL mode. Each record is its own committed transaction before the request returns,
so a killed server (SIGKILL) loses nothing that was logged; `synchronous=FULL` also keeps it through a power
cut. One connection per process, its use serialised by a lock (requests arrive on several threads); other
processes (`qa log` while the server runs) read alongside thanks to WAL.
"""
from __future__ import annotations

import csv
import json
import os
import sqlite3
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

FILE_NAME = "questions.sqlite3"
SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    time TEXT NOT NULL,              -- UTC, ISO 8601
    session TEXT NOT NULL DEFAULT '', -- one conversation in the page / one `qa chat`
    user TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,          -- as typed
    resolved TEXT NOT NULL,          -- as answered (follow-ups resolved against the conversation)
    intent TEXT NOT NULL DEFAULT '',
    answer_type TEXT NOT NULL DEFAULT '',
    clauses TEXT NOT NULL DEFAULT '[]', -- JSON list of the cited clauses' citations, first = main answer
    declined INTEGER NOT NULL DEFAULT 0,
    topics TEXT NOT NULL DEFAULT '', -- the question's topic words, space-separated (for the report)
    feedback INTEGER,                -- 1 = 👍, -1 = 👎, NULL = none
    comment TEXT NOT NULL DEFAULT '',
    feedback_time TEXT
);
"""
COLUMNS = ("id", "time", "session", "user", "question", "resolved", "intent", "answer_type", "clauses",
           "declined", "topics", "feedback", "comment", "feedback_time")


def default_log_dir() -> Path:
    """Where `qa serve --log` (without DIR) and `qa log` keep the log: $QA_LOG, else log/ in the repository."""
    return Path(os.environ.get("QA_LOG") or Path(__file__).resolve().parent.parent / "log")


class LogError(Exception):
    """The log cannot be opened or written; the message says why (Chinese)."""


@dataclass
class Entry:
    """What is recorded about one answer (see SCHEMA)."""

    question: str
    resolved: str
    intent: str = ""
    answer_type: str = ""
    clauses: list[str] = field(default_factory=list)
    declined: bool = False
    topics: list[str] = field(default_factory=list)
    session: str = ""
    user: str = ""


def entry_of(answer: Any, session: str = "", user: str = "") -> Entry:
    """The log entry of a qa.answer.Answer: cited clauses main one first, declined when the direct answer is
    「文件中未找到相关内容」, topic words of the question as answered."""
    from .search import content_terms

    direct = answer.direct
    cited = [c.citation for c in (direct.clauses if direct else [])]
    cited += [r.clause.citation for r in answer.results if r.clause.citation not in cited]
    resolved = answer.resolved or answer.question
    return Entry(question=answer.question, resolved=resolved, intent=answer.intent,
                 answer_type=direct.type if direct else "", clauses=cited,
                 declined=bool(direct and direct.type == "none"),
                 topics=list(dict.fromkeys(t for t in content_terms(resolved) if not t.startswith("#"))),
                 session=session, user=user)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class QuestionLog:
    """The question log in `folder` (created if missing). Thread-safe; every write is committed at once."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / FILE_NAME
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise LogError(f"无法打开问题记录 {self.path}：{exc}") from exc
        self._lock = threading.Lock()

    def record(self, entry: Entry) -> int:
        """Store one answer; returns its row id (for feedback)."""
        row = (_now(), entry.session, entry.user, entry.question, entry.resolved, entry.intent, entry.answer_type,
               json.dumps(entry.clauses, ensure_ascii=False), int(entry.declined), " ".join(entry.topics))
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO questions (time, session, user, question, resolved, intent, answer_type, clauses, "
                "declined, topics) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            return int(cursor.lastrowid)

    def feedback(self, row_id: int, vote: int | None = None, comment: str | None = None) -> bool:
        """Set 👍 (1) / 👎 (-1) and/or a comment on a logged answer; False when there is no such row."""
        sets, values = ["feedback_time = ?"], [_now()]
        if vote is not None:
            sets.append("feedback = ?")
            values.append(1 if vote > 0 else -1)
        if comment is not None:
            sets.append("comment = ?")
            values.append(comment.strip()[:2000])
        with self._lock:
            cursor = self._db.execute(f"UPDATE questions SET {', '.join(sets)} WHERE id = ?", (*values, row_id))
            return cursor.rowcount == 1

    def rows(self) -> list[dict[str, Any]]:
        with self._lock:
            cursor = self._db.execute(f"SELECT {', '.join(COLUMNS)} FROM questions ORDER BY id")
            return [dict(zip(COLUMNS, row)) for row in cursor.fetchall()]

    def export_csv(self, target: Path) -> int:
        """All rows as CSV (UTF-8 with BOM, so that Excel reads the Chinese); returns the number of rows."""
        rows = self.rows()
        try:
            with open(target, "w", encoding="utf-8-sig", newline="") as out:
                writer = csv.DictWriter(out, fieldnames=COLUMNS)
                writer.writeheader()
                writer.writerows(rows)
        except OSError as exc:
            raise LogError(f"无法写入 {target}：{exc}") from exc
        return len(rows)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def open_existing(folder: Path) -> QuestionLog:
    """The log `qa serve --log DIR` wrote; LogError when there is none (reading must not create one)."""
    if not (Path(folder) / FILE_NAME).is_file():
        raise LogError(f"{folder} 中没有问题记录（{FILE_NAME}）；用 qa serve --log {folder} 开启记录")
    return QuestionLog(folder)


# ---------------------------------------------------------------------------------------------- report


@dataclass
class Report:
    total: int
    declined: int
    up: int
    down: int
    topics: list[tuple[str, int]]  # most asked topic words (answered questions)
    clauses: list[tuple[str, int]]  # most cited clauses (first citation of answered questions)
    declined_groups: list[tuple[str, list[str]]]  # topic word -> declined questions, biggest group first
    disliked: list[dict[str, Any]]  # 👎 answers: question, resolved, answer type, first clause, comment


def report(rows: list[dict[str, Any]], top: int = 10) -> Report:
    answered = [r for r in rows if not r["declined"]]
    topics = Counter(t for r in answered for t in set(r["topics"].split()))
    clauses = Counter(json.loads(r["clauses"])[0] for r in answered if json.loads(r["clauses"]))
    groups: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        if r["declined"]:
            for word in r["topics"].split() or ["（无主题词）"]:
                groups[word].append(r["resolved"])
    declined_groups = sorted(((w, list(dict.fromkeys(qs))) for w, qs in groups.items()), key=lambda g: -len(g[1]))
    disliked = [{"time": r["time"], "question": r["question"], "resolved": r["resolved"],
                 "answer_type": r["answer_type"], "clause": (json.loads(r["clauses"]) or [""])[0],
                 "comment": r["comment"]} for r in rows if r["feedback"] == -1]
    return Report(len(rows), len(rows) - len(answered), sum(r["feedback"] == 1 for r in rows),
                  sum(r["feedback"] == -1 for r in rows), topics.most_common(top), clauses.most_common(top),
                  declined_groups[:top], disliked)


def render_report(rep: Report) -> str:
    """Plain text for `qa log` (the web app renders the same Report as Markdown)."""
    lines = [f"共 {rep.total} 个问题，未找到答案 {rep.declined} 个；👍 {rep.up} 个，👎 {rep.down} 个。", "",
             "最常问的主题词："]
    lines += [f"  {word}  {n}" for word, n in rep.topics] or ["  （无）"]
    lines += ["", "最常引用的条款："]
    lines += [f"  {n:>3}  {clause}" for clause, n in rep.clauses] or ["  （无）"]
    lines += ["", "未找到答案的问题（按主题词分组）："]
    for word, questions in rep.declined_groups:
        lines.append(f"  {word}（{len(questions)}）：" + "；".join(questions))
    if not rep.declined_groups:
        lines.append("  （无）")
    lines += ["", "👎 的回答："]
    for d in rep.disliked:
        comment = f" 意见：{d['comment']}" if d["comment"] else ""
        lines.append(f"  [{d['time'][:19]}] {d['resolved']} → {d['answer_type']} {d['clause']}{comment}")
    if not rep.disliked:
        lines.append("  （无）")
    return "\n".join(lines)
