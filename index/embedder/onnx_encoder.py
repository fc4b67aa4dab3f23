"""An ONNX Runtime copy of a mean-pooled transformer: the fast path for queries and sentences.

A single short query spends most of its time in PyTorch's per-module Python
overhead, not in arithmetic. The transformer is exported to ONNX once per
machine (into the model cache, a few seconds) and run by ONNX Runtime, which
fuses the attention and layer-norm kernels; on 2 cores that halves the time
for one query and for a batch of sentences alike. Every load is checked
against the eager model, one probe at a time and as a padded batch, so a
stale or wrong export is rebuilt once and otherwise set aside.

The export is recorded on a padded batch: a trace of an unpadded one would
drop the attention mask as a no-op and pool padding into shorter texts.
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from index.files import atomic_write

log = logging.getLogger(__name__)

# Largest difference allowed between the ONNX and eager vectors (float32 rounding is ~1e-7).
_TOLERANCE = 1e-5
_PROBES = ("query: 2019年地区生产总值是多少？", "query: 大运会", "query: How are tax cuts applied to small firms?")
_INPUTS = ("input_ids", "attention_mask")
_EXPORT_FORMAT = 2  # 2: recorded on a padded batch


class OnnxEncoder:
    """Encodes texts with ONNX Runtime, for a sentence-transformers model laid out Transformer → mean Pooling → Normalize."""

    # Texts per run. Small batches of similar length, two side by side, beat large ones: 64 report chunks
    # took 2.2 s in batches of 4, 2.5 s of 8, 5.0 s of 32; 32 sentences of 7–164 tokens 0.5 s against 3.5 s.
    batch_size = 4

    def __init__(self, model, session, workers: int = 1):
        self._model = model
        self._session = session
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="govqa-onnx") if workers > 1 else None

    @classmethod
    def build(cls, model, name: str, cache_dir: str | Path) -> "OnnxEncoder | None":
        """The encoder for ``model`` (its export cached under ``cache_dir``), or None when it cannot serve this model."""
        if not _supported(model):
            return None
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            log.info("onnxruntime is not installed: using the eager model")
            return None
        path = Path(cache_dir) / "onnx" / f"{_export_key(model, name)}.onnx"
        for attempt in range(2):
            cached = path.exists() and not attempt
            try:
                if not cached:
                    _export(model, path)
                encoder = cls(model, _session(path), _cores())
                difference = encoder._difference()
            except Exception as exc:  # an optimisation: any failure keeps the eager path
                reason = f"{exc.__class__.__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
                if cached:
                    log.info("cached ONNX export %s unusable (%s): exporting it again", path, reason)
                    continue
                log.info("model not exported to ONNX (%s): using the eager model", reason)
                return None
            if difference <= _TOLERANCE:
                return encoder
            log.info("ONNX export differs from the model by %.2g: %s", difference,
                     "exporting it again" if cached else "using the eager model")
            if not cached:
                return None
        return None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length vectors of ``texts`` (prompts already prepended), one batch, shape (len(texts), dimension)."""
        features = self._model.preprocess(list(texts))
        feeds = {name: features[name].numpy() for name in _INPUTS}
        hidden = self._session.run(None, feeds)[0]
        mask = feeds["attention_mask"][:, :, None].astype(hidden.dtype)
        pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1.0)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32, copy=False)

    def encode_batches(self, batches: Sequence[Sequence[str]]) -> Iterator[np.ndarray]:
        """``encode`` of each batch, in order; batches run side by side, one core each."""
        if self._pool is None or len(batches) < 2:
            return (self.encode(batch) for batch in batches)
        return self._pool.map(self.encode, batches)

    def _difference(self) -> float:
        eager = self._model.encode(list(_PROBES), normalize_embeddings=True, show_progress_bar=False)
        singles = np.concatenate([self.encode([text]) for text in _PROBES])
        return float(max(np.abs(eager - singles).max(), np.abs(eager - self.encode(_PROBES)).max()))


def _supported(model) -> bool:
    names = [type(m).__name__ for m in model]
    if names[:2] != ["Transformer", "Pooling"] or names[2:] not in ([], ["Normalize"]):
        return False
    return getattr(model[1], "pooling_mode", None) == "mean"


def _export_key(model, name: str) -> str:
    """Names the export after the model, its shape and the torch that wrote it; the probe check catches the rest."""
    import torch

    config = model[0].model.config
    shape = (config.model_type, config.hidden_size, config.num_hidden_layers, config.vocab_size)
    digest = hashlib.sha256(repr((_EXPORT_FORMAT, name, shape, torch.__version__)).encode()).hexdigest()[:16]
    return f"{config.model_type}-{digest}"


def _last_hidden_state(transformer):
    """The transformer as a plain ``(input_ids, attention_mask) → last hidden state`` module, for export."""
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask):
            return self.transformer(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    return LastHiddenState().eval()


def _export(model, path: Path) -> None:
    """Write the ONNX graph to ``path`` atomically (a reader never sees half a file)."""
    import torch
    from transformers.utils import logging as hf_logging

    path.parent.mkdir(parents=True, exist_ok=True)
    features = model.preprocess(list(_PROBES[:2]))  # of different lengths: the mask has zeros

    def export(scratch: str) -> None:
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's deprecation and tracer notes
            hf_logging.set_verbosity_error()
            # The TorchScript-based exporter: seconds, where the torch.export one takes most of a minute.
            torch.onnx.export(
                _last_hidden_state(model[0].model), (features["input_ids"], features["attention_mask"]), scratch,
                input_names=list(_INPUTS), output_names=["last_hidden_state"],
                dynamic_axes={name: {0: "texts", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")},
                opset_version=17, dynamo=False)

    verbosity = hf_logging.get_verbosity()
    try:
        atomic_write(path, export)
        log.info("exported the model to ONNX: %s", path)
    finally:
        hf_logging.set_verbosity(verbosity)


def _cores() -> int:
    import torch

    return max(1, torch.get_num_threads())


def _session(path: Path):
    """A session on one thread: a search runs BM25 on the other core meanwhile, and batches run side by side."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
