"""The question log: SQLite in WAL mode, safe under concurrent requests, nothing lost to a SIGKILL."""
from __future__ import annotations

import csv
import signal
import sqlite3
import subprocess
import sys
import threading
from types import SimpleNamespace

from qa.app import NEED_ADMIN, Access, is_admin
from qa.cli import main
from qa.log import FILE_NAME, Entry, QuestionLog, render_report, report

from .conftest import REPO


def entry(question: str, declined: bool = False, topics: tuple[str, ...] = (), clause: str = "") -> Entry:
    return Entry(question=question, resolved=question, intent="general", answer_type="none" if declined else "passages",
                 clauses=[clause] if clause else [], declined=declined, topics=list(topics))


def test_record_feedback_report_and_csv(tmp_path):
    log = QuestionLog(tmp_path)
    assert log._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    first = log.record(entry("双师型比例要达到多少？", topics=("双师型", "比例"), clause="方案 › （十二）"))
    log.record(entry("个人所得税起征点是多少？", declined=True, topics=("个人所得税", "起征点")))
    log.record(entry("个人所得税怎么交？", declined=True, topics=("个人所得税",)))
    assert log.feedback(first, -1, "应该给出具体比例")
    assert not log.feedback(999, 1)  # no such row: nothing changes
    rep = report(log.rows())
    assert (rep.total, rep.declined, rep.up, rep.down) == (3, 2, 0, 1)
    assert rep.declined_groups[0] == ("个人所得税", ["个人所得税起征点是多少？", "个人所得税怎么交？"])
    assert rep.clauses == [("方案 › （十二）", 1)] and ("双师型", 1) in rep.topics
    assert rep.disliked[0]["comment"] == "应该给出具体比例"
    text = render_report(rep)
    assert "个人所得税（2）" in text and "意见：应该给出具体比例" in text
    target = tmp_path / "out.csv"
    assert log.export_csv(target) == 3
    rows = list(csv.DictReader(open(target, encoding="utf-8-sig")))
    assert rows[0]["question"] == "双师型比例要达到多少？" and rows[0]["feedback"] == "-1"


def test_concurrent_writers_lose_nothing(tmp_path):
    log = QuestionLog(tmp_path)
    ids: list[int] = []
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for i in range(50):
                row = log.record(entry(f"问题 {worker}-{i}"))
                log.feedback(row, 1 if i % 2 else -1)
                ids.append(row)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    rows = QuestionLog(tmp_path).rows()  # a second connection sees every committed row
    assert len(rows) == len(set(ids)) == 400 and all(r["feedback"] in (1, -1) for r in rows)


WRITER = """
import sys
from pathlib import Path
from qa.log import Entry, QuestionLog
log = QuestionLog(Path(sys.argv[1]))
i = 0
while True:
    i += 1
    row = log.record(Entry(question=f"问题 {i}", resolved=f"问题 {i}"))
    print(row, flush=True)  # printed only after the row was committed
"""


def test_sigkill_loses_no_committed_row(tmp_path):
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True,
                              cwd=REPO)
    seen = [int(writer.stdout.readline()) for _ in range(200)]
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    db = sqlite3.connect(tmp_path / FILE_NAME)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {row for (row,) in db.execute("SELECT id FROM questions")}
    assert set(seen) <= stored


def test_qa_log_command(tmp_path, capsys):
    log = QuestionLog(tmp_path)
    row = log.record(entry("谁负责退役军人培训？", topics=("退役军人", "培训"), clause="方案 › （九）"))
    log.feedback(row, -1, "少了市残联")
    assert main(["log", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "共 1 个问题" in out and "谁负责退役军人培训？" in out and "意见：少了市残联" in out
    assert main(["log", str(tmp_path), "--csv", str(tmp_path / "log.csv")]) == 0
    assert "已导出 1 条记录" in capsys.readouterr().err
    assert main(["log", str(tmp_path / "none")]) == 1
    err = capsys.readouterr().err
    assert "没有问题记录" in err and not (tmp_path / "none").exists()


def test_statistics_are_for_the_administrator():
    alice, boss = SimpleNamespace(username="alice"), SimpleNamespace(username="boss")
    assert is_admin(alice, Access())  # local use, no accounts: everyone
    assert not is_admin(alice, Access(auth=("alice", "pw"))) and NEED_ADMIN.endswith("（--admin）")
    both = Access(auth=("alice", "pw"), admin=("boss", "pw2"))
    assert is_admin(boss, both) and not is_admin(alice, both)
    assert is_admin(boss, Access(admin=("boss", "pw2")))
    assert is_admin(boss, Access(admin=("boss", "pw2"), read_only=True))  # read-only: still sees 统计
