"""Attachments (附件1…N after a 通知's body) are sections of their own, titled by their 附件 line, in any format."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from govqa.config import ChunkConfig
from govqa.ingest import ingest_paths

BODY = [
    "某市人民政府办公室关于做好2025年重点项目申报工作的通知",
    "各区人民政府，市政府各部门：",
    "为做好2025年重点项目申报工作，现将有关事项通知如下。",
    "一、申报范围",
    "申报项目应当符合全市产业发展方向，总投资在1亿元以上。",
    "二、申报要求",
    "各单位于2025年3月31日前报送申报材料。",
    "附件：1．2025年重点项目申报范围",
    "2．重点项目申报表",
    "3．申报单位承诺书",
    "某市人民政府办公室",
    "2025年2月10日",
]
ATTACHMENTS = [
    ("附件1", "2025年重点项目申报范围", ["一、产业项目", "先进制造业项目总投资不低于1亿元。"]),
    ("附件2", "重点项目申报表", ["项目名称、建设单位、总投资、建设内容和建设期限由申报单位如实填写。"]),
    ("附件3", "申报单位承诺书", ["本单位承诺所报材料真实有效，如有不实愿承担相应责任。"]),
]
SECTIONS = [f"{mark} {title}" for mark, title, _ in ATTACHMENTS]


def _lines() -> list[str]:
    lines = list(BODY)
    for mark, title, body in ATTACHMENTS:
        lines += [mark, title, *body]
    return lines


def make_txt(path: Path) -> Path:
    path.write_text("\n".join(_lines()) + "\n", "utf-8")
    return path


def make_docx(path: Path) -> Path:
    document = docx.Document()
    for line in _lines():
        document.add_paragraph(line)
    document.save(str(path))
    return path


@pytest.mark.parametrize("make", [make_txt, make_docx], ids=["txt", "docx"])
def test_each_attachment_is_a_top_section_titled_by_its_mark_and_title(tmp_path: Path, make) -> None:
    path = make(tmp_path / f"notice.{make.__name__[5:]}")
    [result] = ingest_paths([path], ChunkConfig())
    [(document, chunks)] = result.documents
    tops = [s.title for s in document.sections if s.level == 1]
    assert tops == SECTIONS
    # The body's own headings sit below nothing; the attachment's headings below their attachment.
    assert [s.title for s in document.sections if s.level > 1] == ["一、申报范围", "二、申报要求", "一、产业项目"]
    inside = next(c for c in chunks if "先进制造业项目" in c.text)
    assert inside.section == (SECTIONS[0], "一、产业项目")
    # The body's list of attachments is not taken for the attachments.
    listed = next(c for c in chunks if "2.重点项目申报表" in c.text)  # cleaning makes "．" ASCII
    assert listed.section == ("二、申报要求",)


def test_the_second_attachment_is_answered_by_its_own_section(tmp_path: Path, searcher_of) -> None:
    path = make_docx(tmp_path / "notice.docx")
    answer = searcher_of(path).ask("这份通知的附件2是什么")
    assert answer.verdict == "found", answer.reason
    assert answer.citation.section == SECTIONS[1]
    # The answer opens with attachment 2's title, not the body's list of attachments.
    assert answer.answer.startswith("重点项目申报表")
