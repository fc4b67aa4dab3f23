"""Files a loader must refuse, or must read despite their awkwardness, with one-line reasons."""

from __future__ import annotations

import io
import json
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.errors import DependencyError

from govqa.ingest.document import IngestError
from govqa.ingest.loaders.factory import loader_for
from govqa.ingest.loaders.text import BLOCK, TextLoader
from govqa.ingest.settings import IngestConfig


def load(path: Path) -> list:
    return list(loader_for(path).load(path))


def refused(path: Path, *expected: str) -> str:
    """Load ``path``, expect an IngestError whose one-line message contains every ``expected`` part."""
    with pytest.raises(IngestError) as info:
        load(path)
    message = str(info.value)
    assert message and "\n" not in message and len(message) < 300, message
    for part in expected:
        assert part in message, message
    return message


def text_pdf(path: Path) -> Path:
    """A three-page PDF with a text layer (a core font: these tests need no CJK font)."""
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for n in range(1, 4):
        pdf.add_page()
        pdf.cell(0, 10, f"Page {n} of the government work report")
    pdf.output(str(path))
    return path


# --- text ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"   \r\n\t\n\xe3\x80\x80\n"])
def test_empty_and_whitespace_only_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    refused(path, "empty file")


def test_binary_file_renamed_txt(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.bin", bytes(range(256)) * 64)
    path = tmp_path / "report.txt"
    path.write_bytes(buffer.getvalue())
    refused(path, "binary file, not text")


def test_gbk_text_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes("２０２１年政府工作报告\r\n　　各位代表：\r\n".encode("gbk"))
    (document,) = load(path)
    assert [line.text for line in document.lines] == ["２０２１年政府工作报告", "　　各位代表："]
    assert document.meta["encoding"] == "gb18030"


def test_gbk_after_a_long_ascii_start_is_still_detected(tmp_path: Path) -> None:
    path = tmp_path / "late.txt"
    path.write_bytes(b"header line\n" * 20000 + "中文内容\n".encode("gbk"))
    (document,) = load(path)
    assert document.lines[-1].text == "中文内容"


def test_gbk_whose_first_chinese_byte_ends_a_read_block(tmp_path: Path) -> None:
    path = tmp_path / "edge.txt"
    path.write_bytes(b"a" * (BLOCK - 1) + "中文内容，政府工作报告".encode("gbk"))
    (document,) = load(path)
    assert document.lines[0].text.endswith("a中文内容，政府工作报告")


def test_decode_error_late_in_file_names_the_byte_offset(tmp_path: Path) -> None:
    start = "中文\n".encode() * 50000
    path = tmp_path / "mixed.txt"
    path.write_bytes(start + "政府".encode("gbk"))
    refused(path, "invalid utf-8", f"byte offset {len(start)}")


def test_fifty_megabyte_text_streams_with_bounded_memory(tmp_path: Path) -> None:
    line = ("　　坚持稳中求进工作总基调，完整准确全面贯彻新发展理念，加快构建新发展格局。" * 4 + "\n\n").encode()
    path = tmp_path / "big.txt"
    with path.open("wb") as handle:
        for _ in range(50_000_000 // (len(line) * 100) + 1):
            handle.write(line * 100)
    size = path.stat().st_size
    assert size >= 50_000_000
    started = time.perf_counter()
    tracemalloc.start()
    try:
        (document,) = TextLoader(limits=IngestConfig(max_chars=size)).load(path)  # over the default limit
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(document.lines) == 2 * size // len(line)
    # The lines themselves take ~1.3x the file here; reading it whole and splitting takes ~4x.
    assert peak < 2 * size, f"peak {peak / 1e6:.0f} MB for a {size / 1e6:.0f} MB file"
    assert time.perf_counter() - started < 15


# --- PDF -----------------------------------------------------------------------------------------


def test_truncated_pdf(tmp_path: Path) -> None:
    data = text_pdf(tmp_path / "full.pdf").read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: len(data) // 2])
    refused(path, "corrupt PDF:", "truncated")


def test_pdf_that_is_not_a_pdf(tmp_path: Path) -> None:
    path = tmp_path / "page.pdf"
    path.write_text("<html><body>404 Not Found</body></html>", encoding="utf-8")
    refused(path, "corrupt PDF:", "no %PDF header")


def test_encrypted_pdf_needs_password(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=text_pdf(tmp_path / "plain.pdf"))
    writer.encrypt(user_password="secret", owner_password="owner")
    writer.write(tmp_path / "locked.pdf")
    refused(tmp_path / "locked.pdf", "encrypted PDF, needs the password")


def test_aes_encrypted_pdf_without_crypto_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writer = PdfWriter(clone_from=text_pdf(tmp_path / "plain.pdf"))
    writer.encrypt(user_password="", owner_password="owner")
    writer.write(tmp_path / "aes.pdf")

    def needs_cryptography(self, password):
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(PdfReader, "decrypt", needs_cryptography)  # as pypdf does without the package
    refused(tmp_path / "aes.pdf", "encrypted PDF", "'cryptography' package")


def test_scanned_pdf_of_blank_pictures(tmp_path: Path) -> None:
    pytest.importorskip("rapidocr", reason="the ocr extra reads scanned pages")
    scan = Image.new("L", (200, 280), color=235)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(scan, x=10, y=10, w=190)  # a page that is only a picture
    pdf.add_page()
    pdf.set_fill_color(40, 40, 40)
    pdf.rect(20, 20, 170, 250, style="F")  # and one that is only a drawing
    pdf.output(str(tmp_path / "scan.pdf"))
    # The picture page is OCRed (tests/ingest/test_ocr.py has real scans) and holds no text.
    refused(tmp_path / "scan.pdf", "no text recognised on the scanned pages (blank images?)")


# --- docx ----------------------------------------------------------------------------------------


def test_docx_that_is_a_zip_of_something_else(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data.csv", "a,b\n1,2\n")
    refused(path, "not a Word .docx file:", "data.csv")


def test_docx_that_is_an_excel_workbook(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    refused(path, "not a Word .docx file:", "Excel")


@pytest.mark.parametrize("content", [b"just some text, not a zip", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)])
def test_docx_that_is_not_a_zip(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "report.docx"
    path.write_bytes(content)
    refused(path, "not a Word .docx file:")


# --- CSV and JSONL -------------------------------------------------------------------------------


def test_csv_without_a_text_column(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("id,name,age\n1,张三,30\n2,李四,41\n", encoding="utf-8")
    refused(path, "no text column (looked for full_text, text, content", "columns are: id, name, age")


def test_csv_named_text_column_missing(tmp_path: Path) -> None:
    from govqa.ingest.loaders.table import CsvLoader

    path = tmp_path / "r.csv"
    path.write_text("id,text\n1,正文\n", encoding="utf-8")
    with pytest.raises(IngestError, match="text column 'body' not found; columns are: id, text"):
        list(CsvLoader(text_column="body").load(path))


def test_malformed_jsonl_line(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    good = json.dumps({"docid": "a", "text": "正文"}, ensure_ascii=False)
    path.write_text(f'{good}\n{good}\n{{"docid": "c", "text": "未闭合\n', encoding="utf-8")
    refused(path, "line 3", "malformed JSON")


def test_jsonl_line_that_is_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_text('{"text": "正文"}\n["a", "b"]\n', encoding="utf-8")
    refused(path, "line 2", "expected a JSON object")


# --- factory -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["report.xyz", "README"])
def test_unknown_extension(name: str) -> None:
    with pytest.raises(IngestError) as info:
        loader_for(Path(name))
    message = str(info.value)
    assert message.startswith("unsupported file type") and ".pdf" in message and "\n" not in message
