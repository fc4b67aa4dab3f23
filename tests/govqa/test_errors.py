"""One handler for every govqa error on the command line: one line on stderr, ``error: …``, exit 2."""

from __future__ import annotations

import json
import os
import pwd
import select
import shutil
import signal
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govqa.cli import app
from govqa.index import Index, IndexReadOnlyError

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
    cache = os.environ.get("GOVQA_MODEL_CACHE") or tmp_path / "cache"  # MiniLM's ONNX export, once per machine
    config = f'[model]\nname = "{minilm_dir}"\nencoder = "fp32"\ncache_dir = "{cache}"\n'
    args = ["index", "add", str(nested), str(good), "--index", str(tmp_path / "idx"), "--no-progress"]
    result = run(args, monkeypatch, config, tmp_path)
    assert result.exit_code == 0, result.output
    assert f"added      {nested}" in result.stdout and f"added      {good}" in result.stdout
    assert "Traceback" not in result.output


def test_index_add_of_a_file_over_an_ingest_limit_fails_it_alone_in_one_line(tmp_path, monkeypatch, minilm_dir):
    rows = tmp_path / "rows.csv"  # issue 25: 300,000 rows, each a document, once ~20 hours of indexing
    rows.write_text("title,full_text\n" + "通知,各有关单位要认真落实各项工作要求。\n" * 300_000, encoding="utf-8")
    good = tmp_path / "good.txt"
    good.write_text("示范市政府工作报告\n\n全市新建口袋公园30个。", encoding="utf-8")
    cache = os.environ.get("GOVQA_MODEL_CACHE") or tmp_path / "cache"
    config = f'[model]\nname = "{minilm_dir}"\nencoder = "fp32"\ncache_dir = "{cache}"\n[ingest]\nmax_rows = 20000\n'
    args = ["index", "add", str(rows), str(good), "--index", str(tmp_path / "idx"), "--no-progress"]
    result = run(args, monkeypatch, config, tmp_path)
    assert result.exit_code == 1, result.output  # a file failed; the batch went on
    assert result.stderr.strip() == (
        f"failed     {rows}: more than 20,000 rows (each row is a document); the limit is 20,000 "
        "([ingest] max_rows): split the file, or raise the limit"
    )
    assert f"added      {good}" in result.stdout and "Traceback" not in result.output


def small_index(folder: Path, hash_embedder, index_config) -> str:
    """An index at ``folder`` holding a.txt, built by a stand-in model; the config that names that model."""
    report = folder.parent / "a.txt"
    report.write_text("示范市政府工作报告\n\n全市新建口袋公园30个。", encoding="utf-8")
    with Index.open(folder, index_config(folder, model="test:ro"), embedder=hash_embedder("test:ro")) as index:
        index.add_paths([report])
    return f'[model]\nname = "test:ro"\nencoder = "fp32"\ncache_dir = "{folder.parent / "cache"}"\n'


def test_writes_to_a_read_only_index_are_one_line_saying_what_to_do(
    tmp_path, monkeypatch, hash_embedder, index_config, read_only
):
    folder = tmp_path / "idx"
    config = small_index(folder, hash_embedder, index_config)
    (tmp_path / "b.txt").write_text("另一市政府工作报告\n\n新增养老床位1500张。", encoding="utf-8")
    read_only(folder)  # EROFS, as on a read-only mount (errno 30: once a 70-line traceback)
    for args in (["index", "remove", "a.txt"], ["index", "add", str(tmp_path / "b.txt")]):
        result = run([*args, "--index", str(folder)], monkeypatch, config, tmp_path)
        one_line_error(result, f"cannot write to the index at {folder} (Read-only file system)", "govqa index copy")
    read_only(tmp_path)  # a new index in a read-only folder
    with pytest.raises(IndexReadOnlyError, match=f"cannot write to the index at {tmp_path / 'new'}"):
        Index.open(tmp_path / "new", index_config(tmp_path / "new"), embedder=hash_embedder("test:ro"))
    listed = run(["index", "list", "--index", str(folder)], monkeypatch, config, tmp_path)
    assert listed.exit_code == 0 and listed.stdout.startswith("a.txt\t")  # reading goes on


def run_as(uid: int, gid: int, args: list[str], timeout: float = 120) -> tuple[int, str]:
    """``govqa args`` in a child forked and switched to ``uid``: (exit code, stderr).

    Forked, not started: the interpreter may live where that user cannot read (root's home).
    """
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        outcome = [99, "the child failed before running the command"]
        try:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            result = CliRunner().invoke(app, args)
            outcome = [result.exit_code, result.stderr + (repr(result.exception) if result.exit_code == 1 else "")]
        except BaseException as exc:
            outcome[1] = repr(exc)
        finally:
            os.write(write, json.dumps(outcome).encode())
            os._exit(0)
    os.close(write)
    try:
        ready, _, _ = select.select([read], [], [], timeout)
        if not ready:
            os.kill(pid, signal.SIGKILL)
            pytest.fail(f"govqa {' '.join(args)} as uid {uid} did not finish in {timeout} s")
        with os.fdopen(read, "rb") as pipe:
            code, stderr = json.loads(pipe.read())
    finally:
        os.waitpid(pid, 0)
    return code, stderr


def test_writes_to_a_folder_without_permission_as_a_non_root_user(tmp_path, monkeypatch, hash_embedder, index_config):
    """No patching: a folder a non-root user may read but not write (chmod does not stop root)."""
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        nobody = None
    if os.geteuid() == 0 and nobody is None:
        pytest.skip("runs as a non-root user: there is none to switch to")
    root = Path(tempfile.mkdtemp(prefix="govqa-ro-"))  # not under pytest's private tmp folder: the user must read it
    try:
        root.chmod(0o755)
        folder = root / "idx"
        config = root / "govqa.toml"
        config.write_text(small_index(folder, hash_embedder, index_config), encoding="utf-8")
        monkeypatch.setenv("GOVQA_CONFIG", str(config))
        listed = CliRunner().invoke(app, ["index", "list", "--index", str(folder)])  # also loads what the child runs
        assert listed.exit_code == 0, listed.output
        for path in [root, folder, *folder.iterdir()]:
            path.chmod(path.stat().st_mode & ~0o222)
        for args in (["index", "remove", "a.txt"], ["index", "add", str(root / "a.txt")]):
            args = [*args, "--index", str(folder)]
            if os.geteuid() == 0:
                code, stderr = run_as(nobody.pw_uid, nobody.pw_gid, args)
            else:
                result = CliRunner().invoke(app, args)
                code, stderr = result.exit_code, result.stderr
            assert code == 2 and stderr.count("\n") == 1, stderr
            assert stderr.startswith(f"error: cannot write to the index at {folder} (Permission denied)"), stderr
    finally:
        for path in root.rglob("*"):
            path.chmod(path.stat().st_mode | 0o200)
        root.chmod(0o755)
        shutil.rmtree(root)
