"""PDFs laid out line by line, as report PDFs are: lines placed where a test says (the CJK font: tests/conftest.py)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from fpdf import FPDF

FONT_SIZE = 12  # points; lines are placed on a 24-point pitch, like 三号 type on 28 points in a 公文
PITCH = 24


@pytest.fixture
def placed_pdf(cjk_font_file: str, tmp_path: Path) -> Callable[..., Path]:
    """Write an A4 PDF (points) from pages of ``(x, y, text)``; ``x`` None centres the line.

    Each line is its own text object, so the content stream order is the order
    given: a test can write two columns row by row, as some generators do.
    """

    def make(pages: list[list[tuple[float | None, float, str]]], name: str = "made.pdf") -> Path:
        pdf = FPDF(unit="pt", format="A4")
        pdf.add_font("cjk", fname=cjk_font_file)
        pdf.set_font("cjk", size=FONT_SIZE)
        pdf.set_auto_page_break(False)
        for lines in pages:
            pdf.add_page()
            for x, y, text in lines:
                width = pdf.get_string_width(text)
                pdf.set_xy((pdf.w - width) / 2 if x is None else x, y)
                pdf.cell(width, FONT_SIZE, text)
        path = tmp_path / name
        pdf.output(str(path))
        return path

    return make


@pytest.fixture(scope="session")
def e5_embedder(tmp_path_factory: pytest.TempPathFactory):
    """The default embedding model (e5-small, from the shared model cache), loaded once for the session."""
    from govqa.config import Config, IndexConfig, ModelConfig
    from govqa.index.embedder import create_embedder

    cache = os.environ.get("GOVQA_MODEL_CACHE") or str(tmp_path_factory.mktemp("model-cache"))
    config = Config(model=ModelConfig(cache_dir=cache), index=IndexConfig(path=str(tmp_path_factory.mktemp("e5"))))
    return create_embedder(config.model)


@pytest.fixture
def searcher_of(e5_embedder, tmp_path: Path) -> Callable[..., object]:
    """``searcher_of(*files)`` → a ``Searcher`` over an index (real e5, SQLite, FAISS) of the files, each loaded
    through the real ingest; fails the test when a file does not load."""
    from govqa.config import Config, IndexConfig, ModelConfig
    from govqa.index import Index
    from govqa.qa import Searcher

    def make(*files: Path):
        config = Config(
            model=ModelConfig(cache_dir=os.environ.get("GOVQA_MODEL_CACHE") or str(tmp_path / "model-cache")),
            index=IndexConfig(path=str(tmp_path / "index")),
        )
        index = Index.open(config.index.path, config, embedder=e5_embedder)
        reports = index.add_paths(list(files), config.chunk)
        assert [r.status for r in reports] == ["ok"] * len(files), [(r.path, r.error) for r in reports]
        return Searcher(index, config)

    return make
