"""Typed configuration: defaults, TOML overrides, and clear errors for bad values."""

from __future__ import annotations

import pytest

from govqa.config import ConfigError, load_config


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOVQA_CONFIG", raising=False)
    cfg = load_config()
    assert cfg.search.fusion == "convex" and cfg.chunk.size == 300


def test_a_file_overrides_settings_and_ints_become_floats(tmp_path):
    path = tmp_path / "govqa.toml"
    path.write_text('[search]\nfusion = "rrf"\nrrf_k = 60\nkeyword_weight = 2\n', encoding="utf-8")
    cfg = load_config(path)
    assert (cfg.search.fusion, cfg.search.rrf_k, cfg.search.keyword_weight) == ("rrf", 60, 2.0)


@pytest.mark.parametrize("text, message", [
    ('[search]\nfusion = "max"\n', "fusion must be one of 'convex', 'rrf', got 'max'"),
    ('[search]\nrrf_k = "ten"\n', "rrf_k must be int"),
    ('[search]\nspeed = 1\n', "unknown setting(s) speed"),
    ("[search\n", "not valid TOML"),
])
def test_bad_values_are_one_line_errors_naming_the_file(tmp_path, text, message):
    path = tmp_path / "govqa.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert message in str(raised.value) and str(path) in str(raised.value)
    assert "\n" not in str(raised.value)
