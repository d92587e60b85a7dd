"""Concurrent users against `qa serve` on 127.0.0.1 (a benchmark, run by hand; figures in eval/RESULTS.md).

    .venv/bin/python eval/load.py                   # starts qa serve itself on a free loopback port
    .venv/bin/python eval/load.py --url http://127.0.0.1:7860/

20 gradio_client clients × 25 questions each (from eval/questions.jsonl), all at once. Bounded: a fixed
number of requests, each with a time-out, to loopback only. Prints errors, p50/p95 latency and throughput.
"""
from __future__ import annotations

import argparse
import json
import socket
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


def start_server() -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve", "--port", str(port)],
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


def client_run(url: str, questions: list[str], latencies: list[float], errors: list[str]) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    for question in questions:
        started = time.perf_counter()
        try:
            data = client.predict(question, 5, api_name="/ask")
            if "results" not in data:
                raise ValueError(f"bad answer: {str(data)[:80]}")
            latencies.append(time.perf_counter() - started)
        except Exception as exc:  # counted and reported, the run goes on
            errors.append(f"{type(exc).__name__}: {exc}"[:200])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=25)
    args = parser.parse_args()
    if args.url and not args.url.startswith(("http://127.", "http://localhost")):
        raise SystemExit("load tests run against this machine only (127.0.0.1 / localhost)")
    pool = [q.question for q in load_questions(HERE / "questions.jsonl")]
    process, url = (None, args.url) if args.url else start_server()
    latencies: list[float] = []
    errors: list[str] = []
    try:
        threads = []
        for c in range(args.clients):
            mine = [pool[(c * args.questions + i) % len(pool)] for i in range(args.questions)]
            threads.append(threading.Thread(target=client_run, args=(url, mine, latencies, errors)))
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=900)
        elapsed = time.perf_counter() - started
    finally:
        if process:
            process.terminate()
            process.wait(timeout=30)
    ms = np.array(latencies) * 1000
    result = {"clients": args.clients, "questions_each": args.questions, "answered": len(latencies),
              "errors": len(errors), "first_errors": errors[:3], "wall_s": round(elapsed, 1),
              "throughput_per_s": round(len(latencies) / elapsed, 1),
              "p50_ms": round(float(np.percentile(ms, 50)), 1) if len(ms) else None,
              "p95_ms": round(float(np.percentile(ms, 95)), 1) if len(ms) else None}
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
