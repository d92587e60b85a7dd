"""Concurrent users against `qa serve` on 127.0.0.1 (a benchmark, run by hand; figures in eval/RESULTS.md).

    .venv/bin/python eval/load.py                   # starts qa serve itself on a free loopback port
    .venv/bin/python eval/load.py --log             # … with the question log on (a temporary folder)
    .venv/bin/python eval/load.py --log --kill-after 150   # SIGKILL the server after 150 answers, check the log
    .venv/bin/python eval/load.py --url http://127.0.0.1:7860/

20 gradio_client clients × 25 questions each (from eval/questions.jsonl), all at once. Bounded: a fixed
number of requests, each with a time-out, to loopback only. Prints errors, p50/p95 latency and throughput;
with --log also the log's row count (it must equal the answers) and SQLite's integrity check. With
--kill-after, every question whose answer had come back before the kill must be in the log.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sqlite3
import tempfile
from collections import Counter
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np

from qa.evaluation import load_questions

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(extra: list[str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve", "--port", str(port), *extra],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(600):
        try:
            urllib.request.urlopen(url, timeout=1)
            return process, url
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("qa serve did not start")


def client_run(url: str, questions: list[str], latencies: list[float], errors: list[str],
               answered: list[str]) -> None:
    from gradio_client import Client

    try:
        client = Client(url, verbose=False)
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}"[:200])
        return
    for question in questions:
        started = time.perf_counter()
        try:
            data = client.predict(question, 5, api_name="/ask")
            if "results" not in data:
                raise ValueError(f"bad answer: {str(data)[:80]}")
            latencies.append(time.perf_counter() - started)
            answered.append(data["question"])
        except Exception as exc:  # counted and reported, the run goes on
            errors.append(f"{type(exc).__name__}: {exc}"[:200])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc): on a shared machine, CPU per answer is
    steadier than wall-clock throughput."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def check_log(folder: Path, answered: list[str]) -> dict:
    """Reopen the log as a new process would: rows, integrity, and whether every answered question is there."""
    db = sqlite3.connect(folder / "questions.sqlite3")
    try:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        logged = Counter(q for (q,) in db.execute("SELECT question FROM questions"))
    finally:
        db.close()
    missing = Counter(answered) - logged
    return {"log_rows": sum(logged.values()), "integrity": integrity,
            "answered_but_not_logged": sum(missing.values())}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=25)
    parser.add_argument("--log", action="store_true", help="start the server with the question log on")
    parser.add_argument("--kill-after", type=int, default=None, metavar="N",
                        help="SIGKILL the server once N answers have come back, then check the log")
    args = parser.parse_args()
    if args.url and not args.url.startswith(("http://127.", "http://localhost")):
        raise SystemExit("load tests run against this machine only (127.0.0.1 / localhost)")
    if args.kill_after is not None and (args.url or not args.log):
        raise SystemExit("--kill-after needs --log and a server this script starts")
    pool = [q.question for q in load_questions(HERE / "questions.jsonl")]
    log_dir = Path(tempfile.mkdtemp(prefix="qa-load-log-")) if args.log else None
    process, url = (None, args.url) if args.url else start_server(["--log", str(log_dir)] if log_dir else [])
    latencies: list[float] = []
    errors: list[str] = []
    answered: list[str] = []
    killed_at = None
    try:
        threads = []
        for c in range(args.clients):
            mine = [pool[(c * args.questions + i) % len(pool)] for i in range(args.questions)]
            threads.append(threading.Thread(target=client_run, args=(url, mine, latencies, errors, answered),
                                            daemon=True))
        server_cpu = cpu_seconds(process.pid) if process else None
        client_cpu = time.process_time()
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        if args.kill_after is not None:
            while len(answered) < args.kill_after and any(t.is_alive() for t in threads):
                time.sleep(0.01)
            answered_before_kill = list(answered)  # these answers came back: their rows must be in the log
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            killed_at = time.perf_counter() - started
        for thread in threads:
            thread.join(timeout=900)
        elapsed = time.perf_counter() - started
        client_cpu = time.process_time() - client_cpu
        if process and process.poll() is None:
            server_cpu = cpu_seconds(process.pid) - server_cpu
    finally:
        if process and process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
    ms = np.array(latencies) * 1000
    result = {"clients": args.clients, "questions_each": args.questions, "answered": len(latencies),
              "errors": len(errors), "first_errors": errors[:3], "wall_s": round(elapsed, 1),
              "throughput_per_s": round(len(latencies) / elapsed, 1),
              "p50_ms": round(float(np.percentile(ms, 50)), 1) if len(ms) else None,
              "p95_ms": round(float(np.percentile(ms, 95)), 1) if len(ms) else None,
              "cpu": cpu_name(), "server_concurrency": os.environ.get("QA_CONCURRENCY", "default"),
              "load_average_1min": round(os.getloadavg()[0], 1),
              "client_cpu_ms_per_answer": round(1000 * client_cpu / max(len(latencies), 1), 1)}
    if process and killed_at is None:
        result["server_cpu_ms_per_answer"] = round(1000 * server_cpu / max(len(latencies), 1), 1)
    if log_dir and killed_at is not None:
        result.update(killed_after_s=round(killed_at, 1), answered_before_kill=len(answered_before_kill),
                      **check_log(log_dir, answered_before_kill))
    elif log_dir:
        result.update(check_log(log_dir, answered))
    print(json.dumps(result, ensure_ascii=False, indent=2))


def cpu_name() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return "unknown"
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "unknown")


if __name__ == "__main__":
    main()
