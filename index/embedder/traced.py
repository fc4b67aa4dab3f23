"""A TorchScript copy of a mean-pooled transformer for one query at a time: the search latency path.

A single short query spends most of its ~25 ms in PyTorch's per-module Python
overhead, not in arithmetic. Tracing the transformer and freezing it for
inference removes that overhead and gives the same vectors (checked when it
is built; any model that fails the check simply keeps the eager path).

Only batches of one are traced: with one text there is no padding, so the
attention mask is all ones, the case the trace was recorded with.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np

log = logging.getLogger(__name__)

# Largest difference allowed between traced and eager vectors (float32 rounding is ~1e-7).
_TOLERANCE = 1e-5
_PROBES = ("query: 2019年地区生产总值是多少？", "query: 大运会", "query: How are tax cuts applied to small firms?")


class TracedSingleEncoder:
    """Encodes one text with a frozen TorchScript trace of a sentence-transformers model (Transformer → mean Pooling → Normalize)."""

    def __init__(self, model, traced):
        self._model = model
        self._traced = traced

    @classmethod
    def build(cls, model) -> "TracedSingleEncoder | None":
        """The traced encoder for ``model``, or None when its layout is not the supported one or the trace disagrees."""
        import torch
        from transformers.utils import logging as hf_logging

        modules = list(model)
        names = [type(m).__name__ for m in modules]
        if names[:2] != ["Transformer", "Pooling"] or names[2:] not in ([], ["Normalize"]):
            return None
        if getattr(modules[1], "pooling_mode", None) != "mean":
            return None
        transformer = modules[0].model
        features = model.preprocess([_PROBES[0]])
        try:
            with torch.inference_mode(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                verbosity = hf_logging.get_verbosity()
                hf_logging.set_verbosity_error()  # tracing makes transformers log config notes
                config = transformer.config
                return_dict, config.return_dict = config.return_dict, False
                try:
                    traced = torch.jit.trace(transformer, (features["input_ids"], features["attention_mask"]),
                                             strict=False)
                finally:
                    config.return_dict = return_dict
                    hf_logging.set_verbosity(verbosity)
                traced = torch.jit.optimize_for_inference(torch.jit.freeze(traced.eval()))
        except Exception as exc:  # tracing is an optimisation: any failure keeps the eager path
            log.info("query encoder not traced (%s): using the eager model", exc.__class__.__name__)
            return None
        encoder = cls(model, traced)
        eager = model.encode(list(_PROBES), normalize_embeddings=True, show_progress_bar=False)
        fast = np.stack([encoder.encode(text) for text in _PROBES])
        if not np.allclose(eager, fast, atol=_TOLERANCE):
            log.info("traced query encoder differs from the model by %.2g: using the eager model",
                     float(np.abs(eager - fast).max()))
            return None
        return encoder

    def encode(self, text: str) -> np.ndarray:
        """The unit-length vector of ``text`` (prompt already prepended)."""
        import torch

        features = self._model.preprocess([text])
        with torch.inference_mode():
            hidden = self._traced(features["input_ids"], features["attention_mask"])[0]
            vector = torch.nn.functional.normalize(hidden.mean(dim=1), dim=-1)
        return vector[0].numpy().astype(np.float32, copy=False)
