"""The lean runtime: a mean-pooled transformer run by ONNX Runtime, tokenised by ``tokenizers``; no PyTorch.

The graph (``input_ids``, ``attention_mask`` → ``last_hidden_state``) is
exported once per machine by ``index.embedder.export``, the only place that
imports PyTorch and sentence-transformers; once it exists, indexing and
questions load this module alone (about 0.3 s and 150 MB, against 10–25 s and
1 GB for PyTorch).

``encode`` pools each text's token states into one unit vector, as the
model's own ``Pooling(mean)`` + ``Normalize`` do. ``encode_spans`` does the
same, and from the same forward pass also pools each given character span of
the text over its own tokens: "late chunking" (Günther et al. 2024, *Late
Chunking: Contextual Chunk Embeddings Using Long-Context Embedding Models*,
arXiv 2409.04701). A chunk's sentences so get vectors in the context of their
chunk without being embedded again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ENCODERS = ("fp32", "int8")
_INPUTS = ("input_ids", "attention_mask")

Span = tuple[int, int]


class EncoderUnavailable(RuntimeError):
    """An encoder other than fp32 was asked for and cannot be built for this model here; says why."""


def cores() -> int:
    """CPU cores this process may use (its affinity where the OS tells it, else the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class OnnxEncoder:
    """Encodes texts (prompts already prepended) with an exported graph; thread-safe.

    ``max_length`` is the model's window in tokens (``max_seq_length``):
    longer texts are cut there, as sentence-transformers cuts them. Batches
    given to ``encode_batches`` run side by side on ``workers`` threads, one
    ONNX Runtime thread each.
    """

    def __init__(self, tokenizer, session, max_length: int, workers: int = 1):
        self._tokenizer = tokenizer
        self._session = session
        self.max_length = max_length
        self.workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="govqa-onnx") if workers > 1 else None

    def use_cores(self, workers: int) -> None:
        """Run ``encode_batches`` on ``workers`` threads (at least one) from now on; single texts are not affected."""
        workers = max(1, workers)
        if workers == self.workers:
            return
        old, self.workers = self._pool, workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="govqa-onnx") if workers > 1 else None
        if old is not None:
            old.shutdown(wait=False)  # batches already given to it finish there

    @classmethod
    def load(cls, graph: Path, tokenizer_file: Path, max_length: int, workers: int | None = None) -> OnnxEncoder:
        """An encoder over ``graph`` (an ONNX file) and ``tokenizer_file`` (a ``tokenizer.json``).

        ``workers`` defaults to the cores this process may use. Raises
        whatever ONNX Runtime or ``tokenizers`` raise for a file they cannot read.
        """
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(tokenizer_file))
        tokenizer.no_padding()  # padded here, to the longest text of each batch
        tokenizer.enable_truncation(max_length)
        return cls(tokenizer, _session(graph), max_length, workers or cores())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length vectors of ``texts``, one padded run, shape (len(texts), dimension), float32."""
        hidden, mask, _ = self._forward(texts, offsets=False)
        return _unit(_masked_mean(hidden, mask))

    def encode_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """One forward pass per text: its vector, and one vector per span of ``spans[i]``.

        ``spans[i]`` are (start, end) character offsets in ``texts[i]``. A
        span's vector is the mean of the final states of the tokens that
        overlap it, made unit length; a span with no token inside the
        model's window (past ``max_length`` tokens, or blank) gets a row of
        NaN, for the caller to embed otherwise. Returns (vectors of shape
        (len(texts), dimension), [array of shape (len(spans[i]), dimension)]).
        """
        hidden, mask, encodings = self._forward(texts, offsets=True)
        pooled = _unit(_masked_mean(hidden, mask))
        out = []
        for row, (encoding, own) in enumerate(zip(encodings, spans, strict=True)):
            out.append(_span_means(hidden[row], encoding, own))
        return pooled, out

    def encode_batches(self, batches: Sequence[Sequence[str]]) -> Iterator[np.ndarray]:
        """``encode`` of each batch, in order; batches run side by side, one core each."""
        return self.map(self.encode, batches)

    def map(self, function, batches: Sequence) -> Iterator:
        """``function`` over ``batches`` in order, on the worker threads when there are several batches."""
        if self._pool is None or len(batches) < 2:
            return (function(batch) for batch in batches)
        return self._pool.map(function, batches)

    def _forward(self, texts: Sequence[str], offsets: bool):
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=True)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return hidden, mask, encodings


def _masked_mean(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    weights = mask[:, :, None].astype(hidden.dtype)
    return (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


def _span_means(states: np.ndarray, encoding, spans: Sequence[Span]) -> np.ndarray:
    """(len(spans), dimension): each span's mean token state, unit length; NaN rows for spans without tokens."""
    if not spans:
        return np.zeros((0, states.shape[1]), dtype=np.float32)
    starts, ends = np.array(encoding.offsets, dtype=np.int64).reshape(-1, 2).T
    real = (np.array(encoding.special_tokens_mask) == 0) & (ends > starts)
    bounds = np.array(spans, dtype=np.int64)
    # token t belongs to span s when their character ranges overlap
    member = real[None, :] & (starts[None, :] < bounds[:, 1:2]) & (ends[None, :] > bounds[:, 0:1])
    counts = member.sum(axis=1, keepdims=True)
    means = (member.astype(states.dtype) @ states[: member.shape[1]]) / np.maximum(counts, 1)
    out = _unit(means)
    out[counts[:, 0] == 0] = np.nan
    return out


def _session(path: Path):
    """A session on one thread: a search runs BM25 on the other core meanwhile, and batches run side by side."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
