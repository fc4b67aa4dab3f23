"""The comparison's chart and table rows, from a hand-made comparison (no index needed)."""

from __future__ import annotations

import pytest

from govqa.qa.types import Citation, Comparison, FilterError, Row
from govqa.qa.value import read_value
from govqa.web.compare_chart import chart_unit, draw, save_chart
from govqa.web.compare_tab import compare_filters, table_rows


def row(region: str, year: int, sentence: str | None) -> Row:
    if sentence is None:
        return Row(f"{region}{year}.txt", f"{year}年{region}政府工作报告", region, year, False, "", None, 0.1)
    citation = Citation(
        f"{region}{year}.txt", f"{year}年{region}政府工作报告", year, region, "", None, 10, 10 + len(sentence)
    )
    return Row(
        citation.doc,
        citation.title,
        region,
        year,
        True,
        sentence,
        citation,
        0.9,
        read_value(sentence, ["生产总值", "增长"]),
        str(year),
        "target",
    )


COMPARISON = Comparison(
    "地区生产总值增长目标",
    "region",
    (
        row("福建省", 2025, "全省地区生产总值增长5.0%—5.5%，固定资产投资增长5%左右。"),
        row("湖北省", 2025, "经济增长6%左右。"),
        row("西藏自治区", 2025, None),
        row("四川省", 2025, "粮食产量725亿斤以上。"),  # another unit: not drawn, not "未找到" either
    ),
)


def test_bars_for_the_values_in_the_common_unit_and_a_mark_for_each_report_without(tmp_path):
    assert chart_unit(COMPARISON) == "%"
    axes = draw(COMPARISON).axes[0]
    assert len(axes.patches) == 2  # 福建, 湖北
    heights = sorted(round(p.get_height(), 2) for p in axes.patches)
    assert heights == [5.25, 6.0]  # a range is drawn at its middle
    assert [t.get_text() for t in axes.get_xticklabels()] == ["福建", "湖北", "西藏", "四川"]
    missing = [line for line in axes.lines if line.get_label() == "未找到"]
    assert len(missing) == 1 and list(missing[0].get_xdata()) == [2]
    path = save_chart(COMPARISON, tmp_path / "chart.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_time_series_is_a_line_over_the_years():
    series = Comparison(
        "国内生产总值增长目标",
        "year",
        (
            row("全国", 2015, "国内生产总值增长7%左右。"),
            row("全国", 2016, "国内生产总值增长6.5%-7%。"),
            row("全国", 1985, None),
        ),
    )
    axes = draw(series).axes[0]
    assert not axes.patches and [t.get_text() for t in axes.get_xticklabels()] == ["2015", "2016", "1985"]


def test_table_rows_mark_the_value_in_its_sentence_and_say_not_found():
    rows = table_rows(COMPARISON)
    assert rows[0][:8] == ["福建省", 2025, "2025", "目标", "5.0%—5.5%", 5.0, 5.5, "%"]
    assert "**5.0%—5.5%**" in rows[0][8]
    assert rows[2][4] == "未找到" and rows[2][8] == "" and rows[2][2:4] == ["", ""]


def test_filters_from_the_tab():
    assert compare_filters("四川, 湖北", "2015-2025").regions == ("四川", "湖北")
    assert (compare_filters("", "2025").year_from, compare_filters("", "2025").year_to) == (2025, 2025)
    assert compare_filters("", "") is None
    with pytest.raises(FilterError) as raised:
        compare_filters("", "去年")
    assert "year must be a year" in str(raised.value) and "筛选条件有误" in raised.value.page_message
