"""Headings set as bold body paragraphs (no Word heading style), numbered 一、/（一）/1./（1）: they build the section path."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from govqa.config import ChunkConfig
from govqa.ingest import ingest_paths
from govqa.ingest.loaders.docx import DocxLoader

# (text, bold); the two industries' sections repeat one sentence shape, naming neither industry.
PARAGRAPHS = [
    ("某市2024年大气污染防治工作情况的报告", False),
    ("一、重点行业超低排放改造", True),
    ("（一）钢铁行业。", True),  # a full stop after a bold heading: still a heading
    ("1.改造进展", True),
    ("完成超低排放改造的企业有12家，占全部企业的80%。", False),
    ("（1）有组织排放", True),
    ("有组织排放改造完成率达到100%。", False),
    ("2.存在问题", True),
    ("部分企业监测设施不完善。", False),
    ("（二）水泥行业。", True),
    ("1.改造进展", True),
    ("完成超低排放改造的企业有7家，占全部企业的50%。", False),
    ("（1）有组织排放", True),
    ("有组织排放改造完成率达到85%。", False),
    ("2.存在问题", True),
    ("（一）资金压力较大。", False),  # numbered, closed by a full stop, not bold: a sentence, not a heading
    ("部分企业资金压力较大。", True),  # bold but not numbered: body text
    ("二、下一步工作", True),
    ("持续推进重点行业深度治理。", False),
]
STEEL = ("一、重点行业超低排放改造", "（一）钢铁行业", "1.改造进展")
CEMENT = ("一、重点行业超低排放改造", "（二）水泥行业", "1.改造进展")


def make_bold_docx(path: Path) -> Path:
    document = docx.Document()
    for text, bold in PARAGRAPHS:
        document.add_paragraph().add_run(text).bold = bold
    document.save(str(path))
    return path


def test_bold_paragraphs_are_marked(tmp_path: Path) -> None:
    raw = next(DocxLoader().load(make_bold_docx(tmp_path / "bold.docx")))
    assert [(line.text, line.bold) for line in raw.lines] == PARAGRAPHS


def test_bold_numbered_paragraphs_build_the_section_path(tmp_path: Path) -> None:
    [result] = ingest_paths([make_bold_docx(tmp_path / "bold.docx")], ChunkConfig())
    [(document, chunks)] = result.documents
    by_text = {c.text.split("\n")[-1]: c.section for c in chunks}
    assert by_text["完成超低排放改造的企业有12家，占全部企业的80%。"] == STEEL
    assert by_text["完成超低排放改造的企业有7家，占全部企业的50%。"] == CEMENT
    assert by_text["有组织排放改造完成率达到85%。"] == (*CEMENT, "（1）有组织排放")
    titles = [s.title for s in document.sections]
    assert "（一）资金压力较大" not in titles and "部分企业资金压力较大。" not in titles
    assert titles.count("2.存在问题") == 2


@pytest.mark.parametrize(
    "question, figure, section",
    [
        ("水泥行业完成超低排放改造的企业有几家", "7家", CEMENT),
        ("钢铁行业完成超低排放改造的企业有几家", "12家", STEEL),
    ],
)
def test_sibling_sections_are_told_apart_by_their_headings(tmp_path: Path, searcher_of, question, figure, section):
    answer = searcher_of(make_bold_docx(tmp_path / "bold.docx")).ask(question)
    assert answer.verdict == "found", answer.reason
    assert figure in answer.answer
    assert answer.citation.section == " › ".join(section)
