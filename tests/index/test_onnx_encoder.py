"""The ONNX Runtime encoder gives the model's own vectors (one text or a padded batch), is exported once, and steps aside when it cannot serve."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from index.embedder.onnx_encoder import OnnxEncoder

QUERIES = ["2019年成都地区生产总值是多少？", "大运会", "垃圾怎么处理", "GDP growth target", "两拆一增 " * 200]


@pytest.fixture(scope="module")
def e5_embedder(e5_model_dir, tmp_path_factory):
    """The default model, with its ONNX export in the shared model cache (written once per machine)."""
    from govqa.config import ModelConfig
    from index import create_embedder

    cache = os.environ.get("GOVQA_MODEL_CACHE") or str(e5_model_dir.parent)
    return create_embedder(ModelConfig(cache_dir=cache))


def test_e5_vectors_equal_the_eager_model_one_at_a_time_and_in_padded_batches(e5_embedder):
    passages = ["东安湖体育公园、凤凰山体育公园等13处新建场馆", "稳就业", "地区生产总值增长7%左右。" * 30]
    eager_queries = e5_embedder.encode_queries(QUERIES)  # the last one is cut at 512 tokens
    eager_passages = e5_embedder.encode_passages(passages)
    e5_embedder.warm_up()
    assert isinstance(e5_embedder._fast, OnnxEncoder)
    singles = np.concatenate([e5_embedder.encode_queries([q]) for q in QUERIES])
    assert singles.shape == (len(QUERIES), 384) and singles.dtype == np.float32
    assert np.abs(singles - eager_queries).max() < 1e-5
    assert np.abs(e5_embedder.encode_queries(QUERIES) - eager_queries).max() < 1e-5  # padded to the longest
    assert np.abs(e5_embedder.encode_passages(passages, batch_size=2) - eager_passages).max() < 1e-5
    assert np.allclose(np.linalg.norm(singles, axis=1), 1.0, atol=1e-5)


def test_minilm_is_exported_once_and_its_single_queries_equal_the_batch_vectors(minilm_dir, tmp_path):
    from index.embedder.sentence import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(str(minilm_dir), tmp_path)
    embedder.warm_up()
    (export,) = (tmp_path / "onnx").glob("*.onnx")
    singles = np.concatenate([embedder.encode_queries([q]) for q in QUERIES[:4]])
    assert np.abs(singles - embedder.encode_queries(QUERIES[:4])).max() < 1e-5

    written = export.stat().st_mtime_ns
    again = SentenceTransformerEmbedder(str(minilm_dir), tmp_path)
    again.warm_up()
    assert isinstance(again._fast, OnnxEncoder) and export.stat().st_mtime_ns == written
    assert not list((tmp_path / "onnx").glob("*.part"))


def test_a_broken_export_in_the_cache_is_written_again(minilm_dir, minilm_embedder, tmp_path):
    good = OnnxEncoder.build(minilm_embedder.model, "minilm", tmp_path)
    (export,) = (tmp_path / "onnx").glob("*.onnx")
    export.write_bytes(b"not an onnx graph")
    rebuilt = OnnxEncoder.build(minilm_embedder.model, "minilm", tmp_path)
    assert good is not None and rebuilt is not None
    assert np.abs(rebuilt.encode(QUERIES[:2]) - good.encode(QUERIES[:2])).max() < 1e-6


def test_without_warm_up_single_queries_take_the_eager_path(minilm_dir, tmp_path):
    from index.embedder.sentence import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(str(minilm_dir), tmp_path)
    vector = embedder.encode_queries([QUERIES[0]])  # a one-shot CLI search: no export, no session
    assert embedder._fast is None and vector.shape == (1, 384)
    assert not (tmp_path / "onnx").exists()


def test_a_model_that_cannot_be_exported_is_tried_once(minilm_dir, tmp_path, monkeypatch):
    from index.embedder import sentence

    attempts = []
    monkeypatch.setattr(sentence.OnnxEncoder, "build", lambda *args: attempts.append(args) or None)
    embedder = sentence.SentenceTransformerEmbedder(str(minilm_dir), tmp_path)
    embedder.warm_up()
    embedder.warm_up()  # e.g. the server at start, then a large upload
    assert len(attempts) == 1 and embedder._fast is None
    assert embedder.encode_queries([QUERIES[0]]).shape == (1, 384)


def test_a_model_of_another_layout_keeps_the_eager_path(minilm_embedder, tmp_path):
    from sentence_transformers import SentenceTransformer

    model = minilm_embedder.model
    cls_pooled = SentenceTransformer(modules=[model[0], type(model[1])(384, pooling_mode="cls")], device="cpu")
    assert OnnxEncoder.build(cls_pooled, "cls", tmp_path) is None
    assert not (tmp_path / "onnx").exists()


def test_int8_fuses_attention_and_keeps_every_vector_within_cosine_099_of_fp32(e5_model_dir, e5_embedder):
    import onnx

    from govqa.config import ModelConfig
    from index import create_embedder

    cache = os.environ.get("GOVQA_MODEL_CACHE") or str(e5_model_dir.parent)
    int8 = create_embedder(ModelConfig(cache_dir=cache, encoder="int8"))  # built at load (once per machine)
    assert int8.encoder == "int8" and isinstance(int8._fast, OnnxEncoder)
    (export,) = (Path(cache) / "onnx").glob("*-int8.onnx")
    ops = {node.op_type for node in onnx.load(str(export)).graph.node}
    assert {"QAttention", "SkipLayerNormalization"} <= ops and "Softmax" not in ops  # one fused op per attention
    passages = [
        "东安湖体育公园、凤凰山体育公园等13处新建场馆",
        "稳就业",
        "地区生产总值增长7%左右。" * 30,
        "2026年四川省政府工作报告 › 二、2026年主要目标\n地区生产总值增长5%左右，城镇新增就业80万人以上。",
    ]
    for encode, fp32, texts in (
        (int8.encode_queries, e5_embedder.encode_queries, QUERIES),
        (int8.encode_passages, e5_embedder.encode_passages, passages),
    ):
        cosines = np.sum(encode(texts) * fp32(texts), axis=1)
        assert cosines.min() >= 0.99, cosines


def test_an_int8_encoder_that_cannot_be_built_is_an_error_saying_why(minilm_embedder, tmp_path):
    from sentence_transformers import SentenceTransformer

    from index.embedder.onnx_encoder import EncoderUnavailable

    model = minilm_embedder.model
    cls_pooled = SentenceTransformer(modules=[model[0], type(model[1])(384, pooling_mode="cls")], device="cpu")
    with pytest.raises(EncoderUnavailable, match="int8 encoder cannot be used: the model is not Transformer"):
        OnnxEncoder.build(cls_pooled, "cls", tmp_path, "int8")
