"""The [ingest] limits: each file over one is refused at once, with one line naming the limit and its setting.

The attacks of issue 25, made here: a 300,000-row CSV (each row a document: once ~20 hours of
indexing), a 2,000-page image-only PDF (once an hour of OCR), a 500-page TIFF (40 minutes) and a
small .docx inflating to 60 MB (once 100 s of parsing and 2.5 GB of memory).
"""

from __future__ import annotations

import csv
import io
import json
import re
import struct
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image

from govqa.ingest import check_limits, ingest_paths, load_file
from govqa.ingest.errors import IngestError, LimitError
from govqa.ingest.settings import ChunkConfig, IngestConfig

FIX = "split the file, or raise the limit"


def image_pdf(path: Path, pages: int) -> Path:
    """An image-only PDF of ``pages`` pages (one tiny image drawn on each: a scan, to the loader)."""
    picture = path.with_suffix(".png")
    Image.new("L", (8, 8), 255).save(picture)
    pdf = FPDF(unit="pt", format="A4")
    for _ in range(pages):
        pdf.add_page()
        pdf.image(str(picture), 0, 0, 100, 100)
    pdf.output(str(path))
    return path


def rows_csv(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["title", "full_text"])
        writer.writerows([f"通知{i}", "各有关单位要认真落实各项工作要求，确保取得实效。"] for i in range(rows))
    return path


def tiff(path: Path, frames: int) -> Path:
    first, *rest = [Image.new("L", (16, 16), 255) for _ in range(frames)]
    first.save(path, save_all=True, append_images=rest, compression="tiff_deflate")
    return path


