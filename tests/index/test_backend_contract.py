"""The backend contract (``govqa.index.testing.BackendContract``) run over govqa's own backends:
the local one (SQLite + FAISS) and Milvus (Milvus Lite 2.5 here), plus what only Milvus has.

The Milvus half shares one Milvus Lite server per module (one database file),
each index in collections of its own prefix; it is skipped, saying why, only
when the ``milvus`` extra is not installed.
"""

from __future__ import annotations

import importlib.util
import itertools
import threading
from dataclasses import replace

import numpy as np
import pytest

from govqa.index import Index, IndexUnavailableError
from govqa.index.settings import MilvusConfig
from govqa.index.stats import IndexStats, RebuildResult
from govqa.index.testing import BackendContract, three_reports

HAS_MILVUS = all(importlib.util.find_spec(m) for m in ("pymilvus", "milvus_lite"))
_prefixes = itertools.count()


@pytest.fixture(scope="module")
def milvus_lite(tmp_path_factory) -> str:
    """One Milvus Lite database file for the module: the server starts once (seconds), collections differ per index."""
    if not HAS_MILVUS:
        pytest.skip('the Milvus backend needs the milvus extra: pip install -e ".[milvus]"')
    return str(tmp_path_factory.mktemp("milvus") / "lite.db")


@pytest.fixture
def reports():
    return three_reports()


class StatsKeys:
    """govqa's own backends print stats and rebuild results as the TypedDicts declare them."""

    def test_stats_and_rebuild_print_the_keys_their_types_declare(self, built):
        # `govqa index stats --json` and `rebuild` print these dicts as they are: the TypedDicts name every key, in order.
        stats = built.stats()
        declared = list(IndexStats.__annotations__)
        assert list(stats) == [k for k in declared if k in stats]
        absent = {"uri", "collection"} if stats["backend"] == "local" else {"faiss_factory"}
        assert set(declared) - set(stats) == absent
        assert all(isinstance(size, int) for size in stats["bytes"].values()) and "total" in stats["bytes"]
        result = built.rebuild()
        assert list(result) == list(RebuildResult.__annotations__)
        assert result["documents"] == stats["documents"] and result["chunks"] == stats["chunks"]


class TestLocalBackend(BackendContract, StatsKeys):
    @pytest.fixture
    def make_config(self, index_config):
        return index_config

    @pytest.fixture
    def embedder(self, minilm_embedder):
        return minilm_embedder


class TestLocalBackendWithTantivy(BackendContract, StatsKeys):
    """The local backend with its keyword role played by tantivy (``[index] keyword = "tantivy"``)."""

    @pytest.fixture
    def make_config(self, index_config):
        def make(path):
            config = index_config(path)
            return config.replace(index=replace(config.index, keyword="tantivy"))

        return make

    @pytest.fixture
    def embedder(self, minilm_embedder):
        return minilm_embedder

    def test_its_keyword_role_is_tantivy_and_ranks_as_fts5(self, built):
        from govqa.index.backends.fts5 import Fts5Keywords
        from govqa.index.backends.local import TantivyKeywordIndex

        role = built.backend.keyword
        assert isinstance(role, TantivyKeywordIndex) and role.in_step and built.manifest.keyword == "tantivy"
        for question in ("成渝地区双城经济圈建设", "数字经济核心产业增加值", "江苏制造业高质量发展"):
            ours = [i for i, _ in built.keyword_search(question, 5)]
            fts5 = [i for i, _ in Fts5Keywords(built.backend.store).keyword_search(question, 5)]
            assert ours and set(ours[:3]) == set(fts5[:3]), question


class TestMilvusBackend(BackendContract, StatsKeys):
    # Milvus's BM25 runs in the server over the whole collection; a scope's own statistics are not built for it.
    scoped_keyword_statistics = False

    @pytest.fixture
    def make_config(self, index_config, milvus_lite):
        def make(path):
            config = index_config(path)
            milvus = MilvusConfig(uri=milvus_lite, collection=f"contract{next(_prefixes)}")
            return config.replace(index=replace(config.index, backend="milvus", milvus=milvus))

        return make

    @pytest.fixture
    def embedder(self, minilm_embedder):
        return minilm_embedder


