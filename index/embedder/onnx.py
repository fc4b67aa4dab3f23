"""The default embedder: a sentence-transformers folder run by ONNX Runtime alone (``OnnxEncoder``).

PyTorch and sentence-transformers are imported only to export the graph the
first time (``index.embedder.export``); every later process reads the
folder's JSON files, its ``tokenizer.json`` and the graph.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from filelock import FileLock

from govqa.index.embedder.base import Embedder, behind_head, is_e5_like, normalise
from govqa.index.embedder.onnx_encoder import ENCODERS, EncoderUnavailable, OnnxEncoder

log = logging.getLogger(__name__)

_EXPORT_FORMAT = 3  # 3: checked once at export, recorded in GRAPH.json
_PASSAGE_PROMPT_NAMES = ("document", "passage", "corpus")


class NotExportable(RuntimeError):
    """The folder is not a mean-pooled sentence-transformers model that ``OnnxEncoder`` can run; says why."""


def _read_json(path: Path) -> dict | list:
    return json.loads(path.read_text(encoding="utf-8"))


def folder_layout(folder: Path) -> tuple[int, dict[str, str]]:
    """(max_seq_length, prompts) of a Transformer → mean Pooling (→ Normalize) folder, read without PyTorch.

    Raises ``NotExportable`` for any other layout (CLS pooling, a Dense
    layer, a folder that is not a sentence-transformers model).
    """
    try:
        modules = _read_json(folder / "modules.json")
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        if kinds[:2] != ["Transformer", "Pooling"] or kinds[2:] not in ([], ["Normalize"]):
            raise NotExportable(f"the model is laid out {' → '.join(kinds)}, not Transformer → mean Pooling")
        pooling = _read_json(folder / modules[1]["path"] / "config.json")
        mean = pooling.get("pooling_mode") == "mean" or pooling.get("pooling_mode_mean_tokens")
        if not mean or pooling.get("include_prompt", True) is False:
            raise NotExportable("the model does not pool the mean of all its tokens")
        if not (folder / "tokenizer.json").exists():
            raise NotExportable("the folder has no tokenizer.json")
        settings = _read_json(folder / "sentence_bert_config.json")
        own = folder / "config_sentence_transformers.json"
        prompts = (_read_json(own).get("prompts") or {}) if own.exists() else {}
    except (OSError, KeyError, IndexError, TypeError, ValueError) as exc:
        raise NotExportable(
            f"{folder} is not a sentence-transformers folder ({exc.__class__.__name__}: {exc})"
        ) from None
    return int(settings.get("max_seq_length") or 512), {k: v for k, v in prompts.items() if v}


def _fingerprint(folder: Path) -> str:
    """What identifies the weights and tokenizer in ``folder``: its config files' text and its weight files' sizes and times."""
    parts = []
    for path in sorted(folder.iterdir()):
        if path.suffix in (".json",) and path.is_file():
            parts.append((path.name, path.read_text(encoding="utf-8", errors="replace")))
        elif path.suffix in (".safetensors", ".bin") and path.is_file():
            stat = path.stat()
            parts.append((path.name, stat.st_size, stat.st_mtime_ns))
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


class OnnxEmbedder(Embedder):
    """A mean-pooled sentence-transformers folder as an ``Embedder``, run by ONNX Runtime; no PyTorch once exported.

    Prompt rule (as ``SentenceTransformerEmbedder``): the folder's own prompts
    (``query``, ``document``/``passage``/``corpus``) when it defines them;
    otherwise ``query_prompt`` / ``passage_prompt`` only for e5-like model
    names, which were trained with them. ``encoder`` is ``fp32`` (the exact
    model) or ``int8`` (fused and quantised; its vectors are its own). The
    graph is exported into ``cache_dir/onnx`` once per machine under a file
    lock, so processes starting together export it once.

    Each text runs alone, the runs side by side on the cores: int8's dynamic
    quantisation scales each run's activations by that run's own range, so in
    a padded batch a text's vector would depend on the texts beside it (cosine
    0.992–0.996 to its own, measured on report chunks and sentences), and a
    query, always alone, would meet passages quantised otherwise. Alone, a
    text also pads nothing; on 2 cores it was as fast as runs of like length.

    Raises ``NotExportable`` for a folder of another layout and
    ``EncoderUnavailable`` when the export fails or strays from the model.
    """

    sentence_method = "late"

    def __init__(
        self,
        name: str,
        folder: str | Path,
        cache_dir: str | Path,
        encoder: str = "fp32",
        query_prompt: str = "query: ",
        passage_prompt: str = "passage: ",
        batch_size: int = 32,
    ):
        if encoder not in ENCODERS:
            raise ValueError(f"unknown encoder {encoder!r}: one of {', '.join(ENCODERS)}")
        folder = Path(folder)
        max_length, prompts = folder_layout(folder)
        self.name = name
        self.encoder = encoder
        self.batch_size = batch_size
        if prompts:
            self.query_prompt = prompts.get("query", "")
            self.passage_prompt = next((prompts[n] for n in _PASSAGE_PROMPT_NAMES if n in prompts), "")
        else:
            e5 = is_e5_like(name)
            self.query_prompt = query_prompt if e5 else ""
            self.passage_prompt = passage_prompt if e5 else ""
        self.graph = _graph_path(folder, name, Path(cache_dir), encoder)
        self._encoder = _load_or_export(folder, self.graph, encoder, max_length)
        self.dimension = int(self._encoder.encode(["维度"]).shape[1])

    def warm_up(self) -> None:
        """Nothing to prepare: the session is loaded with the embedder."""

    def use_cores(self, cores: int) -> None:
        """Passages run side by side on at most ``cores`` cores (queries run alone, one core each, as before)."""
        self._encoder.use_cores(cores)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length query vectors, shape (len(texts), dimension)."""
        return self._encode([self.query_prompt + t for t in texts])

    def encode_passages(
        self,
        texts: Sequence[str],
        batch_size: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Unit-length passage vectors, shape (len(texts), dimension); ``batch_size`` is not used (one text per run)."""
        return self._encode([self.passage_prompt + t for t in texts], progress)

    def encode_chunks(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[tuple[int, int]]],
        progress: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """One forward pass per chunk: its vector and its sentences' span vectors (late chunking; see the base class).

        A sentence outside the model's window (a chunk over ``max_seq_length``
        tokens) is embedded on its own behind the chunk's head.
        """
        shift = len(self.passage_prompt)
        prompted = [self.passage_prompt + t for t in texts]
        moved = [[(a + shift, b + shift) for a, b in own] for own in spans]
        chunk_vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        span_vectors: list[np.ndarray] = [np.zeros((0, self.dimension), dtype=np.float32)] * len(texts)

        def run(row: int):
            return self._encoder.encode_spans([prompted[row]], [moved[row]])

        for row, (pooled, (vectors,)) in enumerate(self._encoder.map(run, range(len(texts)))):
            chunk_vectors[row], span_vectors[row] = pooled[0], vectors
            if progress is not None:
                progress(1)
        self._embed_outside_window(texts, spans, span_vectors)
        return chunk_vectors, span_vectors

    def _embed_outside_window(self, texts, spans, span_vectors: list[np.ndarray]) -> None:
        missing = [(i, j) for i, vectors in enumerate(span_vectors) for j in np.flatnonzero(np.isnan(vectors[:, 0]))]
        if not missing:
            return
        alone = [behind_head(texts[i], spans[i], j) for i, j in missing]
        for (i, j), vector in zip(missing, self.encode_passages(alone), strict=True):
            span_vectors[i][j] = vector

    def _encode(self, texts: list[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, vector in enumerate(self._encoder.encode_batches([[text] for text in texts])):
            out[row] = vector[0]
            if progress is not None:
                progress(1)
        return normalise(out)


def _graph_path(folder: Path, name: str, cache_dir: Path, kind: str) -> Path:
    key = hashlib.sha256(repr((_EXPORT_FORMAT, name, _fingerprint(folder))).encode()).hexdigest()[:16]
    return cache_dir / "onnx" / f"{key}-{kind}.onnx"


def _load_or_export(folder: Path, graph: Path, kind: str, max_length: int) -> OnnxEncoder:
    """The encoder over ``graph``, exported first (PyTorch) when it is missing, unrecorded or unreadable."""
    tokenizer = folder / "tokenizer.json"
    if graph.exists() and graph.with_suffix(".json").exists():
        try:
            return OnnxEncoder.load(graph, tokenizer, max_length)
        except Exception as exc:  # a damaged file: export it again below
            log.info("cached ONNX graph %s unusable (%s): exporting it again", graph, exc.__class__.__name__)
            graph.with_suffix(".json").unlink(missing_ok=True)
    graph.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(graph.with_suffix(".lock")):
        if not (graph.exists() and graph.with_suffix(".json").exists()):
            from govqa.index.embedder.export import ExportFailed, export_model

            log.info("exporting the model to ONNX (%s, once per machine): %s", kind, graph)
            graph.with_suffix(".json").unlink(missing_ok=True)
            try:
                export_model(str(folder), graph, kind, tokenizer, max_length)
            except ExportFailed as exc:
                raise EncoderUnavailable(f"the {kind} encoder cannot be used: {exc}") from None
    return OnnxEncoder.load(graph, tokenizer, max_length)
