"""The seams' registries: names from entry points, from code and from dotted paths, and one line for an unknown name."""

from __future__ import annotations

import pytest

from govqa import registry
from govqa.errors import ConfigError
from govqa.index.backends.local import LocalBackend
from govqa.ingest.loaders.text import TextLoader
from govqa.registry import Registry, UnknownNameError, is_dotted_path


def test_govqas_own_implementations_are_entry_points():
    assert registry.backends.load("local") is LocalBackend
    assert {"local", "milvus"} <= set(registry.backends.names())
    assert {"auto", "onnx", "sentence-transformers"} <= set(registry.embedders.names())
    assert registry.loaders.load("text") is TextLoader
    assert {"text", "pdf", "docx", "html", "csv", "jsonl", "image"} <= set(registry.loaders.names())


def test_code_registers_and_takes_precedence_then_forgets():
    seam = Registry("test seam", "govqa.backends", "[test] seam")  # the backends' entry points, another registry
    marker = object()
    seam.register("local", marker)
    seam.register("extra", "govqa.index.backends.local:LocalBackend")  # a string target is imported when loaded
    try:
        assert seam.load("local") is marker
        assert seam.load("extra") is LocalBackend
        assert {"local", "extra"} <= set(seam.names())
    finally:
        seam.unregister("local")
        seam.unregister("extra")
    assert seam.load("local") is LocalBackend and "extra" not in seam.names()
    with pytest.raises(ValueError, match="plain name"):
        seam.register("pkg.mod:Name", marker)


def test_a_dotted_path_loads_without_registration():
    assert is_dotted_path("govqa.index.backends.local:LocalBackend")
    assert is_dotted_path("tests.index.toy_backend:ToyEmbedder.from_config")
    assert not any(map(is_dotted_path, ("local", "pkg.mod", ":Name", "pkg:", "pkg:1x", "a b:C")))
    assert registry.backends.load("govqa.index.backends.local:LocalBackend") is LocalBackend
    assert registry.backends.knows("somewhere.else:Backend")  # known as a path; imported only when loaded
    with pytest.raises(ModuleNotFoundError):
        registry.backends.load("somewhere.else:Backend")


def test_an_unknown_name_is_one_line_listing_the_registered_ones():
    with pytest.raises(UnknownNameError) as caught:
        registry.backends.load("elastic")
    message = str(caught.value)
    assert isinstance(caught.value, ConfigError) and "\n" not in message
    assert "unknown [index] backend 'elastic'; registered: " in message and "local, milvus" in message
    assert '"package.module:Name"' in message


def test_a_group_without_entry_points_says_to_reinstall():
    empty = Registry("widget", "govqa.no-such-group", "[test] widget")
    with pytest.raises(UnknownNameError, match=r"no widget is registered .*reinstall govqa \(`pip install -e \.`\)"):
        empty.load("any")
