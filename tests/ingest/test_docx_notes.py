"""Footnotes and endnotes of a .docx (parts written with python-docx's opc API): read, and placed after the citing sentence."""

from __future__ import annotations

from pathlib import Path

import docx
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from govqa.config import ChunkConfig
from govqa.ingest import ingest_paths
from govqa.ingest.document import Line
from govqa.ingest.loaders.docx import DocxLoader

EMPLOYMENT = "城镇新增就业人数是指统计期内城镇累计新就业人数减去自然减员人数。"
INCOME = "农村居民人均可支配收入按常住人口口径计算。"
ENDNOTE = "本报告数据均为初步统计数。"


def _notes_part(document, kind: str, notes: dict[int, str]) -> None:
    """Write word/{kind}s.xml with a separator note and ``notes`` (id → text), related to the main part."""
    separator = f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
    body = "".join(
        f'<w:{kind} w:id="{i}"><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:{kind}>' for i, text in notes.items()
    )
    xml = f"<w:{kind}s {nsdecls('w')}>{separator}{body}</w:{kind}s>"
    content_type = CT.WML_FOOTNOTES if kind == "footnote" else CT.WML_ENDNOTES
    part = Part(PackURI(f"/word/{kind}s.xml"), content_type, xml.encode(), document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES if kind == "footnote" else RT.ENDNOTES)


def _paragraph(document, pieces: list[str | tuple[str, int]]):
    """A paragraph of text runs and note references (``("footnote", id)``), the mark superscript as Word writes it."""
    paragraph = document.add_paragraph()
    for piece in pieces:
        if isinstance(piece, str):
            paragraph.add_run(piece)
            continue
        kind, note_id = piece
        paragraph._p.append(
            parse_xml(
                f'<w:r {nsdecls("w")}><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
                f'<w:{kind}Reference w:id="{note_id}"/></w:r>'
            )
        )
    return paragraph


def make_notes_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("某市2025年政府工作报告")
    document.add_paragraph("一、2024年工作回顾")
    _paragraph(document, ["全年城镇新增就业12.6万人", ("footnote", 1), "，城镇调查失业率5.1%。"])
    _paragraph(document, ["农村居民人均可支配收入21846", ("footnote", 2), "元，增长6.5%。", ("endnote", 1)])
    document.add_paragraph("二、2025年主要目标")
    _paragraph(document, ["城镇新增就业12万人以上", ("footnote", 1), "。"])
    _notes_part(document, "footnote", {1: EMPLOYMENT, 2: INCOME})
    _notes_part(document, "endnote", {1: ENDNOTE})
    document.save(str(path))
    return path


def test_notes_follow_the_paragraph_that_cites_them_and_stay_out_of_its_sentence(tmp_path: Path) -> None:
    raw = next(DocxLoader().load(make_notes_docx(tmp_path / "notes.docx")))
    assert raw.lines[2:] == [
        Line("全年城镇新增就业12.6万人，城镇调查失业率5.1%。"),
        Line(f"注1：{EMPLOYMENT}", record=True),
        # The mark is not written into the figure: 21846元, not 218462元.
        Line("农村居民人均可支配收入21846元，增长6.5%。"),
        Line(f"注2：{INCOME}", record=True),
        Line(f"尾注1：{ENDNOTE}", record=True),
        Line("二、2025年主要目标"),
        # A note cited again is not repeated.
        Line("城镇新增就业12万人以上。"),
    ]


def test_a_note_is_its_own_chunk_in_the_citing_paragraphs_section(tmp_path: Path) -> None:
    [result] = ingest_paths([make_notes_docx(tmp_path / "notes.docx")], ChunkConfig())
    [(document, chunks)] = result.documents
    note = next(c for c in chunks if EMPLOYMENT in c.text)
    assert note.text == f"注1：{EMPLOYMENT}"
    assert note.section == ("一、2024年工作回顾",)
    assert document.text[: note.start].rstrip().endswith("城镇调查失业率5.1%。")


def test_a_definition_in_a_footnote_is_found(tmp_path: Path, searcher_of) -> None:
    path = make_notes_docx(tmp_path / "notes.docx")
    answer = searcher_of(path).ask("城镇新增就业人数是指什么")
    assert answer.verdict == "found", answer.reason
    assert answer.answer == f"注1：{EMPLOYMENT}"
    [result] = ingest_paths([path], ChunkConfig())
    assert result.documents[0][0].text[answer.citation.start : answer.citation.end] == answer.answer
    assert answer.citation.section == "一、2024年工作回顾"
