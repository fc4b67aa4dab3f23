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

Two encoders: ``fp32`` is that exact copy. ``int8`` is exported with eager
attention, so that ONNX Runtime's transformer optimizer fuses each layer's
attention into one Attention op (and embeddings, LayerNorm and GELU into
theirs), then dynamically quantised to int8 (QAttention, MatMulInteger): on
this AVX-512 VNNI CPU about twice as fast on report chunks (bench/embed_speed.py),
every vector within cosine 0.99 of fp32. Its vectors are not fp32's, so an
index records which encoder built it.
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

ENCODERS = ("fp32", "int8")
# Largest difference allowed between the fp32 ONNX and eager vectors (float32 rounding is ~1e-7).
_TOLERANCE = 1e-5
# Least cosine allowed between an int8 vector and the eager fp32 one (the adoption rule of issue 13).
INT8_MIN_COSINE = 0.99
_PROBES = ("query: 2019年地区生产总值是多少？", "query: 大运会", "query: How are tax cuts applied to small firms?")
_INPUTS = ("input_ids", "attention_mask")
_EXPORT_FORMAT = 2  # 2: recorded on a padded batch


class EncoderUnavailable(RuntimeError):
    """An encoder other than fp32 was asked for and cannot be built for this model here; says why."""


def _unavailable(kind: str, reason: str) -> None:
    if kind != "fp32":
        raise EncoderUnavailable(f"the {kind} encoder cannot be used: {reason}")
    log.info("model not run by ONNX Runtime (%s): using the eager model", reason)
    return None


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
    def build(cls, model, name: str, cache_dir: str | Path, kind: str = "fp32") -> OnnxEncoder | None:
        """The ``kind`` encoder (``ENCODERS``) for ``model``, its export cached under ``cache_dir``.

        When it cannot serve this model (not mean-pooled, onnxruntime
        missing, export failed, or its vectors stray from the eager model's
        beyond ``_TOLERANCE`` for fp32, below ``INT8_MIN_COSINE`` for int8):
        None for fp32 (the eager model gives the same vectors; the reason is
        logged), ``EncoderUnavailable`` with the reason for int8 (nothing else gives its vectors).
        """
        if not _supported(model):
            return _unavailable(kind, "the model is not Transformer → mean Pooling")
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            return _unavailable(kind, "onnxruntime is not installed")
        path = Path(cache_dir) / "onnx" / f"{_export_key(model, name, kind)}.onnx"
        for attempt in range(2):
            cached = path.exists() and not attempt
            try:
                if not cached:
                    (_export if kind == "fp32" else _export_int8)(model, path)
                encoder = cls(model, _session(path), _cores())
                agrees, figure = encoder._agreement(kind)
            except Exception as exc:  # an optimisation: any failure keeps the eager path
                reason = f"{exc.__class__.__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
                if cached:
                    log.info("cached ONNX export %s unusable (%s): exporting it again", path, reason)
                    continue
                return _unavailable(kind, f"the export failed ({reason})")
            if agrees:
                return encoder
            if not cached:
                return _unavailable(kind, f"its vectors stray from the model's ({figure})")
            log.info("cached ONNX %s export strays from the model (%s): exporting it again", kind, figure)
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

    def _agreement(self, kind: str) -> tuple[bool, str]:
        """Whether the probes, one at a time and as a padded batch, come out as the eager model's; and by how much."""
        eager = self._model.encode(list(_PROBES), normalize_embeddings=True, show_progress_bar=False)
        singles = np.concatenate([self.encode([text]) for text in _PROBES])
        batch = self.encode(_PROBES)
        if kind == "fp32":
            difference = float(max(np.abs(eager - singles).max(), np.abs(eager - batch).max()))
            return difference <= _TOLERANCE, f"largest difference {difference:.2g}"
        cosine = float(min(np.sum(eager * singles, axis=1).min(), np.sum(eager * batch, axis=1).min()))
        return cosine >= INT8_MIN_COSINE, f"least cosine {cosine:.4f}"


def _supported(model) -> bool:
    names = [type(m).__name__ for m in model]
    if names[:2] != ["Transformer", "Pooling"] or names[2:] not in ([], ["Normalize"]):
        return False
    return getattr(model[1], "pooling_mode", None) == "mean"


def _export_key(model, name: str, kind: str = "fp32") -> str:
    """Names the export after the model, its shape, the encoder and the torch that wrote it; the probe check catches the rest."""
    import torch

    config = model[0].model.config
    shape = (config.model_type, config.hidden_size, config.num_hidden_layers, config.vocab_size)
    digest = hashlib.sha256(repr((_EXPORT_FORMAT, name, shape, torch.__version__)).encode()).hexdigest()[:16]
    return f"{config.model_type}-{digest}" if kind == "fp32" else f"{config.model_type}-{digest}-{kind}"


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
                _last_hidden_state(model[0].model),
                (features["input_ids"], features["attention_mask"]),
                scratch,
                input_names=list(_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes={name: {0: "texts", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")},
                opset_version=17,
                dynamo=False,
            )

    verbosity = hf_logging.get_verbosity()
    try:
        atomic_write(path, export)
        log.info("exported the model to ONNX: %s", path)
    finally:
        hf_logging.set_verbosity(verbosity)


def _export_int8(model, path: Path) -> None:
    """Export with eager attention, fuse it (onnxruntime.transformers optimizer), quantise dynamically to int8."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer

    transformer = model[0].model
    config = transformer.config
    fp32, fused, int8 = (path.with_name(f"{path.stem}.{step}.part") for step in ("fp32", "fused", "int8"))
    previous = config._attn_implementation
    try:
        # SDPA exports as loose MatMul/Softmax that the optimizer cannot recognise as attention.
        transformer.set_attn_implementation("eager")
        _export(model, fp32)
        # opt_level 0: only the transformer fusions here; the session applies ONNX Runtime's own.
        optimized = optimizer.optimize_model(
            str(fp32),
            model_type="bert",
            num_heads=config.num_attention_heads,
            hidden_size=config.hidden_size,
            opt_level=0,
        )
        optimized.save_model_to_file(str(fused))
        # Per channel: one scale per output column. Per tensor, the least cosine to fp32 was 0.982 on report
        # chunks (below INT8_MIN_COSINE); per channel 0.996, as fast. Shape inference cannot type the
        # outputs of fused ops: they are float.
        quantize_dynamic(
            str(fused),
            str(int8),
            weight_type=QuantType.QInt8,
            per_channel=True,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        atomic_write(path, lambda scratch: Path(int8).replace(scratch))
        log.info("exported the model to ONNX int8 (%s): %s", optimized.get_fused_operator_statistics(), path)
    finally:
        transformer.set_attn_implementation(previous)
        for scratch in (fp32, fused, int8):
            if scratch.exists():
                scratch.unlink()


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
