"""Exporting a model to ONNX, once per machine: the only module that imports PyTorch and sentence-transformers.

The export is recorded on a padded batch: a trace of an unpadded one would
drop the attention mask as a no-op and pool padding into shorter texts.

Two encoders: ``fp32`` is an exact copy of the model. ``int8`` is exported
with eager attention, so that ONNX Runtime's transformer optimizer fuses each
layer's attention into one Attention op (and embeddings, LayerNorm and GELU
into theirs), then dynamically quantised to int8 per channel (QAttention,
MatMulInteger): about 3.7× as fast on report chunks (bench/embed_speed.py),
every vector within cosine 0.99 of fp32.

Each export is checked once, when it is written: the lean encoder
(``OnnxEncoder``, the tokenizer file and the graph) must give the eager
model's vectors for three probe texts, one at a time and as a padded batch
(within 1e-5 for fp32, cosine ≥ ``INT8_MIN_COSINE`` for int8). The result is
recorded beside the graph (``GRAPH.json``); a graph without that record is
not used.
"""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path

import numpy as np

from govqa.index.embedder.onnx_encoder import OnnxEncoder
from govqa.index.files import atomic_write, atomic_write_text

log = logging.getLogger(__name__)

# Largest difference allowed between the fp32 ONNX and eager vectors (float32 rounding is ~1e-7).
FP32_TOLERANCE = 1e-5
# Least cosine allowed between an int8 vector and the eager fp32 one (the adoption rule of issue 13).
INT8_MIN_COSINE = 0.99
PROBES = ("query: 2019年地区生产总值是多少？", "query: 大运会", "query: How are tax cuts applied to small firms?")
_INPUTS = ("input_ids", "attention_mask")


class ExportFailed(RuntimeError):
    """The model could not be exported, or its export disagrees with it; says why."""


def export_model(folder: str, graph: Path, kind: str, tokenizer_file: Path, max_length: int) -> dict:
    """Load the sentence-transformers model at ``folder``, write its ``kind`` graph to ``graph``, check it, record it.

    Returns the record written to ``graph.with_suffix(".json")``. Raises
    ``ExportFailed`` when the export fails or strays from the eager model.
    """
    model = _load(folder)
    try:
        (_export if kind == "fp32" else _export_int8)(model, graph)
        encoder = OnnxEncoder.load(graph, tokenizer_file, max_length, workers=1)
        agrees, figure = _agreement(model, encoder, kind)
    except ExportFailed:
        raise
    except Exception as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else ""
        raise ExportFailed(f"the export failed ({exc.__class__.__name__}: {reason})") from exc
    if not agrees:
        graph.unlink(missing_ok=True)
        raise ExportFailed(f"its vectors stray from the model's ({figure})")
    import torch

    record = {"kind": kind, "agreement": figure, "torch": torch.__version__}
    atomic_write_text(graph.with_suffix(".json"), json.dumps(record) + "\n")
    return record


def _load(folder: str):
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    logging.getLogger("sentence_transformers").setLevel(logging.WARNING)
    model = SentenceTransformer(folder, device="cpu", local_files_only=True)
    return model.eval()


def _agreement(model, encoder: OnnxEncoder, kind: str) -> tuple[bool, str]:
    """Whether the probes, one at a time and as a padded batch, come out as the eager model's; and by how much."""
    eager = model.encode(list(PROBES), normalize_embeddings=True, show_progress_bar=False)
    singles = np.concatenate([encoder.encode([text]) for text in PROBES])
    batch = encoder.encode(PROBES)
    if kind == "fp32":
        difference = float(max(np.abs(eager - singles).max(), np.abs(eager - batch).max()))
        return difference <= FP32_TOLERANCE, f"largest difference {difference:.2g}"
    cosine = float(min(np.sum(eager * singles, axis=1).min(), np.sum(eager * batch, axis=1).min()))
    return cosine >= INT8_MIN_COSINE, f"least cosine {cosine:.4f}"


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
    """Write the fp32 ONNX graph to ``path`` atomically (a reader never sees half a file)."""
    import torch
    from transformers.utils import logging as hf_logging

    path.parent.mkdir(parents=True, exist_ok=True)
    features = model.preprocess(list(PROBES[:2]))  # of different lengths: the mask has zeros

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
    path.parent.mkdir(parents=True, exist_ok=True)
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