@pytest.mark.parametrize("source", ["local", "milvus"])
def test_copy_moves_an_index_to_the_other_backend_without_embedding(
    source, tmp_path, index_config, milvus_lite, minilm_embedder, reports
):
    """``Index.copy_from`` across backends: same documents, chunks, sentence vectors and rankings."""

    def config_for(backend, path, collection):
        config = index_config(path)
        milvus = MilvusConfig(uri=milvus_lite, collection=collection)
        return config.replace(index=replace(config.index, backend=backend, milvus=milvus))

    target = "local" if source == "milvus" else "milvus"
    with (
        Index.open(tmp_path / "a", config_for(source, tmp_path / "a", f"from{next(_prefixes)}"), minilm_embedder) as a,
        Index.open(tmp_path / "b", config_for(target, tmp_path / "b", f"to{next(_prefixes)}"), minilm_embedder) as b,
    ):
        a.add(reports)
        assert sorted(r.status for r in b.copy_from(a)) == ["added"] * 3
        assert b.stats()["backend"] == target and b.stats()["sentences_stored"] == a.stats()["sentences_stored"]
        query = a.encode_queries(["地区生产总值增长目标"])
        texts = [[index.chunk_records([i])[i].text for i, _ in index.dense_search(query, 5)[0]] for index in (a, b)]
        assert texts[0] == texts[1]
        assert sorted(d.name for d in a.backend.store.stored_documents()) == sorted(
            d.name for d in b.backend.store.stored_documents()
        )
        hit = b.keyword_search("长江经济带", 1)[0][0]
        assert b.chunk_documents([hit]) == {hit: "js.txt"}


def test_cli_copy_moves_a_local_index_to_milvus_and_the_backend_is_checked(
    tmp_path, index_config, minilm_dir, minilm_embedder, reports, monkeypatch
):
    import json

    from typer.testing import CliRunner

    from govqa.cli import app

    if not HAS_MILVUS:
        pytest.skip('the Milvus backend needs the milvus extra: pip install -e ".[milvus]"')
    source, target = tmp_path / "local", tmp_path / "milvus"
    with Index.open(source, index_config(source), minilm_embedder) as index:
        index.add(reports)
    local_toml = tmp_path / "local.toml"
    local_toml.write_text(f'[model]\nname = "{minilm_dir}"\nencoder = "fp32"\n[chunk]\nsize = 120\noverlap = 20\n')
    monkeypatch.setenv("GOVQA_CONFIG", str(local_toml))
    runner = CliRunner()
    lite = tmp_path / "lite.db"
    copied = runner.invoke(app, ["index", "copy", str(source), str(target), "--backend", "milvus", "--uri", str(lite)])
    assert copied.exit_code == 0, copied.output
    assert "3 documents (3 added" in copied.output
    refused = runner.invoke(app, ["index", "stats", "--index", str(target)])  # the config still says local
    assert refused.exit_code == 2 and f"govqa index copy {target}" in refused.output
    milvus_toml = tmp_path / "milvus.toml"
    milvus_toml.write_text(local_toml.read_text() + f'[index]\nbackend = "milvus"\n[index.milvus]\nuri = "{lite}"\n')
    monkeypatch.setenv("GOVQA_CONFIG", str(milvus_toml))
    stats = json.loads(runner.invoke(app, ["index", "stats", "--json", "--index", str(target)]).output)
    assert stats["backend"] == "milvus" and stats["documents"] == 3
    bad = runner.invoke(app, ["index", "copy", str(source), str(tmp_path / "x"), "--collection", "no-dashes"])
    assert bad.exit_code == 2 and "--collection: collection must be letters" in bad.output


def test_milvus_collections_made_by_two_servers_at_once_and_mended_when_an_index_failed(milvus_lite, tmp_path):
    from govqa.index.backends.milvus import MilvusBackend
    from govqa.index.backends.milvus_schema import CHUNKS, collection_names

    def open_backend(**milvus):
        return MilvusBackend(tmp_path, MilvusConfig(uri=milvus_lite, **milvus), 8, create=True)

    opened, failed = [], []

    def start():
        try:
            opened.append(open_backend(collection="together"))
        except Exception as exc:  # noqa: BLE001 - the test reports whatever a server would have died of
            failed.append(exc)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failed and len(opened) == 2
    for name in collection_names("together").values():
        assert opened[0].client.list_indexes(name)

    with pytest.raises(IndexUnavailableError, match="HNSW"):  # Milvus Lite refuses it: the collection stays unindexed
        open_backend(collection="mended", index_type="HNSW")
    chunks = collection_names("mended")[CHUNKS]
    assert opened[0].client.has_collection(chunks) and not opened[0].client.list_indexes(chunks, field_name="vector")
    mended = open_backend(collection="mended")  # the next start builds what is missing, then loads
    assert mended.client.list_indexes(chunks, field_name="vector")
    assert mended.dense_search(np.ones((1, 8), dtype=np.float32) / np.sqrt(8), 3) == [[]]
