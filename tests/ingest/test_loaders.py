"""Each loader on small files made here: what lines, pages, headings and metadata come out."""

from __future__ import annotations

import codecs
import csv
import json
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from fpdf import FPDF
from lxml import etree
from pypdf import PdfWriter

from govqa.ingest.document import Line
from govqa.ingest.loaders.docx import DocxLoader
from govqa.ingest.loaders.factory import loader_for
from govqa.ingest.loaders.html import HtmlLoader
from govqa.ingest.loaders.pdf import PdfLoader
from govqa.ingest.loaders.table import CsvLoader, JsonlLoader
from govqa.ingest.loaders.text import TextLoader


def make_pdf(font: str, path: Path, pages: list[list[str]], title: str | None = None) -> Path:
    """A real PDF in the CJK ``font`` with one page per entry of ``pages``, each line written as its own cell."""
    pdf = FPDF()
    pdf.add_font("cjk", fname=font)
    pdf.set_font("cjk", size=12)
    if title:
        pdf.set_title(title)
    for lines in pages:
        pdf.add_page()
        for text in lines:
            pdf.cell(0, 10, text, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def load_one(loader, path: Path):
    documents = list(loader.load(path))
    assert len(documents) == 1
    return documents[0]


def texts(document) -> list[str]:
    return [line.text for line in document.lines]


# --- text and markdown -------------------------------------------------------------------------


def test_txt_utf8_keeps_lines_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "报告.txt"
    path.write_text("政府工作报告\n\n　　各位代表：\n", encoding="utf-8")
    document = load_one(TextLoader(), path)
    assert document.name == "报告.txt" and document.source == str(path)
    assert document.lines == [Line("政府工作报告"), Line(""), Line("　　各位代表：")]
    assert document.meta["encoding"] == "utf-8"


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "gb18030", "gbk"])
def test_txt_encodings(tmp_path: Path, codec: str) -> None:
    path = tmp_path / "r.txt"
    path.write_bytes("二、2025年工作安排\n推动高质量发展\n".encode(codec))
    assert texts(load_one(TextLoader(), path)) == ["二、2025年工作安排", "推动高质量发展"]


