"""The backend factory and its settings: a clear line for a missing extra or a collection name Milvus would refuse."""

from __future__ import annotations

import sys

import pytest

from govqa.config import load_config
from govqa.errors import ConfigError
from govqa.index.backends import create_backend
from govqa.index.errors import IndexUnavailableError
from govqa.index.settings import IndexConfig, MilvusConfig


def test_milvus_without_its_extra_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pymilvus", None)  # import pymilvus now raises ImportError
    monkeypatch.delitem(sys.modules, "govqa.index.backends.milvus", raising=False)
    with pytest.raises(IndexUnavailableError, match=r'backend = "milvus" needs.*pip install -e "\.\[milvus\]"'):
        create_backend(tmp_path, IndexConfig(backend="milvus"), 384, "Flat", create=True)


def test_milvus_settings_are_typed_and_checked(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text(
        '[index]\nbackend = "milvus"\n[index.milvus]\nuri = "http://milvus:19530"\ncollection = "reports_2026"\n'
    )
    config = load_config(good)
    assert config.index.backend == "milvus" and config.index.milvus.uri == "http://milvus:19530"
    for text, problem in (
        ('[index]\nbackend = "elastic"\n', r"unknown \[index\] backend 'elastic'; registered: .*local, milvus"),
        ('[index.milvus]\ncollection = "gov-qa"\n', r"\[index\] \[milvus\].*collection must be letters"),
        ("[index.milvus]\ntimeout = 0\n", r"timeout must be from 0.1"),
    ):
        bad = tmp_path / "bad.toml"
        bad.write_text(text)
        with pytest.raises(ConfigError, match=problem):
            load_config(bad)


def test_an_unreachable_milvus_is_one_line_saying_where_to_look(tmp_path):
    pytest.importorskip("pymilvus", reason='the Milvus backend needs the milvus extra: pip install -e ".[milvus]"')
    config = IndexConfig(backend="milvus", milvus=MilvusConfig(uri="http://127.0.0.1:1", timeout=1.0))
    with pytest.raises(IndexUnavailableError, match=r"cannot use Milvus at http://127.0.0.1:1 .*see docs/scale.md"):
        create_backend(tmp_path, config, 384, "Flat", create=True)
