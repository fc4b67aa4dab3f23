"""Report PDFs with tables and footnotes, made with fpdf2 for the tests and bench/pdf_tables.py.

Each table maker writes a file and returns the cells the table holds (header,
then data rows, as a reader sees them), so a measurement can count the cells an
extractor got right.

- ``ruled_project_list``: a ruled grid (项目名称 / 建设单位 / 总投资 / 2025年计划投资)
  running over a page break with no repeated header; the name of one project is
  split across the break (its first characters on page 1, the rest on page 2).
- ``three_line_indicators``: a borderless 三线表 (a rule above and below the
  header, one under the last row; columns aligned by position only) over a page
  break, its numbers set close together.
- ``footnoted_report``: a paragraph running from page 1 to page 2 over a block
  of two ①② notes in smaller type at page 1's foot (the second wrapped).
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

PROSE_TOP = 60.0
LINE = 24.0  # pitch of body lines, points

PROJECTS = [
    ("城东污水处理厂扩建工程", "市水务集团", "8.6", "2.4"),
    ("滨江大道快速化改造", "市城投公司", "15.2", "4.8"),
    ("第一人民医院新院区", "市卫生健康委", "22.5", "6.1"),
    ("高新区标准厂房三期", "高新区管委会", "9.8", "3.3"),
    ("北湖湿地公园", "市园林局", "4.7", "1.9"),
    ("城西220千伏变电站", "国网市供电公司", "3.9", "1.2"),
    ("职业技术学院新校区", "市教育局", "18.4", "5.6"),
    ("老旧小区改造二期", "市住建局", "7.3", "2.8"),
    ("青溪港三期码头工程", "市港航投资公司", "12.6", "3.7"),
    ("南山隧道工程", "市交通运输局", "26.9", "7.5"),
    ("智慧城市运行中心", "市大数据局", "5.2", "2.1"),
    ("城北垃圾焚烧发电厂", "市城管局", "11.8", "4.4"),
]
SPLIT_PROJECT = 8  # index in PROJECTS of the row whose name crosses the page break
PROJECT_HEADER = ("序号", "项目名称", "建设单位", "总投资（亿元）", "2025年计划投资（亿元）")

INDICATORS = [
    ("地区生产总值", "亿元", "1865.3", "5.8"),
    ("第一产业增加值", "亿元", "186.5", "28.3"),
    ("第二产业增加值", "亿元", "712.4", "6.2"),
    ("第三产业增加值", "亿元", "966.4", "5.7"),
    ("规模以上工业增加值", "亿元", "598.1", "7.1"),
    ("固定资产投资", "亿元", "1102.7", "4.9"),
    ("社会消费品零售总额", "亿元", "843.6", "6.5"),
    ("一般公共预算收入", "亿元", "176.3", "3.4"),
    ("城镇居民人均可支配收入", "元", "48215", "4.6"),
    ("农村居民人均可支配收入", "元", "21846", "6.9"),
    ("进出口总额", "亿元", "402.8", "8.1"),
    ("实际使用外资", "亿美元", "6.4", "12.3"),
]
INDICATOR_HEADER = ("指标", "单位", "2024年", "比上年增长（%）")


def _pdf(font: str) -> FPDF:
    pdf = FPDF(unit="pt", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font("cjk", fname=font)
    pdf.set_font("cjk", size=12)
    return pdf


def _prose(pdf: FPDF, y: float, lines: list[str]) -> float:
    for line in lines:
        pdf.set_xy(72, y)
        pdf.cell(451, 14, line)
        y += LINE
    return y


def ruled_project_list(path: Path, font: str) -> list[tuple[str, ...]]:
    """A ruled project list over pages 1-2, no header on page 2, one name split across the break."""
    pdf = _pdf(font)
    pdf.add_page()
    y = _prose(pdf, PROSE_TOP, ["二、重点项目建设", "全年安排市级重点项目12个，总投资136.9亿元。"])
    pdf.set_xy(72, y)
    pdf.cell(451, 14, "表2 2025年市级重点建设项目", align="C")
    y += LINE
    widths = (36, 150, 105, 70, 90)
    height = 40.0
    rows = [PROJECT_HEADER] + [(str(n), *p) for n, p in enumerate(PROJECTS, start=1)]
    split = SPLIT_PROJECT + 1
    for i, row in enumerate(rows):
        if i == split:
            name = row[1]
            _row(pdf, y, widths, height, (row[0], name[:5], row[2], row[3], row[4]))
            pdf.add_page()
            y = PROSE_TOP
            _row(pdf, y, widths, height, ("", name[5:], "", "", ""))
            y += height
            continue
        _row(pdf, y, widths, height, row, size=9 if i == 0 else 11)
        y += height
    y += LINE / 2
    _prose(pdf, y, ["以上项目由各建设单位按计划推进，市发展改革委按月调度。"])
    pdf.output(str(path))
    return rows


def _row(pdf: FPDF, y: float, widths: tuple[float, ...], height: float, cells, size: float = 11) -> None:
    pdf.set_font("cjk", size=size)
    x = 72.0
    for width, text in zip(widths, cells, strict=True):
        pdf.set_xy(x, y)
        pdf.multi_cell(
            width, height / 2 if pdf.get_string_width(text) > width - 4 else height, text, border=1, align="C"
        )
        pdf.rect(x, y, width, height)
        x += width
    pdf.set_font("cjk", size=12)


def three_line_indicators(path: Path, font: str, breaks: tuple[int, ...] = (7,)) -> list[tuple[str, ...]]:
    """A borderless 三线表 of indicators over pages 1-2: columns aligned by position only, numbers close together.

    ``breaks``: the data rows (0-based) that start a new page; ``(4, 8)`` puts a page of rows and no rule between.
    """
    pdf = _pdf(font)
    pdf.add_page()
    y = _prose(
        pdf,
        PROSE_TOP,
        ["一、2024年经济运行情况", "全年经济运行稳中有进，主要指标见表1。"] + ["各项工作取得新进展。"] * 20,
    )
    pdf.set_xy(72, y)
    pdf.cell(451, 14, "表1 2024年主要经济指标", align="C")
    y += LINE
    columns = ((72, 140, "L"), (250, 40, "C"), (292, 50, "R"), (346, 70, "R"))
    pdf.set_line_width(1.2)
    pdf.line(72, y, 420, y)
    y += 4
    _aligned(pdf, y, columns, INDICATOR_HEADER, size=9)
    y += 20
    pdf.set_line_width(0.6)
    pdf.line(72, y, 420, y)
    y += 6
    for n, row in enumerate(INDICATORS):
        if n in breaks:
            pdf.add_page()
            y = PROSE_TOP
        _aligned(pdf, y, columns, row)
        y += 20
    pdf.set_line_width(1.2)
    pdf.line(72, y, 420, y)
    y += LINE
    _prose(pdf, y, ["注：地区生产总值按不变价格计算。", "二、2025年工作安排"])
    pdf.output(str(path))
    return [INDICATOR_HEADER, *INDICATORS]


def _aligned(pdf: FPDF, y: float, columns, cells, size: float = 11) -> None:
    pdf.set_font("cjk", size=size)
    for (x, width, align), text in zip(columns, cells, strict=True):
        pdf.set_xy(x, y)
        pdf.cell(width, 14, text, align=align)
    pdf.set_font("cjk", size=12)


CROSSING = (
    "全年城镇居民人均可支配收入48215元，增长4.6%；农村居民人均可支配收入21846元，增长6.9%，城乡居民收入比缩小到2.21。"
)
NOTE_1 = "① 地区生产总值按当年价格计算，增长速度按不变价格计算。"
NOTE_2 = ("② 城镇新增就业人数是指城镇累计新就业人数减去自然减员人数，", "统计口径与上年一致。")
BEFORE = "过去一年，全市经济运行稳中有进，地区生产总值①达到4120亿元，增长5.8%，一般公共预算收入完成298亿元，增长7.2%。"
AFTER = "今年全市经济社会发展的主要预期目标是：地区生产总值增长5%左右，城镇新增就业8万人以上②。"
PER_LINE = 30  # 12-point characters in a 360-point line


def _wrapped(text: str) -> list[str]:
    text = "\u3000\u3000" + text
    return [text[i : i + PER_LINE] for i in range(0, len(text), PER_LINE)]


def footnoted_report(path: Path, font: str) -> Path:
    """Page 1: a paragraph, then one that runs on to page 2; two notes in 9-point type at its foot; page numbers."""
    pdf = _pdf(font)
    crossing = _wrapped(CROSSING)
    pages = [_wrapped(BEFORE) + crossing[:2], crossing[2:] + _wrapped(AFTER)]
    for number, body in enumerate(pages, start=1):
        pdf.add_page()
        for i, text in enumerate(body):
            pdf.set_xy(72, 100 + LINE * i)
            pdf.cell(360, 12, text)
        if number == 1:
            pdf.line(72, 700, 192, 700)  # the short rule above the notes
            pdf.set_font("cjk", size=9)
            for i, text in enumerate([NOTE_1, *NOTE_2]):
                pdf.set_xy(72, 710 + 14 * i)
                pdf.cell(360, 9, text)
            pdf.set_font("cjk", size=12)
        pdf.set_xy(232, 790)
        pdf.cell(40, 12, f"— {number} —")
    pdf.output(str(path))
    return path