def test_txt_line_endings_crlf_and_cr(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_bytes("一\r\n二\r三\n四".encode())
    assert texts(load_one(TextLoader(), path)) == ["一", "二", "三", "四"]


def test_txt_crlf_split_across_read_blocks(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    first = "a" * (65536 - 1)  # the CR is the last byte of the first block, the LF the first of the next
    path.write_bytes(f"{first}\r\n中文\r\n".encode())
    assert texts(load_one(TextLoader(), path)) == [first, "中文"]


def test_markdown_headings(tmp_path: Path) -> None:
    path = tmp_path / "r.md"
    path.write_text("# 政府工作报告\n正文\n## 一、回顾 ##\n```\n# 代码注释\n```\n#话题\n", encoding="utf-8")
    document = load_one(TextLoader(), path)
    assert document.lines == [
        Line("政府工作报告", heading=1),
        Line("正文"),
        Line("一、回顾", heading=2),
        Line("```"),
        Line("# 代码注释"),
        Line("```"),
        Line("#话题"),
    ]


def test_txt_does_not_read_markdown_headings(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_text("# 不是标题\n", encoding="utf-8")
    assert load_one(TextLoader(), path).lines == [Line("# 不是标题")]


# --- PDF ---------------------------------------------------------------------------------------


def test_pdf_lines_carry_their_page(cjk_font_file: str, tmp_path: Path) -> None:
    # Lines that differ beyond their numbers: a line repeating modulo its number is furniture.
    pages = [[f"{part}、政府工作报告第{part}部分", f"（{part}）推动高质量发展"] for part in "一二三"]
    document = load_one(PdfLoader(), make_pdf(cjk_font_file, tmp_path / "r.pdf", pages, title="2025年政府工作报告"))
    by_page = {n: [line.text for line in document.lines if line.page == n] for n in (1, 2, 3)}
    for n in (1, 2, 3):
        assert by_page[n] == pages[n - 1]
    assert all(line.page for line in document.lines)
    assert document.meta["title"] == "2025年政府工作报告"


def test_pdf_encrypted_with_empty_user_password_loads(cjk_font_file: str, tmp_path: Path) -> None:
    plain = make_pdf(cjk_font_file, tmp_path / "plain.pdf", [["第一页 内容"], ["第二页 内容"]])
    writer = PdfWriter(clone_from=plain)
    writer.encrypt(user_password="", owner_password="owner")  # RC4: no extra package needed
    writer.write(tmp_path / "locked.pdf")
    document = load_one(PdfLoader(), tmp_path / "locked.pdf")
    assert [(line.text, line.page) for line in document.lines] == [("第一页 内容", 1), ("第二页 内容", 2)]


def test_pdf_skips_blank_pages_but_keeps_numbering(cjk_font_file: str, tmp_path: Path) -> None:
    document = load_one(PdfLoader(), make_pdf(cjk_font_file, tmp_path / "r.pdf", [["封面"], [], ["第三页"]]))
    assert [(line.text, line.page) for line in document.lines] == [("封面", 1), ("第三页", 3)]


# --- docx --------------------------------------------------------------------------------------


def make_docx(path: Path) -> Path:
    document = docx.Document()
    document.core_properties.title = "2025年政府工作报告"
    document.add_paragraph("2025年某省政府工作报告", style="Title")
    document.add_paragraph("各位代表：")
    document.add_heading("一、2024年工作回顾", level=1)
    document.add_paragraph("经济运行稳中有进。\n全年地区生产总值增长5%。")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([["指标", "2024年", "增长"], ["GDP", "5.2万亿元", "5.0%"], ["", "", ""]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    merged = document.add_table(rows=1, cols=3)
    merged.cell(0, 0).merge(merged.cell(0, 1)).text = "合并单元格"
    merged.cell(0, 2).text = "右"
    document.add_heading("（一）稳增长", level=2)
    custom = document.styles.add_style("标题 3", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("1. 扩大内需", style=custom)
    outlined = document.add_paragraph("二、2025年工作安排")
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), "0")
    outlined._p.get_or_add_pPr().append(outline)
    document.add_paragraph("")
    document.add_paragraph("结束语")
    document.save(str(path))
    return path


def test_docx_body_order_headings_and_tables(tmp_path: Path) -> None:
    document = load_one(DocxLoader(), make_docx(tmp_path / "r.docx"))
    assert document.lines == [
        Line("2025年某省政府工作报告", heading=1),
        Line("各位代表："),
        Line("一、2024年工作回顾", heading=1),
        Line("经济运行稳中有进。"),
        Line("全年地区生产总值增长5%。"),
        # Each body row a record under its header; a one-row table has no header; a merged cell once.
        Line("表格第1行：指标：GDP，2024年：5.2万亿元，增长：5.0%。", record=True),
        Line("表格第1行：合并单元格，右。", record=True),
        Line("（一）稳增长", heading=2),
        Line("1. 扩大内需", heading=3),
        Line("二、2025年工作安排", heading=1),
        Line("结束语"),
    ]
    assert document.meta == {"title": "2025年政府工作报告"}


_NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)


def _box(text: str) -> str:
    return f"<w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent>"


def test_docx_text_boxes_are_read_once_in_order_and_page_headers_are_not(tmp_path: Path) -> None:
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "某市人民政府办公室（页眉）"
    document.sections[0].footer.paragraphs[0].text = "— 1 —"
    document.add_paragraph("过去一年，办好一批民生实事。")
    anchor = document.add_paragraph("见下框。")
    # A modern text box as Word writes it: DrawingML in mc:Choice, the same box in VML in mc:Fallback.
    anchor._p.append(
        etree.fromstring(
            f'<w:r {_NS}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx>{_box("专栏：新增养老床位1500张。")}'
            f"</wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><v:textbox>{_box('专栏：新增养老床位1500张。')}"
            "</v:textbox></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
        )
    )
    # An older VML-only shape.
    anchor._p.append(
        etree.fromstring(
            f"<w:r {_NS}><w:pict><v:shape><v:textbox>{_box('新建口袋公园30个。')}</v:textbox></v:shape></w:pict></w:r>"
        )
    )
    document.add_paragraph("今年继续办好民生实事。")
    document.save(str(tmp_path / "box.docx"))
    loaded = load_one(DocxLoader(), tmp_path / "box.docx")
    assert [line.text for line in loaded.lines] == [
        "过去一年，办好一批民生实事。",
        "见下框。",
        "专栏：新增养老床位1500张。",
        "新建口袋公园30个。",
        "今年继续办好民生实事。",
    ]


# --- HTML --------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html><html><head><meta charset="{charset}"><title>网页标题 - 某市人民政府</title>
<script>var x = "脚本";</script><style>p {{ color: red }}</style></head>
<body><header><a href="/">首页</a></header>
<nav><ul><li><a href="/a">机构</a></li></ul></nav>
<div class="breadcrumb">当前位置：首页 &gt; 政务公开</div>
<div id="main-menu">菜单一 菜单二</div>
<div class="content">{heading}
<p>　　各位代表：现在，我代表市人民政府，向大会报告政府工作。</p>
<h2>一、工作回顾</h2><p>经济<b>平稳</b>增长，<br>民生持续改善。</p>
<table><tr><th>指标</th><th>数值</th></tr><tr><td>GDP</td><td>2.3万亿元</td></tr></table>
<div class="bdsharebuttonbox">分享到微信</div><noscript>请启用脚本</noscript>
</div><div class="comment-list">网友评论</div><footer>版权所有 某市人民政府</footer></body></html>"""


def test_html_main_text_blocks_and_headings(tmp_path: Path) -> None:
    path = tmp_path / "r.html"
    path.write_text(PAGE.format(charset="utf-8", heading="<h1>2025年政府工作报告</h1>"), encoding="utf-8")
    document = load_one(HtmlLoader(), path)
    assert document.lines == [
        Line("2025年政府工作报告", heading=1),
        Line("　　各位代表：现在，我代表市人民政府，向大会报告政府工作。"),
        Line("一、工作回顾", heading=2),
        Line("经济平稳增长，"),
        Line("民生持续改善。"),
        Line("指标 | 数值"),
        Line("GDP | 2.3万亿元"),
    ]
    assert "title" not in document.meta


def test_html_gbk_charset_and_title_without_h1(tmp_path: Path) -> None:
    path = tmp_path / "r.htm"
    path.write_bytes(PAGE.format(charset="gb2312", heading="").encode("gbk"))
    document = load_one(HtmlLoader(), path)
    assert document.meta["title"] == "网页标题 - 某市人民政府"
    assert document.lines[0].text.endswith("向大会报告政府工作。")
    assert not any("菜单" in t or "分享" in t or "脚本" in t or "版权" in t for t in texts(document))


def test_html_picks_dense_container_and_keeps_outside_h1(tmp_path: Path) -> None:
    body = "".join(f"<p>第{n}段正文，内容充实，篇幅较长，用于测试正文区域识别。</p>" for n in range(8))
    path = tmp_path / "r.html"
    path.write_text(
        f"<html><body><div class='top'><h1>报告标题</h1></div>"
        f"<div class='links'><a href='#'>相关链接一</a><a href='#'>相关链接二</a> 热点</div>"
        f"<div class='wrap'><div class='article'>{body}</div></div>"
        f"<div class='side'>侧栏文字</div></body></html>",
        encoding="utf-8",
    )
    lines = load_one(HtmlLoader(), path).lines
    assert lines[0] == Line("报告标题", heading=1)
    assert [line.text for line in lines[1:]] == [
        f"第{n}段正文，内容充实，篇幅较长，用于测试正文区域识别。" for n in range(8)
    ]


def test_html_menu_class_on_the_page_wrapper_keeps_the_text(tmp_path: Path) -> None:
    path = tmp_path / "r.html"
    path.write_text(
        "<body><div id='wrap' class='has-menu'><div class='menu'><a href='/'>首页</a>栏目</div>"
        "<p>正文第一段，内容较长。</p><p>正文第二段。</p></div></body>",
        encoding="utf-8",
    )
    assert texts(load_one(HtmlLoader(), path)) == ["正文第一段，内容较长。", "正文第二段。"]


def test_html_layout_table_is_not_one_row(tmp_path: Path) -> None:
    path = tmp_path / "r.html"
    path.write_text("<table><tr><td><p>第一段</p><p>第二段</p></td></tr></table>", encoding="utf-8")
    assert texts(load_one(HtmlLoader(), path)) == ["第一段", "第二段"]


# --- CSV and JSONL -----------------------------------------------------------------------------


def test_csv_bom_huge_multiline_field_and_meta(tmp_path: Path) -> None:
    huge = "\n".join(["下载", "打印"] + ["　　推动高质量发展，" * 800] * 20)  # > 131072 characters
    assert len(huge) > 131072
    path = tmp_path / "2026_某省_政府工作报告.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["province", "year", "title", "source_url", "publish_date", "full_text", "备注"])
        writer.writerow(["某省", "2026", "2026年某省政府工作报告", "https://example.gov.cn/a", "2026-01-20", huge, ""])
        writer.writerow(["另一省", "2026", "标题二", "", "", "第一行\r\n第二行", "附注"])
    first, second = list(CsvLoader().load(path))
    assert first.name == f"{path.name}#1" and second.name == f"{path.name}#2"
    assert first.meta == {
        "region": "某省",
        "year": "2026",
        "title": "2026年某省政府工作报告",
        "source_url": "https://example.gov.cn/a",
        "publish_date": "2026-01-20",
    }
    assert texts(first) == huge.split("\n")
    assert texts(second) == ["第一行", "第二行"] and second.meta["备注"] == "附注"


def test_csv_id_column_longest_column_and_explicit_text_column(tmp_path: Path) -> None:
    path = tmp_path / "export.tsv"
    path.write_text("id\t地区\tsummary\tnotes\nA7\t成都\t" + "很长的正文内容" * 10 + "\t短\n", encoding="gb18030")
    (document,) = CsvLoader().load(path)
    assert document.name == "export.tsv#A7"
    assert document.lines == [Line("很长的正文内容" * 10)]
    assert document.meta == {"id": "A7", "region": "成都", "notes": "短"}
    (document,) = CsvLoader(text_column="notes").load(path)
    assert texts(document) == ["短"]


def test_jsonl_rows_named_by_docid(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    rows = [{"docid": "d1", "text": "第一篇\n第二行", "年份": 2020}, {"docid": "d2", "text": "第二篇"}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n", encoding="utf-8")
    first, second = JsonlLoader().load(path)
    assert (first.name, texts(first), first.meta) == (
        "corpus.jsonl#d1",
        ["第一篇", "第二行"],
        {"docid": "d1", "year": "2020"},
    )
    assert (second.name, texts(second)) == ("corpus.jsonl#d2", ["第二篇"])


def test_row_without_text_comes_out_empty_for_the_caller_to_report(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("title,text\n有,正文\n无,\n", encoding="utf-8")
    first, second = CsvLoader().load(path)
    assert texts(first) == ["正文"] and (second.name, second.lines) == ("r.csv#2", [])


def test_jsonl_without_id_uses_row_number_and_longest_field(tmp_path: Path) -> None:
    path = tmp_path / "x.ndjson"
    lines = [codecs.BOM_UTF8 + json.dumps({"q": "问", "passage": "一段足够长的政策文本" * 5}).encode()]
    path.write_bytes(b"\n".join(lines))
    (document,) = JsonlLoader().load(path)
    assert document.name == "x.ndjson#1" and texts(document) == ["一段足够长的政策文本" * 5]


# --- factory -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.TXT", TextLoader),
        ("a.md", TextLoader),
        ("a.markdown", TextLoader),
        ("a.pdf", PdfLoader),
        ("a.docx", DocxLoader),
        ("a.htm", HtmlLoader),
        ("a.HTML", HtmlLoader),
        ("a.csv", CsvLoader),
        ("a.tsv", CsvLoader),
        ("a.jsonl", JsonlLoader),
        ("a.ndjson", JsonlLoader),
    ],
)
def test_loader_for_picks_by_suffix(name: str, kind: type) -> None:
    assert isinstance(loader_for(Path(name)), kind)


def test_html_nested_100000_deep_loads_without_recursion(tmp_path: Path) -> None:
    depth = 100_000  # about 1.1 MB: once a RecursionError
    path = tmp_path / "nested.html"
    path.write_text(
        f"<html><body><h1>嵌套页面</h1>{'<div>' * depth}<p>深处的正文。</p>{'</div>' * depth}</body></html>",
        encoding="utf-8",
    )
    assert texts(load_one(HtmlLoader(), path)) == ["嵌套页面", "深处的正文。"]
