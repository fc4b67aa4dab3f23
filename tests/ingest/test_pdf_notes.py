"""Footnotes at a page's foot (smaller type, ①② marks) are kept out of the sentence that crosses the page."""

from __future__ import annotations

from fpdf import FPDF

from bench import made_pdfs
from govqa.config import ChunkConfig
from govqa.ingest.build import build_document
from govqa.ingest.chunk import chunk_document
from govqa.ingest.loaders.pdf import PdfLoader

LEFT, TOP, PITCH = 72.0, 100.0, 24.0


MADE = made_pdfs  # the files the tests make are bench/made_pdfs.py's, which bench/pdf_tables.py measures
CROSSING, NOTE_1, NOTE_2, BEFORE, AFTER = MADE.CROSSING, MADE.NOTE_1, MADE.NOTE_2, MADE.BEFORE, MADE.AFTER


def test_notes_leave_the_sentence_that_crosses_the_page_and_stand_alone(tmp_path, cjk_font_file) -> None:
    raw = next(PdfLoader().load(MADE.footnoted_report(tmp_path / "notes.pdf", cjk_font_file)))
    document = build_document(raw)
    assert CROSSING in document.text  # one sentence over the page break, no note inside
    chunks = chunk_document(document, ChunkConfig())
    note_1 = [c for c in chunks if c.text == NOTE_1]
    note_2 = [c for c in chunks if c.text == "".join(NOTE_2)]  # its two lines joined
    assert note_1 and note_1[0].page == 1
    assert note_2 and note_2[0].page == 1
    crossing = next(c for c in chunks if CROSSING in c.text)
    assert (crossing.page, crossing.page_end) == (1, 2)
    assert document.text.index(CROSSING) < document.text.index(NOTE_1) < document.text.index(AFTER)
    assert BEFORE in document.text and AFTER in document.text  # the body's note marks stay where they are


def test_a_body_line_starting_with_a_mark_in_body_type_is_not_a_note(tmp_path, cjk_font_file) -> None:
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_font("cjk", fname=cjk_font_file)
    pdf.set_font("cjk", size=12)
    pdf.add_page()
    items = ["①坚持创新驱动，新增高新技术企业120家。", "②坚持绿色发展，完成造林1.2万亩。"]
    for i, text in enumerate(items):
        pdf.set_xy(LEFT, TOP + PITCH * i)
        pdf.cell(360, 12, text)
    pdf.output(str(tmp_path / "items.pdf"))
    raw = next(PdfLoader().load(tmp_path / "items.pdf"))
    assert [line.text for line in raw.lines] == items
    assert not any(line.record for line in raw.lines)
