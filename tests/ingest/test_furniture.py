"""Page furniture: page numbers by shape, running lines by repetition at a page's edge."""

from __future__ import annotations

import pytest

from govqa.ingest.furniture import furniture, is_page_number


@pytest.mark.parametrize(
    "line",
    ["— 3 —", "- 3 -", "－3－", "第 3 页 共 9 页", "第3页", "共9页 第3页", "3/9", "3 / 9", "Page 3 of 9", "3", "·12·"],
)
def test_page_number_shapes(line: str) -> None:
    assert is_page_number(line)


@pytest.mark.parametrize("line", ["2023", "3.5%", "1、加快发展", "第三章", "增长5.8%", "3号", "— 报告 —"])
def test_not_page_numbers(line: str) -> None:
    assert not is_page_number(line)


def test_running_lines_are_found_at_the_edges_of_most_pages() -> None:
    bodies = [
        ["经济稳中有进。", "产业转型升级。", "生态持续改善。"],
        ["民生保障有力。", "改革不断深化。", "开放水平提升。"],
        ["城乡融合发展。", "文化繁荣兴盛。", "治理效能提高。"],
    ]
    pages = [
        ["某市人民政府文件", "某市2024年政府工作报告", *body, f"— {n} —"] for n, body in enumerate(bodies, start=1)
    ]
    assert furniture(pages) == [{0, 1, 5}] * 3


def test_a_line_on_one_page_only_is_not_running() -> None:
    pages = [["报告标题", "正文一。", "正文二。", "正文三。"], ["正文四。", "正文五。", "正文六。", "正文七。"]]
    assert furniture(pages) == [set(), set()]


def test_a_page_number_goes_even_on_a_single_page() -> None:
    assert furniture([["标题", "正文。", "正文二。", "正文三。", "第 1 页 共 1 页"]]) == [{4}]
