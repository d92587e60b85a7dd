from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from qa.answer import Assistant
from qa.index import build_index
from qa.model import load_embedder

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
PLAN = CORPUS / "关于加快推进职业教育现代化服务的实施方案.docx"
LAW = CORPUS / "中华人民共和国职业教育法(2022-04-20).md"


@pytest.fixture(scope="session")
def embedder():
    return load_embedder()


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory, embedder) -> Path:
    folder = tmp_path_factory.mktemp("index")
    build_index(CORPUS, folder, embedder, progress=False)
    return folder


@pytest.fixture(scope="session")
def assistant(index_dir, embedder) -> Assistant:
    return Assistant(index_dir, CORPUS, embedder=embedder, rebuild=False, progress=False)


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the bundled corpus."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(PLAN, folder)
    shutil.copy(LAW, folder)
    return folder


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
