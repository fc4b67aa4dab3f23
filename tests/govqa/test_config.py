"""Typed configuration: defaults, TOML overrides, and clear errors for bad values."""

from __future__ import annotations

import codecs

import pytest

from govqa.config import ConfigError, load_config


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOVQA_CONFIG", raising=False)
    cfg = load_config()
    assert cfg.search.fusion == "convex" and cfg.chunk.size == 300


def test_a_file_overrides_settings_and_ints_become_floats(tmp_path):
    path = tmp_path / "govqa.toml"
    path.write_text('[search]\nfusion = "rrf"\nrrf_k = 60\nkeyword_weight = 1\n', encoding="utf-8")
    cfg = load_config(path)
    assert (cfg.search.fusion, cfg.search.rrf_k, cfg.search.keyword_weight) == ("rrf", 60, 1.0)


def test_ocr_settings_reach_the_loaders(tmp_path):
    from govqa.ingest.loaders import loader_for

    path = tmp_path / "govqa.toml"
    path.write_text("[ocr]\ndpi = 300\nworkers = 1\n", encoding="utf-8")
    cfg = load_config(path)
    assert loader_for(tmp_path / "scan.tif", cfg.ocr).ocr == cfg.ocr
    assert (cfg.ocr.dpi, cfg.ocr.workers) == (300, 1)


def test_ingest_limits_reach_the_loaders(tmp_path):
    from govqa.ingest.loaders import loader_for

    path = tmp_path / "govqa.toml"
    path.write_text("[ingest]\nmax_rows = 50000\nmax_inflated_mb = 64\n", encoding="utf-8")
    cfg = load_config(path)
    assert loader_for(tmp_path / "rows.csv", limits=cfg.ingest).limits.max_rows == 50_000
    assert cfg.ingest.max_inflated_mb == 64 and cfg.ingest.max_pages == 1_000


@pytest.mark.parametrize(
    "text, message",
    [
        ("[ingest]\nmax_rows = 0\n", "[ingest]: max_rows must be at least 1, got 0"),
        ('[search]\nfusion = "max"\n', "fusion must be one of 'convex', 'rrf', got 'max'"),
        ('[search]\nrrf_k = "ten"\n', "rrf_k must be int"),
        ("[search]\nspeed = 1\n", "unknown setting(s) speed"),
        ("[search\n", "not valid TOML"),
        ("[chunk]\nsize = -300\n", "[chunk]: size must be at least 20, got -300"),
        ("[chunk]\nsize = 200\noverlap = 250\n", "[chunk]: overlap (250) must be smaller than size (200)"),
        ("[search]\ndense_weight = 1.5\n", "[search]: dense_weight must be from 0.0 to 1.0, got 1.5"),
        ("[search]\nfound_coverage = -0.1\n", "found_coverage must be from 0.0 to 1.0"),
        ("[search]\ndense_depth = true\n", "dense_depth must be int, got True"),
        ("[app]\nport = 70000\n", "[app]: port must be from 1 to 65535, got 70000"),
        ("[model]\nbatch_size = 0\n", "[model]: batch_size must be from 1 to 4096, got 0"),
        ("[ocr]\nworkers = 0\n", "[ocr]: workers must be from 1 to 16, got 0"),
        ("[ocr]\nlow_confidence = 2\n", "[ocr]: low_confidence must be from 0.0 to 1.0, got 2.0"),
    ],
)
def test_bad_values_are_one_line_errors_naming_the_file(tmp_path, text, message):
    path = tmp_path / "govqa.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert message in str(raised.value) and str(path) in str(raised.value)
    assert "\n" not in str(raised.value)


TEXT = '# 检索设置\n[search]\nfusion = "rrf"\n'


@pytest.mark.parametrize(
    "encoded", [TEXT.encode("utf-8-sig"), TEXT.encode("utf-16"), codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be")]
)
def test_a_bom_or_utf16_file_as_notepad_saves_it_is_read(tmp_path, encoded):
    path = tmp_path / "govqa.toml"
    path.write_bytes(encoded)
    assert load_config(path).search.fusion == "rrf"


def test_a_gbk_file_is_one_line_naming_the_file_and_the_encoding(tmp_path):
    path = tmp_path / "govqa.toml"
    path.write_bytes(TEXT.encode("gbk"))
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: not UTF-8") and "save the file as UTF-8" in message and "\n" not in message


@pytest.mark.parametrize(
    "setting", ["[search]\ndense_weight = nan", "[search]\ngrounding_boost = inf", "[app]\nmax_wait_s = -inf"]
)
def test_nan_and_inf_are_refused_for_every_float(tmp_path, setting):
    path = tmp_path / "govqa.toml"
    path.write_text(setting + "\n", encoding="utf-8")
    key = setting.split("\n")[1].split(" =")[0]
    with pytest.raises(ConfigError, match=f"{key} must be a finite number") as raised:
        load_config(path)
    assert str(path) in str(raised.value)


def test_the_cli_reads_a_gbk_config_as_one_line(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from govqa.cli import app

    path = tmp_path / "govqa.toml"
    path.write_bytes(TEXT.encode("gbk"))
    monkeypatch.setenv("GOVQA_CONFIG", str(path))
    result = CliRunner().invoke(app, ["index", "list", "--index", str(tmp_path / "none")])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "not UTF-8" in result.stderr
