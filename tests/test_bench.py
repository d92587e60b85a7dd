"""A smoke run of the benchmark script (the real run is by hand; figures in eval/RESULTS.md)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import REPO

LAWS = REPO.parent / "shared" / "laws"


@pytest.mark.skipif(not LAWS.is_dir(), reason="../shared/laws is not beside the checkout")
def test_bench_smoke():
    run = subprocess.run([sys.executable, str(REPO / "eval" / "bench.py"), "--smoke", "--laws", str(LAWS)],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout)
    assert result["bundled"]["counts"]["clauses"] > 80 and result["bundled"]["query"]["n"] == 5
    assert result["laws"]["counts"]["documents"] == 3
    assert 0.0 <= result["laws"]["ann"]["hnsw efSearch=128"]["recall@10"] <= 1.0
