"""Where the product's folders are: the repository, the corpus and the index (environment overrides)."""
from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def default_corpus() -> Path:
    return Path(os.environ.get("QA_CORPUS") or REPO / "corpus")


def default_index() -> Path:
    return Path(os.environ.get("QA_INDEX") or REPO / "index")
