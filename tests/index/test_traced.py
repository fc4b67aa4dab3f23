"""The traced one-query encoder gives the model's own vectors, and steps aside for models it cannot serve."""

from __future__ import annotations

import numpy as np

from index.embedder.traced import TracedSingleEncoder

QUERIES = ["2019年成都地区生产总值是多少？", "大运会", "垃圾怎么处理", "GDP growth target", "两拆一增 " * 200]


def test_e5_single_queries_equal_the_batch_vectors(e5_model_dir, tmp_path):
    from govqa.config import ModelConfig
    from index import create_embedder

    embedder = create_embedder(ModelConfig(name=str(e5_model_dir), cache_dir=str(tmp_path)))
    embedder.warm_up()
    singles = np.concatenate([embedder.encode_queries([q]) for q in QUERIES])  # the last one is cut at 512 tokens
    assert isinstance(embedder._single, TracedSingleEncoder)
    batch = embedder.encode_queries(QUERIES)
    assert singles.shape == (len(QUERIES), 384) and singles.dtype == np.float32
    assert np.abs(singles - batch).max() < 1e-5
    assert np.allclose(np.linalg.norm(singles, axis=1), 1.0, atol=1e-5)


def test_minilm_single_queries_equal_the_batch_vectors(minilm_embedder):
    minilm_embedder.warm_up()
    singles = np.concatenate([minilm_embedder.encode_queries([q]) for q in QUERIES[:4]])
    assert np.abs(singles - minilm_embedder.encode_queries(QUERIES[:4])).max() < 1e-5


def test_without_warm_up_single_queries_take_the_eager_path(e5_model_dir, tmp_path):
    from govqa.config import ModelConfig
    from index import create_embedder

    embedder = create_embedder(ModelConfig(name=str(e5_model_dir), cache_dir=str(tmp_path)))
    vector = embedder.encode_queries([QUERIES[0]])  # a one-shot CLI search: no tracing cost
    assert embedder._single is None and vector.shape == (1, 384)


def test_a_model_of_another_layout_keeps_the_eager_path(e5_model):
    from sentence_transformers import SentenceTransformer

    cls_pooled = SentenceTransformer(modules=[e5_model[0], type(e5_model[1])(384, pooling_mode="cls")], device="cpu")
    assert TracedSingleEncoder.build(cls_pooled) is None
