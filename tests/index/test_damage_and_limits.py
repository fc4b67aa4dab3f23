"""An index that is read-only, damaged or fed an oversize document: one line saying what to do, never a traceback."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from govqa.index import Index, IndexUnavailableError

TEXT = "示范市2024年政府工作报告\n\n全市新建口袋公园30个，新增养老床位1500张。\n\n城镇新增就业5.1万人。"


def build(tmp_path: Path, index_config, hash_embedder, **index_settings) -> tuple[Path, object]:
    import dataclasses

    folder = tmp_path / "idx"
    config = index_config(folder)
    if index_settings:
        config = config.replace(index=dataclasses.replace(config.index, **index_settings))
    reports = tmp_path / "reports"
    reports.mkdir(exist_ok=True)
    (reports / "a.txt").write_text(TEXT, encoding="utf-8")
    with Index.open(folder, config, embedder=hash_embedder()) as index:
        index.add_paths([reports])
    return folder, config


def test_a_read_only_index_opens_for_reading(tmp_path, index_config, hash_embedder):
    if os.geteuid() == 0:
        pytest.skip("root reads and writes read-only folders: run as a user to check this")
    folder, config = build(tmp_path, index_config, hash_embedder)
    for path in [folder, *folder.iterdir()]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        with Index.open(folder, config, embedder=hash_embedder(), create=False) as index:
            assert [d.name for d in index.documents()] == ["a.txt"]
            with pytest.raises(IndexUnavailableError, match="cannot write to the index"):
                index.remove(["a.txt"])
    finally:
        for path in [folder, *folder.iterdir()]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_store_is_one_line_saying_how_to_rebuild(tmp_path, index_config, hash_embedder, damage):
    folder, config = build(tmp_path, index_config, hash_embedder)
    store = folder / "store.sqlite"
    for extra in folder.glob("store.sqlite-*"):
        extra.unlink()
    if damage == "garbage":
        store.write_bytes(b"this is not a database at all" * 100)
    else:
        store.write_bytes(store.read_bytes()[:1000])
    with pytest.raises(IndexUnavailableError) as raised:
        Index.open(folder, config, embedder=hash_embedder(), create=False)
    message = str(raised.value)
    assert "store.sqlite" in message and "govqa index add" in message and "\n" not in message


def test_an_oversize_document_is_refused_before_embedding(tmp_path, index_config, hash_embedder):
    embedded: list[str] = []
    folder, config = build(tmp_path, index_config, hash_embedder, max_document_chunks=3)

    class Counting(hash_embedder):
        def encode_passages(self, texts, batch_size=None, progress=None):
            embedded.extend(texts)
            return super().encode_passages(texts, batch_size, progress)

    big = tmp_path / "big"
    big.mkdir()
    (big / "huge.txt").write_text(
        "\n\n".join(f"第{i}段。新建学校{i}所，新增学位{i * 100}个。" * 4 for i in range(40)), encoding="utf-8"
    )
    (big / "small.txt").write_text(TEXT.replace("示范市", "另一市"), encoding="utf-8")
    with Index.open(folder, config, embedder=Counting()) as index:
        reports = {Path(r.path).name: r for r in index.add_paths([big])}
        names = {d.name for d in index.documents()}
    assert reports["huge.txt"].status == "failed"
    assert "over the limit of 3 ([index] max_document_chunks)" in reports["huge.txt"].error
    assert names == {"a.txt", "small.txt"}  # the rest of the batch goes on, nothing indexed is lost
    assert embedded and not any("新建学校" in text for text in embedded)  # the huge one cost no embedding


def test_a_cancelled_add_keeps_what_it_committed(tmp_path, index_config, hash_embedder):
    folder, config = build(tmp_path, index_config, hash_embedder)
    more = tmp_path / "more"
    more.mkdir()
    for i in range(5):
        (more / f"r{i}.txt").write_text(TEXT.replace("示范市", f"第{i}市"), encoding="utf-8")
    asked = []

    def cancel() -> bool:
        asked.append(1)
        return len(asked) > 2

    with Index.open(folder, config, embedder=hash_embedder()) as index:
        index.add_paths([more], cancel=cancel)
        kept = {d.name for d in index.documents()}
    with Index.open(folder, config, embedder=hash_embedder(), create=False) as index:
        documents = index.documents()
        assert {d.name for d in documents} == kept
        assert "a.txt" in kept and len(kept) < 6
        hits = index.dense_search(index.embedder.encode_queries(["口袋公园"]), 50)[0]
        assert len(hits) == sum(d.chunks for d in documents)  # FAISS holds exactly the committed chunks


def nested_page(path: Path, depth: int = 100_000) -> Path:
    """A page of ``depth`` nested ``<div>`` (about 1.1 MB) around one paragraph."""
    path.write_text(f"<html><body>{'<div>' * depth}<p>深处的正文。</p>{'</div>' * depth}</body></html>", "utf-8")
    return path


def test_a_deeply_nested_page_is_added_and_a_file_that_recurses_fails_alone(
    tmp_path, index_config, hash_embedder, monkeypatch
):
    from govqa.ingest.loaders.html import HtmlLoader

    folder, config = build(tmp_path, index_config, hash_embedder)
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "good.txt").write_text(TEXT.replace("示范市", "另一市"), encoding="utf-8")
    (batch / "other.txt").write_text(TEXT.replace("示范市", "第三市"), encoding="utf-8")
    with Index.open(folder, config, embedder=hash_embedder()) as index:
        reports = index.add_paths([nested_page(batch / "nested.html"), batch / "good.txt"])
        assert [(Path(r.path).name, r.status) for r in reports] == [("nested.html", "ok"), ("good.txt", "ok")]

        def recursing(self, path):  # a parser that recursed per nesting level, as the HTML loader once did
            raise RecursionError("maximum recursion depth exceeded")
            yield

        monkeypatch.setattr(HtmlLoader, "load", recursing)
        reports = index.add_paths([nested_page(batch / "deeper.html"), batch / "other.txt"])
        names = {d.name for d in index.documents()}
    assert [(Path(r.path).name, r.status) for r in reports] == [("deeper.html", "failed"), ("other.txt", "ok")]
    assert reports[0].error == "nested too deeply to read (RecursionError): flatten or split the file"
    assert names == {"a.txt", "nested.html", "good.txt", "other.txt"}
