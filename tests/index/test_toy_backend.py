"""A backend and an embedder registered from a test module (``toy_backend``), not from govqa's code:
they pass the backend contract, are chosen by the configuration, and answer through ``Searcher``."""

from __future__ import annotations

from dataclasses import replace

import pytest

from govqa import registry
from govqa.config import load_config
from govqa.errors import ConfigError
from govqa.index import Index
from govqa.index.embedder import create_embedder
from govqa.index.testing import BackendContract, three_reports
from govqa.qa.types import Filters
from govqa.runtime import open_runtime
from tests.index import toy_backend
from tests.index.toy_backend import ToyBackend, ToyEmbedder


@pytest.fixture(scope="module", autouse=True)
def registered():
    toy_backend.register()
    yield
    toy_backend.unregister()


@pytest.fixture
def toy_config(index_config):
    """``toy_config(path)``: an index on the toy backend, embedded by the toy embedder, both chosen by name."""

    def make(path):
        config = index_config(path)
        return config.replace(
            model=replace(config.model, embedder="toy", name="toy"), index=replace(config.index, backend="toy")
        )

    return make


class TestToyBackend(BackendContract):
    @pytest.fixture
    def make_config(self, toy_config):
        return toy_config

    @pytest.fixture
    def embedder(self, toy_config, tmp_path):
        embedder = create_embedder(toy_config(tmp_path / "any").model)  # through the embedder registry
        assert isinstance(embedder, ToyEmbedder)
        return embedder


def test_the_configuration_chooses_registered_names_and_lists_them_when_unknown(tmp_path):
    chosen = tmp_path / "toy.toml"
    chosen.write_text('[model]\nembedder = "toy"\n[index]\nbackend = "toy"\n')
    config = load_config(chosen)
    assert (config.index.backend, config.model.embedder) == ("toy", "toy")
    for section, key in (("index", "backend"), ("model", "embedder")):
        wrong = tmp_path / f"wrong-{key}.toml"
        wrong.write_text(f'[{section}]\n{key} = "nosuch"\n')
        with pytest.raises(ConfigError) as caught:
            load_config(wrong)
        message = str(caught.value)
        assert f"unknown [{section}] {key} 'nosuch'" in message and "toy" in message and "\n" not in message
        assert str(wrong) in message
    assert {"local", "milvus", "toy"} <= set(registry.backends.names())
    assert {"auto", "onnx", "sentence-transformers", "toy"} <= set(registry.embedders.names())


def test_a_dotted_path_needs_no_registration(tmp_path, index_config):
    path = tmp_path / "dotted"
    config = index_config(path)
    config = config.replace(
        model=replace(config.model, embedder="tests.index.toy_backend:ToyEmbedder.from_config"),
        index=replace(config.index, backend="tests.index.toy_backend:ToyBackend"),
    )
    with Index.open(path, config) as index:  # the embedder too comes from the configuration
        assert isinstance(index.backend, ToyBackend) and isinstance(index.embedder, ToyEmbedder)
        index.add(three_reports())
        assert index.manifest.backend == "toy" and index.manifest.faiss_factory is None
        assert index.stats()["documents"] == 3


def test_an_unknown_backend_at_open_names_the_registered_ones(tmp_path, index_config):
    path = tmp_path / "unknown"
    config = index_config(path)
    config = config.replace(index=replace(config.index, backend="nosuch"))
    with pytest.raises(Exception, match=r"unknown \[index\] backend 'nosuch'; registered: .*local.*toy"):
        Index.open(path, config, ToyEmbedder())


def test_the_toy_backend_answers_through_the_searcher(tmp_path, toy_config):
    path = tmp_path / "served"
    with open_runtime(toy_config(path), path, create=True) as runtime:
        runtime.index.add(three_reports())
        hits = runtime.searcher.search("成渝地区双城经济圈建设", k=3).hits
        assert hits and hits[0].citation.doc == "sc.txt" and "成渝地区双城经济圈" in hits[0].text
        answer = runtime.searcher.ask("浙江数字经济核心产业增加值增长多少")
        assert answer.hits and answer.hits[0].citation.doc == "zj.txt"
        for hit in answer.hits:  # every citation points at the text it quotes, through the toy's document_slice
            assert runtime.index.document_slice(hit.citation.doc, hit.citation.start, hit.citation.end) in hit.text
        filtered = runtime.searcher.search("地区生产总值增长", k=5, filters=Filters(year_to=2025))
        assert filtered.hits and {h.citation.doc for h in filtered.hits} == {"zj.txt"}
        jiangsu = runtime.searcher.search("地区生产总值增长", k=5, filters=Filters(regions=("江苏",)))
        assert jiangsu.hits and {h.citation.doc for h in jiangsu.hits} == {"js.txt"}


def test_a_warm_runtime_loads_the_tokenizers_before_the_first_question(tmp_path, toy_config, monkeypatch):
    from govqa.qa import checks, searcher

    loaded = []
    monkeypatch.setattr(searcher, "query_tokens", lambda text: loaded.append("jieba") or [])
    monkeypatch.setattr(checks, "tagged", lambda text: loaded.append("posseg") or ())
    path = tmp_path / "warm"
    with open_runtime(toy_config(path), path, create=True, warm=True):
        assert loaded == ["jieba", "posseg"]  # the first question no longer waits ~2.5 s for them
