"""Libraries (文库) in the local index: the in-place upgrade of an index made before them, and the CLI.

The contract (``govqa.index.testing.BackendContract.test_libraries_…``) covers filing, filtering and
moving on every backend; this module covers what is the local store's and the command line's.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govqa.cli import app
from govqa.index import Index
from govqa.index.errors import IndexUnavailableError
from govqa.index.records import ChunkFilter
from govqa.index.store import STORE_NAME, Store
from govqa.index.testing import make_report, three_reports


def _as_before_libraries(store: Path) -> None:
    """Turn a store into the schema govqa had before libraries (main before issue 28): no ``library`` column,
    no library in any document's meta."""
    conn = sqlite3.connect(store)
    conn.execute("DROP INDEX documents_library")
    conn.execute("ALTER TABLE documents DROP COLUMN library")
    conn.execute("UPDATE documents SET meta = json_remove(meta, '$.library')")
    conn.commit()
    conn.close()


def test_an_index_made_before_libraries_opens_as_one_library_named_after_its_folder(tmp_path, index_config):
    path = tmp_path / "政府工作报告"
    with Index.open(path, index_config(path)) as index:
        index.add(three_reports())
        ids = set(index.chunk_ids_where())
        vectors_before = (path / "vectors.faiss").read_bytes()
    _as_before_libraries(path / STORE_NAME)
    columns = [r[1] for r in sqlite3.connect(path / STORE_NAME).execute("PRAGMA table_info(documents)")]
    assert "library" not in columns
    with Index.open(path, index_config(path), create=False) as index:
        assert index.libraries() == ["政府工作报告"]
        assert {d.library for d in index.documents()} == {"政府工作报告"}
        assert set(index.chunk_ids_where()) == ids  # nothing re-embedded, nothing renumbered
        assert (path / "vectors.faiss").read_bytes() == vectors_before
        hit = index.dense_search(index.encode_queries(["数字经济核心产业增加值"]), 1)[0][0][0]
        assert index.chunk_documents([hit])[hit] == "zj.txt"
        # The upgraded store takes documents of other libraries and moves in place.
        index.add([make_report("memo.txt", "会议纪要\n讨论了数字经济核心产业增加值的统计口径。")], library="内部资料")
        assert index.move(["js.txt"], "政策文件") == 1
        assert index.library_stats() == {
            "内部资料": {"documents": 1, "chunks": 1, "chars": index.documents(["内部资料"])[0].chars},
            "政府工作报告": {
                "documents": 2,
                "chunks": sum(d.chunks for d in index.documents(["政府工作报告"])),
                "chars": sum(d.chars for d in index.documents(["政府工作报告"])),
            },
            "政策文件": {
                "documents": 1,
                "chunks": index.documents(["政策文件"])[0].chunks,
                "chars": index.documents(["政策文件"])[0].chars,
            },
        }
        public = ChunkFilter.of(index.documents_where(libraries=["政府工作报告"]))
        hits = index.dense_search(index.encode_queries(["数字经济核心产业增加值的统计口径"]), 10, public)[0]
        assert {index.chunk_documents([i])[i] for i, _ in hits} <= {"sc.txt", "zj.txt"}
    columns = [r[1] for r in sqlite3.connect(path / STORE_NAME).execute("PRAGMA table_info(documents)")]
    assert "library" in columns


def test_a_read_only_store_made_before_libraries_says_how_to_upgrade(tmp_path, index_config):
    path = tmp_path / "old"
    with Index.open(path, index_config(path)) as index:
        index.add(three_reports()[:1])
    _as_before_libraries(path / STORE_NAME)
    if os.geteuid() == 0:
        pytest.skip("root writes a read-only file")
    (path / STORE_NAME).chmod(0o444)
    try:
        with pytest.raises(IndexUnavailableError, match="needs a library column"):
            Store(path / STORE_NAME, 384)
    finally:
        (path / STORE_NAME).chmod(0o644)


def _toml(config) -> str:
    model = config.model
    return (
        f'[model]\nname = "{model.name}"\nencoder = "{model.encoder}"\ncache_dir = "{model.cache_dir}"\n'
        f"batch_size = {model.batch_size}\n[chunk]\nsize = 120\noverlap = 20\n"
        '[index]\nfaiss_factory = "Flat"\n'
    )


