"""Word tables as records: a 20-row 民生实事 table with merged cells, made with python-docx."""

from __future__ import annotations

from pathlib import Path

import docx
from docx.oxml import OxmlElement

from govqa.config import ChunkConfig
from govqa.ingest import ingest_paths
from govqa.ingest.document import Line
from govqa.ingest.loaders.docx import DocxLoader
from govqa.ingest.table_records import Table, records

TITLE = "2025年二十项民生实事"
# (类别, 项目, 目标): each 类别 spans five rows (a vertically merged cell).
ITEMS = [
    ("教育", "新建改扩建中小学校", "新增学位1.2万个"),
    ("教育", "建设普惠性幼儿园", "新增普惠学位3600个"),
    ("教育", "改造农村学校食堂", "完成改造85所"),
    ("教育", "配备学校心理健康教师", "每校至少1名"),
    ("教育", "建设城市书房", "新建城市书房40家"),
    ("医疗", "建设紧密型县域医共体", "覆盖全部县区"),
    ("医疗", "开展适龄妇女两癌筛查", "筛查12万人"),
    ("医疗", "新建社区卫生服务站", "新建30个"),
    ("医疗", "实施儿童近视防控行动", "筛查学生50万人"),
    ("医疗", "建设急救分站", "新增急救分站15个"),
    ("住房", "改造城镇老旧小区", "改造小区260个"),
    ("住房", "加装既有住宅电梯", "加装电梯500部"),
    ("住房", "筹集保障性租赁住房", "筹集房源1.5万套"),
    ("住房", "改造城中村", "启动改造12个"),
    ("住房", "建设口袋公园", "新建口袋公园70个"),
    ("养老", "建设社区嵌入式养老服务中心", "新建45个"),
    ("养老", "开办老年助餐点", "新增助餐点300个"),
    ("养老", "实施特殊困难老年人家庭适老化改造", "改造3000户"),
    ("养老", "培训养老护理员", "培训4000人次"),
    ("养老", "建设农村互助养老服务设施", "新建120个"),
]
HEADER = ["序号", "类别", "项目", "目标"]


def _repeat_header(row) -> None:
    """Mark a table row as a header row that repeats on each page (w:tblHeader)."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:tblHeader"))


def make_table_docx(path: Path) -> Path:
    """A report with a title row merged across the table, a repeated header and 类别 merged down five rows."""
    document = docx.Document()
    document.add_paragraph("某市2025年政府工作报告")
    document.add_paragraph("一、2025年重点工作")
    document.add_paragraph("今年将集中力量办好二十项民生实事，具体如下。")
    table = document.add_table(rows=2 + len(ITEMS), cols=4)
    table.cell(0, 0).merge(table.cell(0, 3)).text = TITLE
    for column, name in enumerate(HEADER):
        table.cell(1, column).text = name
    _repeat_header(table.rows[0])
    _repeat_header(table.rows[1])
    for number, (kind, item, goal) in enumerate(ITEMS, start=1):
        row = 1 + number
        table.cell(row, 0).text = str(number)
        table.cell(row, 2).text = item
        table.cell(row, 3).text = goal
        if (number - 1) % 5 == 0:
            table.cell(row, 1).merge(table.cell(row + 4, 1)).text = kind
    document.add_paragraph("二、加强政府自身建设")
    document.add_paragraph("全面推进依法行政。")
    document.save(str(path))
    return path


def expected_record(number: int) -> str:
    kind, item, goal = ITEMS[number - 1]
    return f"表：{TITLE}，第{number}行：序号：{number}，类别：{kind}，项目：{item}，目标：{goal}。"


def test_each_row_is_a_record_with_its_title_number_header_and_merged_cells(tmp_path: Path) -> None:
    raw = next(DocxLoader().load(make_table_docx(tmp_path / "民生实事.docx")))
    records_read = [line for line in raw.lines if line.record]
    assert records_read == [Line(expected_record(n), record=True) for n in range(1, 21)]
    # The title row and the header are not rows of their own.
    assert not any(line.text in (TITLE, "序号") for line in raw.lines)


def test_a_row_is_its_own_chunk_and_never_a_heading(tmp_path: Path) -> None:
    path = make_table_docx(tmp_path / "民生实事.docx")
    [result] = ingest_paths([path], ChunkConfig())
    [(document, chunks)] = result.documents
    row_chunks = [c for c in chunks if c.text.startswith("表：")]
    assert [c.text for c in row_chunks] == [expected_record(n) for n in range(1, 21)]
    assert all(c.section == ("一、2025年重点工作",) for c in row_chunks)
    assert [s.title for s in document.sections] == ["一、2025年重点工作", "二、加强政府自身建设"]


def test_grouped_header_columns_are_named_by_both_header_rows() -> None:
    table = Table(
        [["指标", "2025年目标", "2025年目标"], ["指标", "数量", "单位"], ["新增就业", "12", "万人"]],
        header_rows=2,
        title="表1 主要指标",
    )
    assert records(table) == ["表：表1 主要指标，第1行：指标：新增就业，2025年目标/数量：12，2025年目标/单位：万人。"]


def test_the_fifteenth_item_is_answered_by_its_row(tmp_path: Path, searcher_of) -> None:
    searcher = searcher_of(make_table_docx(tmp_path / "民生实事.docx"))
    answer = searcher.ask("第15项民生实事是什么")
    assert answer.verdict == "found", answer
    assert ITEMS[14][1] in answer.answer
    assert not any(item in answer.answer for _, item, _ in ITEMS[:14] + ITEMS[15:])
    assert answer.answer == expected_record(15)
    citation = answer.citation
    assert (citation.doc, citation.section) == ("民生实事.docx", "一、2025年重点工作")
    [result] = ingest_paths([tmp_path / "民生实事.docx"], ChunkConfig())
    assert result.documents[0][0].text[citation.start : citation.end] == expected_record(15)