def inflating_docx(path: Path, megabytes: int) -> Path:
    """A .docx whose document.xml inflates to ``megabytes`` MB of paragraphs (a few hundred KB on disk)."""
    paragraph = "<w:p><w:r><w:t>各有关单位要认真落实各项工作要求，确保取得实效。</w:t></w:r></w:p>"
    body = paragraph * (megabytes * 2**20 // len(paragraph.encode()))
    document = (
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", document)
    return path


def refused_at_once(path: Path, *fragments: str, limits: IngestConfig | None = None, seconds: float = 1.0) -> str:
    """Load ``path``: ``LimitError`` within ``seconds``, its one line holding ``fragments`` and the fix."""
    started = time.perf_counter()
    with pytest.raises(LimitError) as caught:
        load_file(path, limits=limits)
    assert time.perf_counter() - started < seconds
    message = str(caught.value)
    assert "\n" not in message and message.endswith(FIX), message
    assert all(f in message for f in fragments), message
    return message


def test_defaults_let_real_reports_pass_and_refuse_the_attacks() -> None:
    """The corpus maxima measured for docs/ingest.md (*Limits*) sit well inside the defaults."""
    limits = IngestConfig()
    assert limits.max_rows >= 5 * 1_262  # policy-qa-2020: 599 notices in one JSONL, 1,262 lines in its qrels
    assert limits.max_chars >= 3 * 933_466  # that JSONL's characters; the longest report holds 57,608
    assert limits.max_inflated_mb * 2**20 >= 50 * 324_926  # the largest provincial .docx inflates to 0.3 MB
    assert limits.max_rows < 300_000 and limits.max_pages < 2_000 and limits.max_ocr_pages < 500


def test_a_300000_row_csv_is_refused_before_any_row_is_read(tmp_path: Path) -> None:
    path = rows_csv(tmp_path / "big.csv", 300_000)  # 37 MB
    refused_at_once(path, "more than 10,000 rows", "[ingest] max_rows")
    rows_csv(tmp_path / "fits.csv", 10_000)
    documents, _ = load_file(tmp_path / "fits.csv")
    assert len(documents) == 10_000


def test_a_jsonl_export_counts_its_rows_too(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps({"text": f"第{i}号通知正文。"}) + "\n\n" for i in range(30)), "utf-8")
    refused_at_once(path, "more than 20 rows", "[ingest] max_rows", limits=IngestConfig(max_rows=20))
    assert len(load_file(path, limits=IngestConfig(max_rows=30))[0]) == 30  # blank lines are not rows


def test_a_2000_page_image_only_pdf_is_refused_from_its_page_count(tmp_path: Path) -> None:
    path = image_pdf(tmp_path / "scan.pdf", 2_000)  # 760 KB: once an hour of OCR
    refused_at_once(path, "2,000 pages; the limit is 1,000 ([ingest] max_pages)")


def test_scanned_pages_are_counted_before_the_first_is_rendered(tmp_path: Path) -> None:
    path = image_pdf(tmp_path / "scan.pdf", 12)
    refused_at_once(path, "12 scanned pages", "[ingest] max_ocr_pages", limits=IngestConfig(max_ocr_pages=10))


def test_a_500_page_tiff_is_refused_from_its_frame_headers(tmp_path: Path) -> None:
    path = tiff(tmp_path / "scan.tif", 500)
    refused_at_once(path, "500 pages, each read by OCR; the limit is 200 ([ingest] max_ocr_pages)")
    refused_at_once(path, "500 pages; the limit is 400 ([ingest] max_pages)", limits=IngestConfig(max_pages=400))


def test_a_docx_inflating_to_60_mb_is_refused_in_under_a_second_without_growing(tmp_path: Path) -> None:
    path = inflating_docx(tmp_path / "bomb.docx", 60)
    assert path.stat().st_size < 500_000
    tracemalloc.start()
    try:
        refused_at_once(path, "60.0 MB in 2 parts when inflated; the limit is 20 MB ([ingest] max_inflated_mb)")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000, f"{peak / 1e6:.0f} MB"


def lie_about_size(path: Path, part: str, stated: int) -> None:
    """Rewrite the size ``part``'s local header and directory entry state (its CRC stays that of the real data)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as package:
        local = package.getinfo(part).header_offset
    central = next(
        m.start() for m in re.finditer(b"PK\x01\x02", data) if data[m.start() + 46 :].startswith(part.encode())
    )
    struct.pack_into("<I", data, local + 22, stated)
    struct.pack_into("<I", data, central + 24, stated)
    path.write_bytes(bytes(data))


def test_a_docx_whose_directory_understates_is_measured_while_inflating(tmp_path: Path) -> None:
    """zipfile's read inflates a part's whole stream before cutting it to the stated size; the loader streams it."""
    path = inflating_docx(tmp_path / "liar.docx", 60)
    lie_about_size(path, "word/document.xml", 1_000)
    with zipfile.ZipFile(path) as package:
        assert sum(p.file_size for p in package.infolist()) < 2_000  # the directory passes the limit
    check_limits(path.name, io.BytesIO(path.read_bytes()), IngestConfig())
    tracemalloc.start()
    try:
        refused_at_once(path, "more than 20 MB when inflated", "[ingest] max_inflated_mb")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000, f"{peak / 1e6:.0f} MB"
    small = inflating_docx(tmp_path / "small.docx", 1)
    lie_about_size(small, "word/document.xml", 1_000)
    with pytest.raises(IngestError, match=r"corrupt \.docx: part word/document\.xml inflates to 1,0\d\d,\d\d\d bytes"):
        load_file(small)


def test_characters_are_counted_while_a_text_is_read(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("全市新建口袋公园三十个。\n" * 10_000, encoding="utf-8")  # 130,000 characters
    refused_at_once(path, "more than 100,000 characters", "[ingest] max_chars", limits=IngestConfig(max_chars=100_000))


def test_characters_of_all_rows_count_together(tmp_path: Path) -> None:
    path = rows_csv(tmp_path / "rows.csv", 100)  # 24 characters of text a row
    refused_at_once(path, "more than 2,000 characters", "[ingest] max_chars", limits=IngestConfig(max_chars=2_000))


def test_a_file_over_a_limit_fails_alone_and_the_batch_goes_on(tmp_path: Path) -> None:
    big = rows_csv(tmp_path / "a-big.csv", 300_000)
    good = tmp_path / "b-good.txt"
    good.write_text("示范市政府工作报告\n\n全市新建口袋公园30个。", encoding="utf-8")
    started = time.perf_counter()
    first, second = ingest_paths([big, good], ChunkConfig())
    assert time.perf_counter() - started < 2
    assert first.status == "failed" and "[ingest] max_rows" in first.error
    assert second.status == "ok" and second.documents


@pytest.mark.parametrize(
    ("name", "make", "found"),
    [
        ("scan.pdf", lambda p: image_pdf(p, 2_000), "2,000 pages"),
        ("big.csv", lambda p: rows_csv(p, 300_000), "more than 10,000 rows"),
        ("scan.tiff", lambda p: tiff(p, 500), "500 pages"),
        ("bomb.docx", lambda p: inflating_docx(p, 60), "60.0 MB"),
    ],
)
def test_an_upload_is_checked_from_its_bytes(tmp_path: Path, name: str, make, found: str) -> None:
    """``check_limits`` measures bytes in memory (an upload, before it is stored), in well under a second."""
    data = make(tmp_path / name).read_bytes()
    started = time.perf_counter()
    with pytest.raises(LimitError, match=found):
        check_limits(name, io.BytesIO(data), IngestConfig())
    assert time.perf_counter() - started < 1


def test_files_that_cannot_be_measured_pass_the_check_for_the_loader_to_explain(tmp_path: Path) -> None:
    for name in ("broken.pdf", "broken.docx", "broken.tif", "broken.csv", "broken.txt"):
        check_limits(name, io.BytesIO(b"\x00\x01 not what the name says"), IngestConfig())
