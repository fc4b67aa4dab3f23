"""The two sample reports in corpus/: metadata, no chrome or spam, the 大运会 passage cited right."""

from pathlib import Path

import pytest

from govqa.config import ChunkConfig
from govqa.ingest import ingest_paths

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
CHENGDU = "2020年成都市政府工作报告（要点）.txt"
QINGYANG = "2021年成都市青羊区政府工作报告（一图读懂）.txt"


@pytest.fixture(scope="module")
def samples():
    results = list(ingest_paths([CORPUS], ChunkConfig()))
    assert [r.status for r in results if r.path.suffix == ".txt"] == ["ok", "ok"]
    return {d.name: (d, chunks) for r in results for d, chunks in r.documents}


def test_metadata_of_both_samples(samples):
    chengdu, _ = samples[CHENGDU]
    qingyang, _ = samples[QINGYANG]
    assert (chengdu.title, chengdu.year, chengdu.region) == ("2020年成都市政府工作报告（要点）", 2020, "成都市")
    assert (qingyang.year, qingyang.region, qingyang.meta["region_path"]) == (2021, "青羊区", "成都市 青羊区")
    assert len(chengdu.content_hash) == 64


@pytest.mark.parametrize("name", [CHENGDU, QINGYANG])
def test_no_chunk_holds_site_chrome_or_spam(samples, name):
    _, chunks = samples[name]
    for chunk in chunks:
        for furniture in ("网站首页", "发布时间", "发布作者", "出自何处", "眼跳测吉凶", "**"):
            assert furniture not in chunk.text


def test_the_games_venue_passage_sits_in_one_chunk_with_exact_offsets(samples):
    document, chunks = samples[CHENGDU]
    evidence = "东安湖体育公园、凤凰山体育公园等13处新建场馆"
    holding = [c for c in chunks if evidence in c.text]
    assert holding, "the venue sentence was cut"
    for chunk in holding:
        assert document.text[chunk.start : chunk.end] == chunk.text
        assert chunk.section == ()  # the 成都 要点 text has no headings


def test_qingyang_games_section_path(samples):
    document, chunks = samples[QINGYANG]
    chunk = next(c for c in chunks if "高质量完成场馆设施和城市品质提升" in c.text)
    assert chunk.section_path == "重点抓好八个方面工作 › 6 全力保障大运会顺利举办 › 高标准高质量办好赛事"
    assert document.text[chunk.start : chunk.end] == chunk.text


def test_a_folder_walk_skips_its_readme_but_reads_nested_folders_and_links(tmp_path):
    from govqa.ingest import iter_files

    (tmp_path / "README.md").write_text("# notes", encoding="utf-8")
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "r.txt").write_text("报告。", encoding="utf-8")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    (tmp_path / "clip.mp3").write_bytes(b"ID3")  # no loader reads sound (page images are scans, read by OCR)
    found = {p.name: problem for p, problem in iter_files([tmp_path])}
    assert found == {"r.txt": "", "dangling.txt": "broken symlink", "clip.mp3": "skip"}
