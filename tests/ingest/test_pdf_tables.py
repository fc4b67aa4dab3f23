"""Tables in text PDFs made with fpdf2 (bench/made_pdfs.py): each row becomes a record with its header and page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench import made_pdfs
from govqa.config import ChunkConfig
from govqa.ingest.build import build_document
from govqa.ingest.chunk import chunk_document
from govqa.ingest.loaders.pdf import PdfLoader
from govqa.ingest.loaders.pdf_tables import cell_text, merge_continued, record

MADE = made_pdfs  # the files the tests make are bench/made_pdfs.py's, which bench/pdf_tables.py measures


def chunks_of(path: Path):
    document = build_document(next(PdfLoader().load(path)))
    return document, chunk_document(document, ChunkConfig())


def rows_of(chunks):
    """Record chunks by their row number."""
    found = {}
    for chunk in chunks:
        match = re.search(r" 第(\d+)行：", chunk.text)
        if match:
            found[int(match[1])] = chunk
    return found


@pytest.fixture(scope="module")
def ruled(tmp_path_factory, cjk_font_file):
    path = tmp_path_factory.mktemp("tables") / "ruled.pdf"
    return MADE.ruled_project_list(path, cjk_font_file), *chunks_of(path)


@pytest.fixture(scope="module")
def three_line(tmp_path_factory, cjk_font_file):
    path = tmp_path_factory.mktemp("tables") / "three_line.pdf"
    return MADE.three_line_indicators(path, cjk_font_file), *chunks_of(path)


def test_each_row_of_a_ruled_grid_over_a_page_break_is_one_chunk_with_its_header(ruled) -> None:
    cells, document, chunks = ruled
    rows = rows_of(chunks)
    assert sorted(rows) == list(range(1, len(cells)))  # every data row, numbered across the break
    for number, chunk in rows.items():
        assert chunk.text.startswith("表2 2025年市级重点建设项目 第")
        name = cells[number][1]
        assert f"项目名称：{name}，" in chunk.text
        assert f"建设单位：{cells[number][2]}，" in chunk.text
        assert f"2025年计划投资：{cells[number][4]}亿元" in chunk.text  # the header's unit on its number
        assert document.text[chunk.start : chunk.end] == chunk.text
    # page 2 does not repeat the header: its rows still carry it, and cite page 2
    after_break = MADE.SPLIT_PROJECT + 2
    assert rows[after_break].page == 2
    assert "建设单位：" in rows[after_break].text
    assert rows[1].page == 1


def test_a_name_split_across_the_page_break_is_whole_in_its_row(ruled) -> None:
    _, _, chunks = ruled
    split = MADE.SPLIT_PROJECT + 1
    row = rows_of(chunks)[split]
    name, unit, total, planned = MADE.PROJECTS[MADE.SPLIT_PROJECT]
    assert (
        f"序号：{split}，项目名称：{name}，建设单位：{unit}，总投资：{total}亿元，2025年计划投资：{planned}亿元。"
        in row.text
    )
    assert row.page == 1  # where the row starts
    assert not any(c.text.strip() == name[5:] for c in chunks)


def test_a_three_line_table_keeps_its_numbers_apart(three_line) -> None:
    cells, document, chunks = three_line
    assert not re.search(r"\d+\.\d+\.\d", document.text), "two numbers glued into one"
    rows = rows_of(chunks)
    assert sorted(rows) == list(range(1, len(cells)))
    for number, (name, unit, value, growth) in enumerate(cells[1:], start=1):
        text = rows[number].text
        assert text.startswith("表1 2024年主要经济指标 第")
        assert f"指标：{name}，2024年：{value}{unit}，比上年增长：{growth}%。" in text  # the 单位 column's unit
    assert rows[1].page == 1
    assert rows[len(cells) - 1].page == 2  # the rows after the break, header carried
    assert "注：地区生产总值按不变价格计算。" in document.text


def test_a_three_line_table_over_three_pages_keeps_every_row(tmp_path, cjk_font_file) -> None:
    path = tmp_path / "three_pages.pdf"
    cells = MADE.three_line_indicators(path, cjk_font_file, breaks=(4, 8))
    document, chunks = chunks_of(path)
    rows = rows_of(chunks)
    assert sorted(rows) == list(range(1, len(cells)))
    assert [rows[n].page for n in (4, 5, 8, 9)] == [1, 2, 2, 3]  # the middle page has rows and no rule
    for number, (name, unit, value, growth) in enumerate(cells[1:], start=1):
        assert f"指标：{name}，2024年：{value}{unit}，比上年增长：{growth}%。" in rows[number].text


def test_prose_makes_no_table(placed_pdf) -> None:
    lines = [(72.0, 100.0 + 24 * i, f"第{i + 1}段：全市新增城镇就业8.2万人，城镇调查失业率5.1%。") for i in range(6)]
    raw = next(PdfLoader().load(placed_pdf([lines])))
    assert not any(line.record for line in raw.lines)
    assert len(raw.lines) == 6


def test_record_puts_units_on_numbers_and_skips_empty_cells() -> None:
    header = ["序号", "项目名称", "总投资（亿元）", "备注", "增长(%)"]
    assert (
        record("表2 重点项目", 3, header, ["3", "南山隧道工程", "26.9", "", "7.5"])
        == "表2 重点项目 第3行：序号：3，项目名称：南山隧道工程，总投资：26.9亿元，增长：7.5%。"
    )
    assert (
        record("", 1, ["指标", "单位", "数值"], ["粮食产量", "万吨", "52.1"])
        == "表格第1行：指标：粮食产量，数值：52.1万吨。"
    )
    assert (
        record("表3", 2, ["项目", "总投资（亿元）"], ["某工程", "待定"])
        == "表3 第2行：项目：某工程，总投资（亿元）：待定。"
    )


def test_a_row_with_an_empty_first_cell_finishes_the_row_above() -> None:
    rows = [
        ["1", "青溪港三期", "市港航投资公司", "12.6"],
        ["", "码头工程", "", ""],
        ["2", "南山隧道", "市交通局", "26.9"],
    ]
    assert merge_continued(rows) == [
        ["1", "青溪港三期码头工程", "市港航投资公司", "12.6"],
        ["2", "南山隧道", "市交通局", "26.9"],
    ]
    above = ["9", "青溪港三期", "市港航投资公司", "12.6"]
    assert merge_continued([["", "码头工程", "", ""], ["10", "南山隧道", "市交通局", "26.9"]], above) == [
        ["10", "南山隧道", "市交通局", "26.9"]
    ]
    assert above[1] == "青溪港三期码头工程"


def test_cell_text_joins_wrapped_lines() -> None:
    assert cell_text("2025年计划投资（亿\n元）") == "2025年计划投资（亿元）"
    assert cell_text("Smart\nCity") == "Smart City"
    assert cell_text(None) == ""


def test_stitch_carries_a_header_only_to_the_next_page() -> None:
    from govqa.ingest.loaders.pdf_tables import Table, stitch

    def grid(rows, at_top=False, at_foot=False, title=""):
        return Table((72, 100, 520, 700), rows, title=title, at_top=at_top, at_foot=at_foot)

    first = grid([["项目", "投资（亿元）"], ["甲工程", "1.5"]], at_foot=True, title="表1 项目")
    later = grid([["项目", "投资（亿元）"], ["乙工程", "2.5"]], at_top=True, title="表2 项目")
    # next page: goes on, the repeated header dropped, numbered on
    assert stitch([[first], [later]])[1] == [["表1 项目 第2行：项目：乙工程，投资：2.5亿元。"]]
    # a page of prose between: a new table, its first row the header
    assert stitch([[first], [], [later]])[2] == [["表2 项目 第1行：项目：乙工程，投资：2.5亿元。"]]
