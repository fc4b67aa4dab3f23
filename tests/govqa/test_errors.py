"""One handler for every govqa error on the command line: one line on stderr, ``error: …``, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govqa.cli import app

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], monkeypatch: pytest.MonkeyPatch, config: str | None = None, cwd: Path | None = None):
    monkeypatch.delenv("GOVQA_CONFIG", raising=False)
    if cwd is not None:
        monkeypatch.chdir(cwd)
    if config is not None:
        path = (cwd or Path.cwd()) / "govqa.toml"
        path.write_text(config, encoding="utf-8")
        monkeypatch.setenv("GOVQA_CONFIG", str(path))
    return CliRunner().invoke(app, args)


def one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert all(f in lines[0] for f in fragments), lines[0]
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args", [["ingest", str(ROOT / "corpus"), "--dry-run"], ["serve"], ["index", "list"], ["search", "大运会"]]
)
def test_a_bad_config_is_one_line_for_every_command(args, tmp_path, monkeypatch):
    result = run(args, monkeypatch, "[chunk]\nsize = 200\noverlap = 250\n", tmp_path)
    one_line_error(result, "govqa.toml [chunk]: overlap (250) must be smaller than size (200)")


def test_an_unknown_key_is_one_line(tmp_path, monkeypatch):
    one_line_error(
        run(["ingest", str(ROOT / "corpus"), "--dry-run"], monkeypatch, "[serch]\nk = 1\n", tmp_path),
        "unknown setting(s) serch",
    )


def test_a_missing_index_says_how_to_build_one(tmp_path, monkeypatch):
    one_line_error(
        run(["index", "stats", "--index", str(tmp_path / "none")], monkeypatch, cwd=tmp_path),
        "no index at",
        "govqa index add",
    )


def test_a_damaged_index_says_it_is_damaged(tmp_path, monkeypatch):
    index = tmp_path / "idx"
    index.mkdir()
    (index / "manifest.json").write_text("{not json", encoding="utf-8")
    one_line_error(run(["index", "list", "--index", str(index)], monkeypatch, cwd=tmp_path), "not valid JSON")


def test_an_inverted_year_range_is_refused_before_opening_anything(tmp_path, monkeypatch):
    result = run(
        ["search", "大运会", "--year", "2021-2019", "--index", str(tmp_path / "none")], monkeypatch, cwd=tmp_path
    )
    one_line_error(result, "ends before it starts", "2019-2021")


def test_eval_usage_and_bad_files_are_one_line(tmp_path, monkeypatch):
    one_line_error(run(["eval", "compare", "only-one"], monkeypatch, cwd=tmp_path), "usage: govqa eval compare")
    one_line_error(
        run(["eval", "compare", "a", "b"], monkeypatch, cwd=tmp_path), "not an evaluation run (summary.json is missing)"
    )
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"question": "坏", "doc": "a.txt"}, ensure_ascii=False) + "\n", encoding="utf-8")
    result = run(["eval", str(questions), "--index", str(tmp_path / "none")], monkeypatch, cwd=tmp_path)
    assert result.exit_code == 2 and result.stderr.startswith("error: invalid question file:")
    assert f"{questions}:1:" in result.stderr and "Traceback" not in result.output


def test_index_add_of_a_deeply_nested_page_adds_it_and_the_next_file(tmp_path, monkeypatch, minilm_dir):
    depth = 100_000  # about 1.1 MB of nested <div>: once a RecursionError traceback, and good.txt not added
    nested = tmp_path / "nested.html"
    nested.write_text(f"<html><body>{'<div>' * depth}<p>深处的正文。</p>{'</div>' * depth}</body></html>", "utf-8")
    good = tmp_path / "good.txt"
    good.write_text("示范市政府工作报告\n\n全市新建口袋公园30个。", encoding="utf-8")
    config = f'[model]\nname = "{minilm_dir}"\ncache_dir = "{tmp_path / "cache"}"\n'
    args = ["index", "add", str(nested), str(good), "--index", str(tmp_path / "idx"), "--no-progress"]
    result = run(args, monkeypatch, config, tmp_path)
    assert result.exit_code == 0, result.output
    assert f"added      {nested}" in result.stdout and f"added      {good}" in result.stdout
    assert "Traceback" not in result.output
