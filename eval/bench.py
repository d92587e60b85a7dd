"""Speed and memory benchmarks (not a test): run by hand, results written to eval/RESULTS.md.

    .venv/bin/python eval/bench.py                      # bundled corpus + every law in ../shared/laws
    .venv/bin/python eval/bench.py --skip-laws          # bundled corpus only
    .venv/bin/python eval/bench.py --smoke              # seconds: tiny data, prints JSON, writes nothing

Each phase runs in its own process (`--phase`), so its peak memory (ru_maxrss) is its own:
  bundled  model load, index build (units/s), cold start of `qa ask` (a fresh process, index present),
           warm query latency p50/p95 over eval/questions.jsonl (hybrid, k = 5)
  laws     index build over every document of ../shared/laws (articles/s), warm query latency, and the
           dense search compared: FAISS flat (exact) against HNSW and IVF — recall@10 of the approximate
           index against flat, and the time of one search
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
QUESTIONS = HERE / "questions.jsonl"


def percentiles(values: list[float]) -> dict[str, float]:
    ms = np.array(values) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 1), "p95_ms": round(float(np.percentile(ms, 95)), 1),
            "mean_ms": round(float(ms.mean()), 1), "n": len(values)}


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def questions(limit: int | None) -> list[str]:
    from qa.evaluation import load_questions

    texts = [q.question for q in load_questions(QUESTIONS)]
    return texts[:limit] if limit else texts


def timed_build(corpus: Path, folder: Path, embedder) -> tuple[object, float]:
    from qa.index import build_index

    started = time.perf_counter()
    index = build_index(corpus, folder, embedder, progress=False)
    return index, time.perf_counter() - started


def query_latency(assistant, texts: list[str]) -> dict[str, float]:
    assistant.ask(texts[0])  # first call pays one-off costs (jieba dictionary, caches)
    times = []
    for text in texts:
        started = time.perf_counter()
        assistant.ask(text, k=5)
        times.append(time.perf_counter() - started)
    return percentiles(times)


def phase_bundled(corpus: Path, limit: int | None) -> dict:
    from qa.answer import Assistant
    from qa.model import load_embedder

    started = time.perf_counter()
    embedder = load_embedder()
    model_load = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "index"
        index, build = timed_build(corpus, folder, embedder)
        counts = index.manifest["counts"]
        units = counts["clauses"] + counts["sentences"]
        cold = cold_start(corpus, folder)
        assistant = Assistant(folder, corpus, embedder=embedder, rebuild=False, progress=False)
        latency = query_latency(assistant, questions(limit))
    return {"model_load_s": round(model_load, 2), "index_build_s": round(build, 2), "counts": counts,
            "units_per_s": round(units / build, 1), "cold_start_ask_s": cold, "query": latency,
            "peak_rss_mb": peak_mb()}


def cold_start(corpus: Path, folder: Path) -> float:
    """Wall time of a fresh `qa ask` process with the index in place: imports, model load, one answer."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "qa.cli", "ask", "谁负责退役军人的职业培训", "--json", "--corpus",
                    str(corpus), "--index", str(folder)], check=True, capture_output=True)
    return round(time.perf_counter() - started, 2)


def phase_laws(laws: Path, limit: int | None) -> dict:
    from qa.answer import Assistant
    from qa.model import load_embedder

    embedder = load_embedder()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "index"
        index, build = timed_build(laws, folder, embedder)
        counts = index.manifest["counts"]
        assistant = Assistant(folder, laws, embedder=embedder, rebuild=False, progress=False)
        texts = questions(limit)
        latency = query_latency(assistant, texts)
        ann = compare_ann(index.clause_vectors, embedder.encode_queries(texts))
    return {"index_build_s": round(build, 1), "counts": counts, "sentence_vectors": index.manifest["sentence_vectors"],
            "articles_per_s": round(counts["clauses"] / build, 1), "query": latency, "ann": ann,
            "peak_rss_mb": peak_mb()}


def compare_ann(flat, queries: np.ndarray, k: int = 10) -> dict:
    """Recall@k of HNSW and IVF against exact (flat) search on the same vectors, and time per search."""
    import faiss

    vectors = flat.reconstruct_n(0, flat.ntotal)
    dim, n = vectors.shape[1], vectors.shape[0]
    exact_ids, exact_time = _search(flat, queries, k)
    hnsw = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 80
    started = time.perf_counter()
    hnsw.add(vectors)
    hnsw_build = time.perf_counter() - started
    nlist = max(1, int(4 * np.sqrt(n)))
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    started = time.perf_counter()
    ivf.train(vectors)
    ivf.add(vectors)
    ivf_build = time.perf_counter() - started
    out = {"flat": {"ms_per_query": exact_time}, "vectors": int(n)}
    for name, index, knob, values, build in (("hnsw", hnsw.hnsw, "efSearch", (16, 64, 128), hnsw_build),
                                             ("ivf", ivf, "nprobe", (4, 16, 64), ivf_build)):
        target = hnsw if name == "hnsw" else ivf
        for value in values:
            setattr(index, knob, value)
            ids, ms = _search(target, queries, k)
            recall = np.mean([len(set(a) & set(b)) / k for a, b in zip(ids, exact_ids)])
            out[f"{name} {knob}={value}"] = {"recall@10": round(float(recall), 4), "ms_per_query": ms,
                                             "build_s": round(build, 1)}
    return out


def _search(index, queries: np.ndarray, k: int) -> tuple[np.ndarray, float]:
    started = time.perf_counter()
    ids = [index.search(q[None, :], k)[1][0] for q in queries]  # one at a time, as a user asks
    return np.array(ids), round((time.perf_counter() - started) * 1000 / len(queries), 3)


def run_phase(name: str, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--phase", name, "--corpus", str(args.corpus), "--laws", str(args.laws)]
    if args.limit:
        cmd += ["--limit", str(args.limit)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env={**os.environ, "QA_BENCH": "1"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    import torch

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, torch {torch.__version__} ({torch.get_num_threads()} threads)")


def smoke_laws(laws: Path, tmp: Path) -> Path:
    """A handful of law files, for the smoke run."""
    folder = tmp / "laws"
    folder.mkdir()
    from qa.documents import iter_corpus_files

    seen: set[bytes] = set()
    for path in iter_corpus_files(laws):
        data = path.read_bytes()
        if data not in seen:  # distinct texts: a byte-identical copy would be indexed once
            seen.add(data)
            (folder / path.name).write_bytes(data)
        if len(seen) == 3:
            break
    return folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    parser.add_argument("--laws", type=Path, default=REPO.parent / "shared" / "laws")
    parser.add_argument("--phase", choices=("bundled", "laws"))
    parser.add_argument("--limit", type=int, default=None, help="questions to time (default: all)")
    parser.add_argument("--skip-laws", action="store_true")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS-bench.json")
    args = parser.parse_args()
    if args.phase:
        phase = phase_bundled(args.corpus, args.limit) if args.phase == "bundled" else phase_laws(args.laws, args.limit)
        print(json.dumps(phase, ensure_ascii=False))
        return
    if args.smoke:
        with tempfile.TemporaryDirectory() as tmp:
            args.laws, args.limit = smoke_laws(args.laws, Path(tmp)), 5
            result = {"bundled": run_phase("bundled", args), "laws": run_phase("laws", args)}
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    result = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "bundled": run_phase("bundled", args)}
    if not args.skip_laws:
        result["laws"] = run_phase("laws", args)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
