"""One index of the sample corpus (real e5 model, real SQLite and FAISS) for the qa tests."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from govqa.config import ChunkConfig, Config, IndexConfig, ModelConfig
from govqa.ingest import ingest_paths

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.fixture(scope="session")
def seed_config(model_cache: str, tmp_path_factory: pytest.TempPathFactory) -> Config:
    """Default settings, with a session index folder and the shared model cache."""
    return Config(
        model=ModelConfig(cache_dir=model_cache), index=IndexConfig(path=str(tmp_path_factory.mktemp("qa") / "index"))
    )


@pytest.fixture(scope="session")
def seed_searcher(seed_config: Config, copy_seed_index):
    """A ``Searcher`` over an index of corpus/: a copy of the session's one build (tests/conftest.py)."""
    from govqa.runtime import open_runtime

    copy_seed_index(seed_config.index.path)
    return open_runtime(seed_config, seed_config.index.path).searcher


@pytest.fixture(scope="session")
def seed_documents() -> dict:
    """The cleaned sample documents by name, to check citation offsets against."""
    return {d.name: d for r in ingest_paths([CORPUS], ChunkConfig()) for d, _ in r.documents}


@pytest.fixture
def index_of(seed_searcher, seed_config, tmp_path):
    """``index_of({name: text}, chunk=ChunkConfig())`` → (Searcher, cleaned documents by name)."""
    from govqa.index import Index
    from govqa.qa import Searcher

    def make(files: dict[str, str], chunk: ChunkConfig = ChunkConfig()):
        folder = tmp_path / "reports"
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text, "utf-8")
        config = replace(seed_config, chunk=chunk, index=IndexConfig(path=str(tmp_path / "index")))
        index = Index.open(config.index.path, config, embedder=seed_searcher.index.embedder)
        index.add_paths([folder], config.chunk)
        documents = {d.name: d for r in ingest_paths([folder], chunk) for d, _ in r.documents}
        return Searcher(index, config), documents

    return make
