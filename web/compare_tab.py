"""The 对比 tab: one question over every report, as a sortable table, a chart and a CSV download.

The handler only translates between widgets and ``Service.compare``; the
chart is ``web.compare_chart``, the CSV ``qa.types.comparison_to_csv``.
"""

from __future__ import annotations

import re
import tempfile
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import gradio as gr

from govqa.errors import GovqaError
from govqa.qa import Filters
from govqa.qa.types import Comparison, Row, comparison_to_csv, parse_years
from govqa.web.cards import esc, render_message
from govqa.web.compare_chart import draw
from govqa.web.question_row import question_row
from govqa.web.service import Service

EXAMPLES = ("2025年地区生产总值增长目标是多少", "国内生产总值增长目标", "地区生产总值增长目标")
HEADERS = ["地区", "报告年份", "数据年份", "类型", "数值", "下限", "上限", "单位", "答案句", "出处", "置信度"]
DATATYPES: list[Literal["str", "number", "markdown"]] = [
    "str",
    "number",
    "str",
    "str",
    "str",
    "number",
    "number",
    "str",
    "markdown",
    "str",
    "number",
]
# A row's kind (qa.types.Row.kind) as the table shows it.
KINDS = {"result": "实际", "target": "目标", "": ""}
ORDER_CHOICES = [("自动", ""), ("按地区", "region"), ("按年份", "year"), ("按报告", "report")]
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def compare_filters(region: str | None, years: str | None) -> Filters | None:
    """Filters from the tab's boxes: regions separated by commas or spaces, a year or FROM-TO range.

    Raises ``qa.types.FilterError`` for a year that is not one (the same rule as search's).
    """
    regions = tuple(r for r in re.split(r"[,，、\s]+", region or "") if r)
    filters = Filters((), regions, *parse_years(years))
    return None if filters.is_empty() else filters


def table_rows(comparison: Comparison) -> list[list[Any]]:
    """The table: one line per report, the value marked in its answer sentence; 未找到 when none."""
    return [_table_row(row) for row in comparison.rows]


def _table_row(row: Row) -> list[Any]:
    if not row.found or row.citation is None:  # a found row always has its citation
        return [row.region, row.year, "", "", "未找到", None, None, "", "", row.title, round(row.confidence, 2)]
    v, c = row.value, row.citation
    answer = _markdown(row.answer)
    if v is not None:  # bold the value inside the sentence
        answer = _markdown(row.answer[: v.start]) + "**" + _markdown(v.text) + "**" + _markdown(row.answer[v.end :])
    where = f"{row.title} · 字符 {c.start}-{c.end}" + (f" · {c.section}" if c.section else "")
    return [
        row.region,
        row.year,
        row.figure_year,
        KINDS.get(row.kind, row.kind),
        v.figure if v else "—",
        v.low if v else None,
        v.high if v else None,
        v.unit if v else "",
        answer,
        where,
        round(row.confidence, 2),
    ]


def _markdown(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def write_csv(comparison: Comparison) -> Path:
    """The comparison as a CSV file (UTF-8 with BOM, which Excel reads) in a fresh temporary folder."""
    folder = Path(tempfile.gettempdir()) / "govqa-compare" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    path = folder / "对比.csv"
    path.write_text(comparison_to_csv(comparison), encoding="utf-8-sig")
    return path


def summary_html(comparison: Comparison) -> str:
    """One line over the table: how many reports, how many answer, the order, the time taken."""
    found = sum(r.found for r in comparison.rows)
    if not comparison.rows:
        return render_message("没有符合条件的报告：请检查问题中的年份、地区或筛选条件。", "error")
    return (
        f'<div class="gq-compare-summary" role="status">{esc(comparison.question)}：'
        f"{len(comparison.rows)} 份报告，{found} 份有答案（{comparison.took_ms:.0f} ms）</div>"
    )


class CompareTab:
    """The widgets and the handler of the 对比 tab, bound to one ``Service``."""

    def __init__(self, service: Service):
        self.service = service

    def on_compare(
        self,
        question: str,
        region: str,
        years: str,
        by: str,
        libraries: list[str] | None = None,
        request: gr.Request | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio's own idiom)
    ) -> tuple[Any, Any, Any, Any]:
        """Summary, table rows, chart and CSV file for the question (a notice and empty views on an error);
        only reports of the chosen ``libraries`` the page's user may read (all of those when none is chosen)."""
        try:
            filters = compare_filters(region, years)
            if libraries:
                filters = replace(filters or Filters(), libraries=tuple(libraries))
            who = self.service.access.page_principal(getattr(request, "username", None))
            progress(0.1, desc="正在逐份报告检索…")
            comparison = self.service.compare(question, filters, by or None, who=who)
        except GovqaError as exc:
            return render_message(exc.page_message, "error"), [], None, gr.DownloadButton(value=None, interactive=False)
        progress(0.8, desc="正在绘图…")
        chart = draw(comparison) if comparison.rows else None
        return (
            summary_html(comparison),
            table_rows(comparison),
            chart,
            gr.DownloadButton(value=str(write_csv(comparison)), interactive=True),
        )

    def build(self) -> Any:
        """The tab's layout and events (call inside ``gr.Tabs``); returns its library selector (the page fills it)."""
        private: dict[str, Any] = {"api_visibility": "private"}
        with gr.Tab("对比", id="compare", elem_id="gq-tab-compare"):
            question, go, examples = question_row(
                "对比各报告，例如：2025年地区生产总值增长目标是多少",
                "对比",
                ("gq-compare-question", "gq-compare-go"),
                EXAMPLES,
            )
            with gr.Row():
                region = gr.Textbox(label="地区（可多个，逗号分隔）", elem_id="gq-compare-region", min_width=160)
                years = gr.Textbox(label="年份（如 2025 或 2015-2025）", elem_id="gq-compare-years", min_width=160)
                by = gr.Radio(ORDER_CHOICES, value="", label="排序", elem_id="gq-compare-by", min_width=200)
                libraries = gr.Dropdown(
                    choices=[], multiselect=True, label="文库", elem_id="gq-compare-libraries", min_width=160
                )
            summary = gr.HTML(elem_id="gq-compare-summary")
            chart = gr.Plot(format="png", label="图表", elem_id="gq-compare-chart")
            table = gr.Dataframe(
                headers=HEADERS,
                datatype=DATATYPES,
                interactive=False,
                wrap=True,
                label="各报告的答案（点击表头排序）",
                elem_id="gq-compare-table",
            )
            download = gr.DownloadButton("下载 CSV", value=None, interactive=False, elem_id="gq-compare-csv")
        inputs = [question, region, years, by, libraries]
        outputs = [summary, table, chart, download]
        question.submit(self.on_compare, inputs, outputs, concurrency_limit=2, **private)
        go.click(self.on_compare, inputs, outputs, concurrency_limit=2, **private)
        for button, text in zip(examples, EXAMPLES, strict=False):
            button.click(lambda t=text: t, None, question, queue=False, **private).then(
                self.on_compare, inputs, outputs, concurrency_limit=2, **private
            )
        return libraries
