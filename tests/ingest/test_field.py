"""The field files of ../shared/field (copied to tests/fixtures/field): what ingest makes of them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from govqa.config import ChunkConfig
from govqa.ingest import chunk_document, load_file
from govqa.ingest.furniture import is_page_number

FIELD = Path(__file__).parents[1] / "fixtures" / "field"
SENTENCE_END = "。！？；：:"


def chunks_of(case: str, name: str):
    documents, _ = load_file(FIELD / case / name)
    document = documents[0]
    return document, chunk_document(document, ChunkConfig())


def test_b08_header_and_page_numbers_are_out_and_sentences_cross_pages_whole() -> None:
    document, chunks = chunks_of("B08", "b08_header_footer.pdf")
    assert document.title == "某市2023年政府工作报告"
    for chunk in chunks:
        assert "政府工作报告" not in chunk.text
        assert not any(is_page_number(line) for line in chunk.text.splitlines())
        assert all(line.endswith(tuple(SENTENCE_END)) for line in chunk.text.splitlines()), chunk.text
    crossing = next(c for c in chunks if "矿山生态修复面积1.8万亩" in c.text)
    assert (crossing.page, crossing.page_end) == (1, 2)
    assert any("城市轨道交通4号线二期工程" in c.text and (c.page, c.page_end) == (2, 3) for c in chunks)


def test_b09_justified_line_reads_as_written() -> None:
    document, _ = chunks_of("B09", "b09_mixed_runs.pdf")
    assert "全市新建5G基站1860个，建成城市污水处理厂3座，日处理能力新增15万吨。" in document.text.splitlines()
    assert "全年GDP同比增长6.1%，R&D经费投入强度达到2.45%。" in document.text.splitlines()


def test_b05_text_box_is_read_once_between_its_neighbours() -> None:
    document, _ = chunks_of("B05", "b05_textbox.docx")
    lines = document.text.splitlines()
    box = next(i for i, line in enumerate(lines) if "十件民生实事" in line)
    assert document.text.count("新增直饮水点300处") == 1
    assert lines[box - 1].startswith("过去一年") and lines[box + 1].startswith("今年")


def test_r3_reposting_chrome_is_out_and_the_title_is_one_line() -> None:
    document, chunks = chunks_of("R3", "R3_xiangzhengbanfa_2009_24.txt")
    for phrase in ("下载本文", "会员上传", "写写帮", "简介", "第一篇", "2019-05-14"):
        assert phrase not in document.text, phrase
    assert "湖南省人民政府办公厅关于加强普通高等学校毕业生就业工作的通知" in document.text.splitlines()
    assert any("4:3:3" in c.text for c in chunks)


@pytest.mark.parametrize("case", sorted(p.name for p in FIELD.iterdir() if p.is_dir()))
def test_no_chunk_has_a_line_break_inside_a_sentence(case: str) -> None:
    for path in sorted((FIELD / case).iterdir()):
        document, chunks = chunks_of(case, path.name)
        for chunk in chunks:
            for line in chunk.text.splitlines()[:-1]:
                heading = any(s.title in line for s in document.sections) or not re.search(r"[，,。]", line)
                assert heading or line.endswith(tuple(SENTENCE_END)), (path.name, line)