def test_the_cli_adds_lists_moves_and_counts_by_library(tmp_path, index_config, monkeypatch):
    path = tmp_path / "reports"
    (tmp_path / "public").mkdir()
    (tmp_path / "internal").mkdir()
    (tmp_path / "public" / "2026年四川省政府工作报告.txt").write_text(
        "一、2025年工作回顾\n全省地区生产总值增长6%，粮食产量创历史新高。", encoding="utf-8"
    )
    (tmp_path / "internal" / "会议纪要.txt").write_text("会议纪要\n内部讨论了预算调整方案。", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "govqa.toml").write_text(_toml(index_config(path)), encoding="utf-8")
    monkeypatch.setenv("GOVQA_CONFIG", str(tmp_path / "govqa.toml"))
    cli = CliRunner()
    added = cli.invoke(
        app, ["index", "add", "public", "--index", str(path), "--library", "政府工作报告", "--no-progress"]
    )
    assert added.exit_code == 0, added.output
    added = cli.invoke(
        app, ["index", "add", "internal", "--index", str(path), "--library", "内部资料", "--no-progress"]
    )
    assert added.exit_code == 0, added.output
    listed = cli.invoke(app, ["index", "list", "--index", str(path), "--library", "内部资料", "--json"])
    assert [(d["name"], d["library"]) for d in json.loads(listed.output)] == [("会议纪要.txt", "内部资料")]
    listed = cli.invoke(app, ["index", "list", "--index", str(path)])
    assert "会议纪要.txt\t内部资料\t" in listed.output and "2 document(s)" in listed.output
    moved = cli.invoke(app, ["index", "move", "会议纪要.txt", "--library", "政府工作报告", "--index", str(path)])
    assert moved.exit_code == 0 and "moved 1 document(s) to 政府工作报告" in moved.output
    stats = cli.invoke(app, ["index", "stats", "--library", "--json", "--index", str(path)])
    assert json.loads(stats.output)["政府工作报告"]["documents"] == 2
    stats = cli.invoke(app, ["index", "stats", "--library", "--index", str(path)])
    assert stats.output.startswith("reports\t0 documents") and "政府工作报告\t2 documents" in stats.output
    missing = cli.invoke(app, ["index", "move", "nothing.txt", "--library", "内部资料", "--index", str(path)])
    assert missing.exit_code == 1 and "not in the index: nothing.txt" in missing.output
    blank = cli.invoke(app, ["index", "move", "会议纪要.txt", "--library", " ", "--index", str(path)])
    assert blank.exit_code == 2 and "--library: a library name is 1-64 characters" in blank.output


def test_a_broad_filter_searched_wide_then_filtered_gives_the_engines_own_filtered_ranking(tmp_path, index_config):
    # A reader of most libraries: the local roles search unfiltered (wider) and filter after (index.widen);
    # the result must be exactly what FAISS's selector and FTS5's join give.
    from govqa.index.backends.fts5 import _OF_DOCUMENTS
    from govqa.index.widen import widened

    path = tmp_path / "idx"
    config = index_config(path)
    config = config.replace(index=replace(config.index, keyword="fts5"))  # FTS5's widened path against its join
    with Index.open(path, config) as index:
        index.add(three_reports())
        index.add([make_report("memo.txt", "会议纪要\n地区生产总值增长目标的测算口径。")], library="内部资料")
        docs = index.documents_where(libraries=[index.default_library])
        where = ChunkFilter.of(docs)
        ids, total = index.backend.store.chunk_ids_for(where.documents)
        assert widened(3, len(ids), total) > 3  # broad: the widened path is taken
        query = index.encode_queries(["地区生产总值增长目标"])
        for k in (1, 3, 5, 50):
            engine = index.backend.mirror.search(query, k, set(index.chunk_ids_of(docs)))
            assert index.dense_search(query, k, where) == engine
            match = "地区生产总值 OR 增长"
            rows = index.backend.store.read(_OF_DOCUMENTS, (match, json.dumps(sorted(docs)), k))
            assert index.backend.keyword.search_match(match, k, where) == [(int(i), float(s)) for i, s in rows]
        assert widened(3, 1, 100) == 0  # a selective filter: the engine filters
